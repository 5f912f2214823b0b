package dev.quilt.cli;

import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CVE-2019-5736 on Quilt's own helpers: a process that can reach another's
 * {@code /proc/PID/exe} (CAP_SYS_PTRACE ignores non-dumpable) must find no host
 * file behind it. quilt-monitor, the init it clones (until its execve: a created
 * container's pid 1), quilt-exec and the child it clones all run from sealed
 * memfd copies: the link names {@code /memfd:…}, and opening it for writing fails.
 * Checked from the host, which holds every capability.
 */
class SealedHelpersIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-sealed-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    private static long number(String inspect, String field) {
        var m = Pattern.compile("\"" + field + "\" : (\\d+)").matcher(inspect);
        assertTrue(m.find(), field + " in " + inspect);
        return Long.parseLong(m.group(1));
    }

    /** /proc/PID/exe is a sealed copy named {@code name}, and no one may open it for writing. */
    private static void sealed(long pid, String name) throws IOException {
        Path exe = Path.of("/proc", Long.toString(pid), "exe");
        String target = Files.readSymbolicLink(exe).toString();
        assertTrue(target.startsWith("/memfd:" + name), pid + " runs " + target + ", a host file");
        assertThrows(IOException.class, () -> FileChannel.open(exe, StandardOpenOption.WRITE).close(),
                pid + ": " + target + " opened for writing");
        assertThrows(IOException.class, () -> FileChannel.open(exe, StandardOpenOption.READ, StandardOpenOption.WRITE)
                .close(), pid + ": " + target + " opened for reading and writing");
    }

    private static long parent(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    @Test
    void aCreatedContainersInitAndItsMonitorRunFromSealedCopies() throws Exception {
        Quilt.Result c = quilt.run("create", "--network", "none", "--name", "made", "-e", "QUILT_IT=" + MARK,
                "--", "true");
        assertEquals(0, c.exit(), c.err());
        String inspect = quilt.run("inspect", "made").out();
        sealed(number(inspect, "pid"), "quilt-monitor"); // a clone of the monitor, waiting at the exec fifo
        sealed(number(inspect, "monitorPid"), "quilt-monitor");
        assertEquals(0, quilt.run("rm", "-f", "made").exit());
    }

    /**
     * The attack's second half: hold the file behind /proc/PID/exe, let the process
     * end, then write through the held file. The copy is sealed, so the write fails
     * (EPERM), and nothing later runs what a container wrote.
     */
    @Test
    void theCopyHeldPastItsProcessCannotBeWritten() throws Exception {
        Quilt.Result c = quilt.run("create", "--network", "none", "--name", "held", "-e", "QUILT_IT=" + MARK,
                "--", "true");
        assertEquals(0, c.exit(), c.err());
        String inspect = quilt.run("inspect", "held").out();
        long init = number(inspect, "pid");
        NativeLibrary.load(LinuxPaths.under(root).nativeCache());
        int monitor = Processes.openPidfd((int) number(inspect, "monitorPid"));
        assertTrue(monitor >= 0, "the monitor runs");
        Process holder = new ProcessBuilder("sh", "-c", "exec 3</proc/" + init + "/exe; echo held; read x;"
                + " printf x | dd of=/proc/self/fd/3 oflag=append conv=notrunc status=none && echo WROTE").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("held", out.readLine());
            Quilt.Result start = quilt.run("start", "held");
            assertEquals(0, start.exit(), start.err());
            Quilt.Result waited = quilt.run("wait", "held");
            assertEquals("0", waited.out().strip(), waited.err());
            // nothing runs the copy any more: the monitor has exited too
            assertTrue(Watches.await(new int[] {monitor}, 60_000) != Watches.TIMED_OUT, "the monitor exits");
            holder.getOutputStream().write('\n');
            holder.getOutputStream().close();
            String rest = new String(holder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(holder.waitFor() != 0, rest);
            assertTrue(rest.contains("Operation not permitted"), "the seal refuses the write: " + rest);
        } finally {
            holder.destroyForcibly();
            Processes.closeFd(monitor);
        }
        assertEquals(0, quilt.run("rm", "held").exit());
    }

    @Test
    void quiltExecRunsFromASealedCopy() throws Exception {
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "box", "-e", "QUILT_IT=" + MARK,
                "--", "sleep", "2147483647");
        assertEquals(0, r.exit(), r.err());
        String id = r.out().strip();
        long init = number(quilt.run("inspect", "box").out(), "pid");
        Process exec = quilt.start("exec", "box", "--", "sh", "-c", "echo ready; exec sleep 2147483647");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(exec.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine(), "the exec'd command runs");
            // the command joined the container's cgroup; quilt-exec, its parent, stays out of it (docs/ARCHITECTURE.md,
            // "exec": the command joins the cgroups itself) and runs from the sealed copy
            Path procs = Path.of("/sys/fs/cgroup/memory", LinuxPaths.under(root).cgroupParent(), id, "cgroup.procs");
            List<Long> inCgroup = new ArrayList<>();
            for (String p : Files.readAllLines(procs)) {
                long pid = Long.parseLong(p);
                if (pid != init) inCgroup.add(pid);
            }
            assertEquals(1, inCgroup.size(), "one command in the container's cgroup: " + inCgroup);
            long command = inCgroup.get(0);
            long helper = parent(command);
            String exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(helper), "exe")).toString();
            assertTrue(exe.startsWith("/memfd:"), "the command's parent is quilt-exec from its sealed copy: " + exe);
            assertFalse(inCgroup.contains(helper), "quilt-exec is in no cgroup of the container");
            sealed(helper, "quilt-exec");
        } finally {
            exec.destroyForcibly();
        }
        assertEquals(0, quilt.run("rm", "-f", "box").exit());
    }
}
