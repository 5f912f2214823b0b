package dev.quilt.cli;

import dev.quilt.linux.LinuxPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container has a cgroup of its own in every hierarchy the host has mounted
 * (on this hybrid host: cpu, cpuacct, cpuset, memory, devices, freezer, blkio,
 * pids, name=systemd and the cgroup2 tree), joined before its cgroup namespace is
 * unshared: in none of them is its namespace's root the host's, so a cgroupfs it
 * mounts has no {@code release_agent} to point at its own code (the host-root
 * escape through blkio). An exec's command joins all of them too, itself before its execve, and quilt-exec
 * none (native/src/exec/cgroups.h); removal leaves none.
 */
class CgroupHierarchiesIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-cgh-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    /** The host's hierarchies, as its own /proc/self/cgroup names them ("4:memory", "9:name=systemd", "0:"). */
    private static List<String> hostHierarchies() throws IOException {
        return hierarchies(Files.readString(Path.of("/proc/self/cgroup")));
    }

    private static List<String> hierarchies(String procCgroup) {
        return procCgroup.lines().map(l -> l.substring(0, l.lastIndexOf(':'))).sorted().toList();
    }

    private static String up(String name) throws Exception {
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", name, "-e", "QUILT_IT=" + MARK,
                "--", "sleep", "2147483647");
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    private static long pid(String name) throws Exception {
        Quilt.Result r = quilt.run("inspect", name);
        assertEquals(0, r.exit(), r.err());
        var m = java.util.regex.Pattern.compile("\"pid\" : (\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Long.parseLong(m.group(1));
    }

    @Test
    void insideEveryHierarchyIsRootedAtTheContainersOwnCgroup() throws Exception {
        String id = up("every");
        List<String> host = hostHierarchies();
        assertTrue(host.stream().anyMatch(h -> h.endsWith(":blkio")), "this host mounts blkio: " + host);
        assertTrue(host.stream().anyMatch(h -> h.endsWith(":name=systemd")), "and name=systemd: " + host);
        assertTrue(host.contains("0:"), "and the cgroup2 tree: " + host);

        for (List<String> cmd : List.of(List.of("cat", "/proc/1/cgroup"), List.of("cat", "/proc/self/cgroup"))) {
            List<String> args = new ArrayList<>(List.of("exec", "every", "--"));
            args.addAll(cmd);
            Quilt.Result r = quilt.run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), r.err());
            assertEquals(host, hierarchies(r.out()), "a line for every hierarchy the host has: " + r.out());
            for (String line : r.out().lines().toList()) {
                assertTrue(line.endsWith(":/"), "init and exec see their own cgroup as the root: " + line);
            }
        }

        // from the host: every line of the init's, and of an exec'd process's, is the container's cgroup
        String own = "/" + LinuxPaths.under(root).cgroupParent() + "/" + id;
        String initCgroup = Files.readString(Path.of("/proc/" + pid("every") + "/cgroup"));
        assertEquals(host, hierarchies(initCgroup));
        for (String line : initCgroup.lines().toList()) assertTrue(line.endsWith(":" + own), line);
        Process exec = quilt.start("exec", "every", "--", "sh", "-c", "echo ready; exec sleep 2147483647");
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(exec.getInputStream()));
            assertEquals("ready", out.readLine(), "the exec'd command runs");
            Path procs = Path.of("/sys/fs/cgroup/memory" + own, "cgroup.procs");
            String init = Long.toString(pid("every"));
            List<String> others = Files.readAllLines(procs).stream().filter(p -> !p.equals(init)).toList();
            assertEquals(1, others.size(), "only the command is in the container's cgroup, not quilt-exec: " + others);
            String command = others.get(0);
            // the command joined every hierarchy itself, before its execve (the cgroup2 one by CLONE_INTO_CGROUP)
            String cg = Files.readString(Path.of("/proc", command, "cgroup"));
            assertEquals(host, hierarchies(cg), "exec'd " + command);
            for (String line : cg.lines().toList()) assertTrue(line.endsWith(":" + own), "exec'd: " + line);
            // quilt-exec, its parent, waits for it from outside: in no cgroup of the container (not charged to
            // its pids.max nor to its memory), in every hierarchy
            String parent = Files.readAllLines(Path.of("/proc", command, "status")).stream()
                    .filter(l -> l.startsWith("PPid:")).findFirst().orElseThrow().substring(5).strip();
            assertTrue(Files.readString(Path.of("/proc", parent, "cmdline")).split("\0")[0].endsWith("/quilt-exec"),
                    "the command's parent is quilt-exec");
            String outside = Files.readString(Path.of("/proc", parent, "cgroup"));
            assertEquals(host, hierarchies(outside));
            for (String line : outside.lines().toList()) {
                assertFalse(line.endsWith(":" + own), "quilt-exec " + parent + " is outside: " + line);
            }
        } finally {
            exec.destroyForcibly();
        }

        assertEquals(0, quilt.run("rm", "-f", "every").exit());
        assertEquals(List.of(), Leaks.cgroups(root), "nothing left in any hierarchy, nor the parent");
    }

    /**
     * quilt-exec is in no cgroup of the container, so {@code --pids-limit} counts what docker's (runc's) exec
     * counts: the container's own processes and the command's. With a limit of 5 and N processes of the
     * container's own (here 1, its init), an exec's shell runs 5 - N processes side by side: itself and 4 - N
     * children in the background; the fork of one more is refused (EAGAIN from pids.max). Before, quilt-exec took
     * one of the five. Through the one-shot CLI: quilt-exec spawned (ExecZygoteIT has the forked one).
     */
    @Test
    void anExecRunsAsManyProcessesUnderPidsLimitAsDockersDoes() throws Exception {
        Quilt.Result up = quilt.run("run", "-d", "--network", "none", "--pids-limit", "5", "--name", "pids",
                "-e", "QUILT_IT=" + MARK, "--", "sleep", "2147483647");
        assertEquals(0, up.exit(), up.err());
        try {
            Path pids = Path.of("/sys/fs/cgroup/pids/" + LinuxPaths.under(root).cgroupParent(), up.out().strip());
            assertEquals("5", Files.readString(pids.resolve("pids.max")).strip());
            int own = Integer.parseInt(Files.readString(pids.resolve("pids.current")).strip());
            assertEquals(1, own, "the container's own: its init");
            // each background child that forked says its number; a refused fork ends the shell (or leaves $! as it was)
            Quilt.Result r = quilt.run("exec", "pids", "--", "sh", "-c", "last=; for i in 1 2 3 4 5; do "
                    + "sleep 1000 </dev/null >/dev/null 2>&1 & [ \"$!\" != \"$last\" ] && echo $i; last=$!; done");
            StringBuilder want = new StringBuilder();
            for (int i = 1; i <= 4 - own; i++) want.append(i).append('\n');
            assertEquals(want.toString(), r.out(), "5 - " + own + " processes side by side, the shell's own included: "
                    + r.err());
            assertEquals(4, Integer.parseInt(Files.readString(pids.resolve("pids.current")).strip()),
                    "the init and the exec's children, which outlive its shell, in the container's pids cgroup");
        } finally {
            assertEquals(0, quilt.run("rm", "-f", "pids").exit());
        }
    }

    /**
     * The escape itself, tried from the container's cgroup namespace with the host
     * root's own capabilities (so it shows what the namespace gives, whatever the
     * container's capabilities and mounts): each v1 hierarchy mounted there is the
     * container's cgroup, with no {@code release_agent}, which exists only at a
     * hierarchy's real root.
     */
    @Test
    void aHierarchyMountedInTheContainersNamespaceHasNoReleaseAgent(@TempDir Path mnt) throws Exception {
        up("agent");
        long pid = pid("agent");
        List<String> v1 = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            String[] post = line.substring(dash + 3).split(" ");
            if (!post[0].equals("cgroup")) continue;
            List<String> opts = new ArrayList<>();
            for (String o : post[2].split(",")) if (!o.equals("rw") && !o.equals("ro")) opts.add(o);
            if (!v1.contains(String.join(",", opts))) v1.add(String.join(",", opts));
        }
        assertTrue(v1.contains("blkio"), v1.toString());
        assertTrue(Files.exists(Path.of("/sys/fs/cgroup/blkio/release_agent")), "the host's root has one");
        for (String opts : v1) {
            String o = opts.startsWith("name=") ? "none," + opts : opts;
            // a private mount namespace of the host's: the mount goes with it
            Process p = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-C", "--", "unshare", "-m", "--",
                    "sh", "-c", "mount -t cgroup -o " + o + " cgroup " + mnt + " && ls " + mnt
                            + " && test ! -e " + mnt + "/release_agent && cat " + mnt + "/cgroup.procs")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), opts + ": " + out);
            assertFalse(out.contains("release_agent"), opts + ": " + out);
            assertTrue(out.lines().anyMatch(l -> l.equals(Long.toString(pid))), opts + ": the init is at its root: " + out);
        }
        assertEquals(0, quilt.run("rm", "-f", "agent").exit());
        assertEquals(List.of(), Leaks.cgroups(root));
    }

    /**
     * A cgroup left only in hierarchies that hold no limit (a create or removal
     * cut short): gc finds it there, with a process in it, and removes it with its
     * parent.
     */
    @Test
    void gcFindsALeftoverInAHierarchyWithoutLimits() throws Exception {
        String parent = LinuxPaths.under(root).cgroupParent();
        String id = "c9" + "0".repeat(62);
        List<Path> dirs = new ArrayList<>();
        for (String h : List.of("blkio", "systemd", "unified")) {
            Path d = Path.of("/sys/fs/cgroup", h, parent, id);
            Files.createDirectories(d);
            dirs.add(d);
        }
        Process stray = new ProcessBuilder("sleep", "2147483647").start();
        try {
            Files.writeString(dirs.get(0).resolve("cgroup.procs"), Long.toString(stray.pid()));
            Quilt.Result gc = quilt.run("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains("removed 1 cgroup"), gc.out());
            assertTrue(stray.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "its process was killed");
            for (Path d : dirs) assertFalse(Files.exists(d), d + " left");
            assertEquals(List.of(), Leaks.cgroups(root));
        } finally {
            stray.destroyForcibly();
            for (Path d : dirs) {
                if (Files.isDirectory(d)) Files.delete(d);
            }
        }
    }
}
