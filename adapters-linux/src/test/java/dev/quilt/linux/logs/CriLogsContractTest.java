package dev.quilt.linux.logs;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.ContainerLogs;
import dev.quilt.ports.ContainerLogsContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The port's contract on the CRI log files quilt-monitor writes, with inotify and pidfds for real; no root. */
class CriLogsContractTest extends ContainerLogsContract {
    @TempDir
    Path dir;
    private LinuxPaths paths;

    @BeforeEach
    void setUp() throws Exception {
        NativeLibrary.load(dir.resolve("native"));
        paths = LinuxPaths.under(dir.resolve("root"));
        Files.createDirectories(paths.log(ID).getParent());
    }

    @Override
    protected ContainerLogs logs() {
        return new CriLogs(paths);
    }

    /** One record as the monitor appends it: {@code TIME STREAM F|P TEXT}. */
    @Override
    protected void write(ContainerId id, ContainerLogs.Entry e) throws Exception {
        String head = e.time() + " " + (e.stream() == ContainerLogs.Stream.STDERR ? "stderr" : "stdout")
                + (e.newline() ? " F " : " P ");
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] line = new byte[h.length + e.text().length + 1];
        System.arraycopy(h, 0, line, 0, h.length);
        System.arraycopy(e.text(), 0, line, h.length, e.text().length);
        line[line.length - 1] = '\n';
        Files.createDirectories(paths.log(id).getParent());
        Files.write(paths.log(id), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** This JVM: alive for as long as the test. */
    @Override
    protected ProcessRef liveWriter() {
        int pid = (int) ProcessHandle.current().pid();
        return new ProcessRef(pid, ProcStat.startTime(pid).orElseThrow());
    }

    /** A child that has exited and been reaped: its pid names nothing, or another process (another start time). */
    @Override
    protected ProcessRef goneWriter() throws Exception {
        Process p = new ProcessBuilder("true").start();
        int pid = (int) p.pid();
        long start = ProcStat.startTime(pid).orElse(1);
        p.waitFor();
        return new ProcessRef(pid, start);
    }
}
