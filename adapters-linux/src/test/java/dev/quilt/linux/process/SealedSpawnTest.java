package dev.quilt.linux.process;

import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Sockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Helpers start from sealed copies, one per helper path; no root needed. */
class SealedSpawnTest {
    @TempDir
    Path dir;

    @Test
    void oneJvmStartsHelpersFromMorePathsThanItKeepsCopiesOf() throws Exception {
        NativeLibrary.load(dir.resolve("native"));
        // as the ITs do, one state root (and so one helper path) after another in one JVM
        for (int i = 0; i < 20; i++) {
            Path helper = Files.copy(Path.of("/bin/true"), dir.resolve("true-" + i));
            int[] pair = Sockets.pair();
            try {
                int pid = Processes.spawn(helper.toString(), pair[1], 0);
                assertEquals(0, Processes.await(pid), "the raw wait status of copy " + i);
            } finally {
                Processes.closeFd(pair[0]);
                Processes.closeFd(pair[1]);
            }
        }
    }
}
