package dev.quilt.cli.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The OCI runtime the client ITs hand to podman and containerd: the system property
 * {@code quilt.runc.binary} (e.g. {@code /usr/sbin/runc}, which proves the harness), by
 * default the repo's {@code ./quilt-runc} (which proves Quilt). The clients get a wrapper
 * with the same file name (podman keys features off it) that appends each call's argv to
 * {@link #calls} and then execs the runtime, so the process tree is the runtime's own.
 *
 * @param binary      the runtime, absolute
 * @param wrapper     what the clients are given
 * @param calls       one line per call: time, the caller's comm, the argv; beside it {@code logs/},
 *                    the runtime's {@code --log} file of each task as it was before the task's last call
 * @param defaultRoot the runtime's state root when a client passes no {@code --root} (podman):
 *                    system property {@code quilt.runc.default-root}, else runc's
 *                    {@code /run/runc}, crun's {@code /run/crun}, quilt-runc's {@code /run/quilt-runc}
 */
record RuntimeUnderTest(Path binary, Path wrapper, Path calls, Path defaultRoot) {
    static RuntimeUnderTest in(Path work) throws IOException, InterruptedException {
        Path binary = Path.of(System.getProperty("quilt.runc.binary", Path.of("..", "quilt-runc").toString()))
                .toAbsolutePath().normalize();
        if (!Files.isExecutable(binary)) {
            throw new AssertionError("no runtime to test at " + binary + " (set -Dquilt.runc.binary=/usr/sbin/runc "
                    + "to test the harness against runc)");
        }
        // a launcher builds and trains its class cache on first use: not inside a client's call
        Path said = Files.createTempFile(work, "version", ".txt");
        Process version = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true)
                .redirectOutput(said.toFile()).start();
        boolean done = version.waitFor(600, java.util.concurrent.TimeUnit.SECONDS);
        if (!done) version.destroyForcibly();
        if (!done || version.exitValue() != 0) throw new AssertionError(binary + " --version failed:\n" + Files.readString(said));
        String name = binary.getFileName().toString();
        Path dir = Files.createDirectories(work.resolve("runtime"));
        Path calls = dir.resolve("calls.log");
        Files.writeString(calls, "");
        Path wrapper = dir.resolve(name);
        Path logs = Files.createDirectories(dir.resolve("logs"));
        // a copy of the runtime's --log before each call: the shim deletes a failed task's bundle, log and all
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "echo \"$(date +%H:%M:%S.%N | cut -c1-12) [$(cat /proc/$PPID/comm)] " + name + " $*\" >> '" + calls + "'\n"
                + "prev=; log=\n"
                + "for a in \"$@\"; do [ \"$prev\" = --log ] && log=$a; case $a in --log=*) log=${a#--log=};; esac; prev=$a; done\n"
                + "[ -n \"$log\" ] && [ -s \"$log\" ] && cp \"$log\" '" + logs + "'/\"$(basename \"$(dirname \"$log\")\")\".log\n"
                + "exec '" + binary + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        String root = System.getProperty("quilt.runc.default-root", switch (name) {
            case "runc" -> "/run/runc";
            case "crun" -> "/run/crun";
            default -> "/run/quilt-runc";
        });
        return new RuntimeUnderTest(binary, wrapper, calls, Path.of(root));
    }

    /** The container ids the clients created: the last argument of every {@code create} and {@code restore} call. */
    List<String> createdIds() throws IOException {
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(calls)) {
            List<String> argv = List.of(line.split(" "));
            if ((argv.contains("create") || argv.contains("restore")) && !ids.contains(argv.getLast())) {
                ids.add(argv.getLast());
            }
        }
        return ids;
    }

    /** The argv of every call, for the report of what a client invoked. */
    List<String> callLines() throws IOException {
        return Files.readAllLines(calls);
    }
}
