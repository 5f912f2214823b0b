// What seccomp costs a start: the default profile's program for the default
// capabilities, through LinuxSeccompFilters, in this (fresh) JVM.
//   java -cp quilt.jar SeccompCost.java CACHE_DIR cold    empties CACHE_DIR first: parse + libseccomp compile + write
//   java -cp quilt.jar SeccompCost.java CACHE_DIR cached [OUT]  the file is there: check the key, read the file
//                                                           (and write the program alone to OUT)
//   java -cp quilt.jar SeccompCost.java CACHE_DIR reread  as cached, but timed on a second instance: the classes
//                                                           loaded and linked (what the AOT cache trained on run gives)
//   java -cp quilt.jar SeccompCost.java CACHE_DIR warm N  one JVM, N compiles after 5 warm-up ones (JIT-ed; podman's case)
// Prints ms, one number a line. Loading libquilt.so is not counted: every quilt command does it anyway.
import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Seccomp;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.seccomp.LinuxSeccompFilters;

import java.nio.file.Files;
import java.nio.file.Path;

public class SeccompCost {
    public static void main(String[] a) throws Exception {
        Path cache = Path.of(a[0]);
        NativeLibrary.load(cache.resolveSibling("native"));
        if (a[1].equals("cold") && Files.isDirectory(cache)) {
            try (var files = Files.list(cache)) {
                for (Path p : files.toList()) Files.delete(p);
            }
        }
        if (a[1].equals("warm")) {
            int n = Integer.parseInt(a[2]);
            for (int i = 0; i < 5 + n; i++) {
                LinuxSeccompFilters f = new LinuxSeccompFilters(Files.createTempDirectory("seccomp-warm"));
                long t0 = System.nanoTime();
                f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
                long t1 = System.nanoTime();
                if (i >= 5) System.out.printf("%.3f%n", (t1 - t0) / 1e6);
            }
            return;
        }
        if (a[1].equals("reread")) new LinuxSeccompFilters(cache).program(Seccomp.DEFAULT, Capabilities.DEFAULT);
        long t0 = System.nanoTime();
        byte[] p = new LinuxSeccompFilters(cache).program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        long t1 = System.nanoTime();
        if (p.length == 0) throw new IllegalStateException("no program");
        if (a.length > 2) Files.write(Path.of(a[2]), p);
        System.out.printf("%.3f%n", (t1 - t0) / 1e6);
    }
}
