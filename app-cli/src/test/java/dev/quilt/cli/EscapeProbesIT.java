package dev.quilt.cli;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The escape-probe suite (issue 13, section 4): {@code quilt-probe} (native/probes)
 * run inside containers of an image of busybox and the probe. With the defaults
 * every class holds, in the container's own process and in an exec; under
 * {@code --privileged} the probes that privilege is meant to open succeed, so a
 * probe that cannot fail is caught. Each probe is harmless when it succeeds
 * (native/probes/README.md). Containers run with {@code --network none}; the
 * CLI runs inside a session keyring of the test's own holding a marker key
 * ({@code quilt-probe host-session}), which a container must not see.
 */
class EscapeProbesIT {
    private static final String MARK = UUID.randomUUID().toString();
    /** the session keyring and key the CLI runs with: the "host's keys" */
    private static final String KEY = "quilt-probe-" + MARK.substring(0, 8);

    /** what {@code quilt-probe all} runs, in its order */
    private static final List<String> ALL = List.of("caps", "handle", "kmsg", "syslog", "kallsyms", "keyring",
            "hostkey", "packet", "bpf", "perf", "userfaultfd", "clock", "swapoff", "limits", "mknod", "cwd", "procfs",
            "sysfs", "cgroupfs", "release_agent", "remount", "umount");

    /**
     * What {@code --privileged} opens, as in docker and podman: every capability
     * (caps; mounts: umount, remount, procfs, sysfs, cgroupfs; open_by_handle_at:
     * DAC_READ_SEARCH; syslog and kallsyms addresses: SYSLOG; packet: NET_RAW;
     * bpf: BPF/SYS_ADMIN; perf: PERFMON; userfaultfd: SYS_PTRACE; clock:
     * SYS_TIME; swapoff: SYS_ADMIN; limits: a fresh mount of its own pids
     * hierarchy), no seccomp filter, and every device allowed (mknod + open of the
     * host's block device, and of a kmsg node).
     */
    private static final Set<String> PRIVILEGED_OPENS = Set.of("caps", "umount", "remount", "procfs", "sysfs",
            "cgroupfs", "handle", "syslog", "kallsyms", "packet", "bpf", "perf", "userfaultfd", "clock", "swapoff",
            "mknod", "kmsg", "limits");
    /**
     * What {@code --privileged} still holds: the session keyring is the
     * container's own either way (runc makes one unless told not to), and fds
     * and the cwd never leak. Not asserted there: release_agent (with the
     * container in its own cgroup in every hierarchy, even a privileged mount
     * shows no hierarchy's root; docker on a v1 host without a cgroup namespace
     * would show it).
     */
    private static final Set<String> PRIVILEGED_HOLDS = Set.of("keyring", "hostkey", "cwd");

    private static Path root;
    private static Quilt quilt;
    private static Path probe;

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-probes-it-");
        quilt = new Quilt(root);
        byte[] bytes = probeBinary();
        probe = root.resolve("quilt-probe");
        Files.write(probe, bytes);
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path tar = root.resolve("probes.tar");
        Files.write(tar, image(bytes));
        Quilt.Result imp = quilt.run("image", "import", tar.toString(), "--name", "probes");
        assertEquals(0, imp.exit(), imp.err());
        // --userns auto takes its ids from a subordinate-id file of the test's own, never the host's
        Path subids = root.resolve("subid");
        Files.writeString(subids, "containers:" + UsernsIT.randomBase() + ":65536\n");
        quilt.env.put("QUILT_SUBUID_FILE", subids.toString());
        quilt.env.put("QUILT_SUBGID_FILE", subids.toString());
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    @Test
    void withTheDefaultsEveryProbeHoldsInTheContainersProcess() throws Exception {
        Quilt.Result r = quilt("run", "--rm", "--network", "none", "-e", "QUILT_IT=" + MARK,
                "-e", "QUILT_PROBE_MARKER=" + KEY, "probes", "--", "/probe", "all");
        assertEveryHeld(r, ALL);
    }

    @Test
    void inAUserNamespaceEveryProbeHoldsInTheContainersProcessAndInAnExec() throws Exception {
        Quilt.Result r = quilt("run", "--rm", "--network", "none", "--userns", "auto", "-e", "QUILT_IT=" + MARK,
                "-e", "QUILT_PROBE_MARKER=" + KEY, "probes", "--", "/probe", "all");
        assertEveryHeld(r, ALL);
        String name = "userns-" + MARK.substring(0, 8);
        Quilt.Result up = quilt("run", "-d", "--network", "none", "--userns", "auto", "--name", name,
                "-e", "QUILT_IT=" + MARK, "probes");
        assertEquals(0, up.exit(), up.err());
        try {
            assertEveryHeld(quilt("exec", "-e", "QUILT_PROBE_MARKER=" + KEY, name, "/probe", "all"), ALL);
        } finally {
            assertEquals(0, quilt.run("rm", "-f", name).exit());
        }
    }

    @Test
    void withTheDefaultsEveryProbeHoldsInAnExec() throws Exception {
        String name = "exec-" + MARK.substring(0, 8);
        Quilt.Result up = quilt("run", "-d", "--network", "none", "--name", name, "-e", "QUILT_IT=" + MARK, "probes");
        assertEquals(0, up.exit(), up.err());
        Quilt.Result r = quilt("exec", "-e", "QUILT_PROBE_MARKER=" + KEY, name, "/probe", "all");
        assertEveryHeld(r, ALL);
        assertEquals(0, quilt.run("rm", "-f", name).exit());
    }

    @Test
    void withTheDefaultsASetuidRootFileDoesNotGiveRootBackToUid1000() throws Exception {
        Quilt.Result r = quilt.run("run", "--rm", "--network", "none", "-u", "1000", "-e", "QUILT_IT=" + MARK,
                "probes", "--", "/probe-suid", "setuid");
        assertEveryHeld(r, List.of("setuid"));
        String name = "suid-" + MARK.substring(0, 8);
        assertEquals(0, quilt.run("run", "-d", "--network", "none", "--name", name, "-e", "QUILT_IT=" + MARK,
                "probes").exit());
        assertEveryHeld(quilt.run("exec", "-u", "1000", name, "/probe-suid", "setuid"), List.of("setuid"));
        assertEquals(0, quilt.run("rm", "-f", name).exit());
    }

    @Test
    void withTheDefaultsTheExecHelperCannotBeReachedThroughProcExe() throws Exception {
        assertEquals("held", exeProbe(List.of()));
    }

    /** runc's CVE-2024-21626: a cwd of /proc/self/fd/N reaches whatever the runtime left open as fd N */
    @Test
    void aCwdThroughAnInheritedFdIsRefusedOrInsideTheRoot() throws Exception {
        String name = "cwd-" + MARK.substring(0, 8);
        assertEquals(0, quilt.run("run", "-d", "--network", "none", "--name", name, "-e", "QUILT_IT=" + MARK,
                "probes").exit());
        List<Executable> checks = new ArrayList<>();
        for (int fd = 3; fd <= 9; fd++) {
            String cwd = "/proc/self/fd/" + fd;
            Quilt.Result run = quilt.run("run", "--rm", "--network", "none", "-w", cwd, "-e", "QUILT_IT=" + MARK,
                    "probes", "--", "/probe", "cwd");
            Quilt.Result exec = quilt.run("exec", "-w", cwd, name, "/probe", "cwd");
            for (Quilt.Result r : List.of(run, exec)) {
                checks.add(() -> assertTrue(r.exit() == 0 && r.out().startsWith("PROBE cwd held")
                        || r.exit() >= 125 && r.out().isEmpty() && r.err().lines().count() == 1,
                        cwd + ": held, or refused in one line; got " + r));
            }
        }
        assertAll(checks);
        assertEquals(0, quilt.run("rm", "-f", name).exit());
    }

    @Test
    void privilegedOpensWhatItIsMeantToAndStillHoldsTheRest() throws Exception {
        Quilt.Result r = quilt("run", "--rm", "--network", "none", "--privileged", "-e", "QUILT_IT=" + MARK,
                "-e", "QUILT_PROBE_MARKER=" + KEY, "probes", "--", "/probe", "all");
        Map<String, String> got = verdicts(r);
        List<Executable> checks = new ArrayList<>();
        for (String c : PRIVILEGED_OPENS) {
            checks.add(() -> assertEquals("escaped", got.get(c), c + " under --privileged: " + r));
        }
        for (String c : PRIVILEGED_HOLDS) {
            checks.add(() -> assertEquals("held", got.get(c), c + " under --privileged: " + r));
        }
        assertAll(checks);
    }

    @Test
    void privilegedLetsASetuidRootFileGiveRootBack() throws Exception {
        Quilt.Result r = quilt.run("run", "--rm", "--network", "none", "--privileged", "-u", "1000",
                "-e", "QUILT_IT=" + MARK, "probes", "--", "/probe-suid", "setuid");
        assertEquals("escaped", verdicts(r).get("setuid"), r.toString());
    }

    @Test
    void privilegedStillRunsTheExecHelperFromASealedCopy() throws Exception {
        assertEquals("held", exeProbe(List.of("--privileged")));
    }

    /**
     * The CVE-2019-5736 watcher: a container whose pid 1 is {@code /probe exe}
     * (so no quilt-exec of its own runs the helper's file while it watches)
     * says on its log that it watches; then one {@code quilt exec} enters and
     * the watcher reports what it found at that exec's {@code /proc/<pid>/exe}.
     */
    private static String exeProbe(List<String> flags) throws Exception {
        String name = "exe-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> args = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", name,
                "-e", "QUILT_IT=" + MARK));
        args.addAll(flags);
        args.addAll(List.of("probes", "--", "/probe", "exe"));
        Quilt.Result up = quilt.run(args.toArray(String[]::new));
        assertEquals(0, up.exit(), up.err());
        Process logs = quilt.start("logs", "-f", name);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(logs.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.contains("PROBE-READY exe")) {
                // what the log holds before the watcher is ready
            }
            assertTrue(line != null, "the watcher ended before it watched: " + quilt.run("logs", name));
            Quilt.Result trigger = quilt.run("exec", name, "true");
            while ((line = out.readLine()) != null && !line.contains("PROBE exe ") && !line.contains("PROBE-CAUGHT exe")) {
                // the watcher's line comes next
            }
            if (line != null && line.contains("PROBE-CAUGHT exe")) {
                // it holds the helper's binary: no quilt-exec runs it now (the exec has returned), so it may try writing
                Quilt.Result signal = quilt.run("kill", name, "USR1");
                assertEquals(0, signal.exit(), signal.err());
                while ((line = out.readLine()) != null && !line.contains("PROBE exe ")) {
                    // its verdict
                }
            }
            assertTrue(line != null, "the watcher ended without a verdict: " + trigger);
            String verdict = line.substring(line.indexOf("PROBE exe ") + 10).split(" ")[0];
            assertEquals(0, trigger.exit(), trigger.err());
            return verdict + (verdict.equals("held") ? "" : ": " + line);
        } finally {
            logs.destroy();
            logs.waitFor(30, TimeUnit.SECONDS);
            quilt.run("rm", "-f", name);
        }
    }

    /** quilt with the test's session keyring and its marker key, the host's secrets a container must not see */
    private static Quilt.Result quilt(String... args) throws Exception {
        return quilt.runAs(List.of(probe.toString(), "host-session", KEY, "--"), args);
    }

    private static Map<String, String> verdicts(Quilt.Result r) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : r.lines()) {
            String[] f = line.split(" ", 4);
            if (f.length >= 3 && f[0].equals("PROBE")) m.put(f[1], f[2]);
        }
        return m;
    }

    private static void assertEveryHeld(Quilt.Result r, List<String> classes) {
        Map<String, String> got = verdicts(r);
        List<Executable> checks = new ArrayList<>();
        for (String c : classes) {
            String line = r.lines().stream().filter(l -> l.startsWith("PROBE " + c + " ")).findFirst()
                    .orElse("no line for " + c + "; stderr: " + r.err());
            checks.add(() -> assertEquals("held", got.get(c), line));
        }
        checks.add(() -> assertFalse(r.out().contains(" escaped "), r.out()));
        checks.add(() -> assertEquals(0, r.exit(), "exit " + r.exit() + ": " + r.err()));
        assertAll(checks);
    }

    /** quilt-probe as packaged beside quilt-init (native/probes) */
    private static byte[] probeBinary() throws IOException {
        try (InputStream in = EscapeProbesIT.class.getResourceAsStream("/dev/quilt/linux/native/quilt-probe")) {
            if (in == null) throw new AssertionError("quilt-probe is not on the class path; build native/");
            return in.readAllBytes();
        }
    }

    /** busybox with its applets, /probe, and /probe-suid: the same binary, setuid root */
    private static byte[] image(byte[] probeBytes) throws IOException, InterruptedException {
        Path bbPath = Files.exists(Path.of("/bin/busybox")) ? Path.of("/bin/busybox") : Path.of("/usr/bin/busybox");
        byte[] busybox = Files.readAllBytes(bbPath);
        Process list = new ProcessBuilder(bbPath.toString(), "--list").start();
        List<String> applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(a -> !a.isBlank() && !a.equals("busybox")).toList();
        assertEquals(0, list.waitFor());
        var bytes = new ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String d : List.of("bin/", "etc/", "dev/", "proc/", "sys/", "root/", "run/")) entry(tar, d, 040755, null);
            entry(tar, "tmp/", 041777, null);
            entry(tar, "bin/busybox", 0100755, busybox);
            for (String a : applets) {
                var l = new TarArchiveEntry("bin/" + a, TarConstants.LF_SYMLINK);
                l.setLinkName("busybox");
                tar.putArchiveEntry(l);
                tar.closeArchiveEntry();
            }
            entry(tar, "etc/passwd", 0100644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                    .getBytes(StandardCharsets.UTF_8));
            entry(tar, "etc/group", 0100644, "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8));
            entry(tar, "probe", 0100755, probeBytes);
            entry(tar, "probe-suid", 0104755, probeBytes);
        }
        return bytes.toByteArray();
    }

    private static void entry(TarArchiveOutputStream tar, String name, int mode, byte[] content) throws IOException {
        var e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setUserId(0);
        e.setGroupId(0);
        if (content != null) e.setSize(content.length);
        tar.putArchiveEntry(e);
        if (content != null) tar.write(content);
        tar.closeArchiveEntry();
    }
}
