package dev.quilt.cri;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A private containerd 1.6 with its CRI plugin, everything under one directory {@code dir}:
 * {@code root/}, {@code state/}, the gRPC socket {@code containerd.sock}, the runc shim's
 * runtime root {@code runtime-root/}, its log {@code containerd.log}. One CRI runtime handler,
 * {@value #HANDLER}, of type {@code io.containerd.runc.v2} whose {@code BinaryName} is a logging
 * wrapper ({@code bin/runtime}) around the runtime under test: every call's argv lands in
 * {@code runtime-calls.log}, and the task's {@code log.json} is copied to {@code runtime-logs/}
 * before each call. No CNI configuration (pods use the node's network), no TCP
 * listener; the streaming server (exec/attach URLs, unused here) is on 127.0.0.1 only.
 *
 * <p>containerd 1.6's CRI plugin starts without a CNI config: it logs "failed to load cni during
 * init" and goes on; only a pod with its own network namespace would then fail.
 */
final class Containerd implements AutoCloseable {
    static final String HANDLER = "quilt";
    /** The CRI plugin's containerd namespace (containerd's criconfig, "k8s.io"). */
    static final String NAMESPACE = "k8s.io";

    final Path dir;
    final Path socket;
    final Path runtimeRoot;
    final Path calls;
    final Path log;
    /** Copies of the tasks' log.json, {@code <id>.log.json}, as each stood at the runtime's latest call. */
    final Path keptLogs;
    private Process process;

    Containerd(Path dir) {
        this.dir = dir;
        this.socket = dir.resolve("containerd.sock");
        this.runtimeRoot = dir.resolve("runtime-root");
        this.calls = dir.resolve("runtime-calls.log");
        this.log = dir.resolve("containerd.log");
        this.keptLogs = dir.resolve("runtime-logs");
    }

    /** The shim's bundle dirs, {@code state/io.containerd.runtime.v2.task/k8s.io/<id>}. */
    Path taskDir() {
        return dir.resolve("state/io.containerd.runtime.v2.task").resolve(NAMESPACE);
    }

    /** The CRI plugin's own files of a container ({@code <root>/io.containerd.grpc.v1.cri/containers/<id>}). */
    Path criContainerDir(String id) {
        return dir.resolve("root/io.containerd.grpc.v1.cri/containers").resolve(id);
    }

    /**
     * Writes the wrapper and config.toml, starts containerd and returns once it says it has
     * booted (a line on its stderr, read as it comes), or fails after {@code deadlineSeconds}
     * with the log's tail.
     */
    void start(Path runtimeBinary, String sandboxImage, long deadlineSeconds) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("bin"));
        Files.createDirectories(dir.resolve("cni"));
        Path wrapper = dir.resolve("bin/runtime");
        Files.createDirectories(keptLogs);
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "# logs each call's argv (what containerd's runc shim asks of the runtime), keeps a copy of\n"
                + "# the task's log.json as it stands (the shim deletes a failed task's bundle, log and all),\n"
                + "# then becomes the runtime: the process tree is the one the shim would have without us\n"
                + "printf '%s\\n' \"$*\" >> '" + calls + "'\n"
                + "log=; prev=\n"
                + "for a in \"$@\"; do\n"
                + "  [ \"$prev\" = --log ] && log=$a\n"
                + "  case $a in --log=*) log=${a#--log=};; esac\n"
                + "  prev=$a\n"
                + "done\n"
                + "if [ -n \"$log\" ] && [ -s \"$log\" ]; then\n"
                + "  cp \"$log\" '" + keptLogs + "'/\"$(basename \"$(dirname \"$log\")\")\".log.json\n"
                + "fi\n"
                + "exec '" + runtimeBinary + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(calls, "");
        Files.writeString(dir.resolve("config.toml"), config(wrapper, sandboxImage));

        process = new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<Void> booted = new CompletableFuture<>();
        Thread copier = new Thread(() -> copyLog(booted), "containerd-log");
        copier.setDaemon(true);
        copier.start();
        try {
            booted.get(deadlineSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("containerd did not boot: " + e.getMessage() + "\n" + tail(log, 30), e);
        }
    }

    private void copyLog(CompletableFuture<Void> booted) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (line.contains("containerd successfully booted")) booted.complete(null);
            }
            booted.completeExceptionally(new IOException("containerd exited before it booted"));
        } catch (IOException e) {
            booted.completeExceptionally(e);
        }
    }

    private String config(Path wrapper, String sandboxImage) {
        String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        return String.join("\n",
                "version = 2",
                "root = \"" + dir.resolve("root") + "\"",
                "state = \"" + dir.resolve("state") + "\"",
                "[grpc]",
                "  address = \"" + socket + "\"",
                "[ttrpc]",
                "  address = \"" + socket + ".ttrpc\"",
                "[debug]",
                "  address = \"" + dir.resolve("debug.sock") + "\"",
                "  level = \"info\"",
                "[metrics]",
                "  address = \"\"",
                "[" + cri + "]",
                "  sandbox_image = \"" + sandboxImage + "\"",
                "  stream_server_address = \"127.0.0.1\"",
                "  stream_server_port = \"0\"",
                "  disable_apparmor = true",
                "  enable_selinux = false",
                // the CRI gives the sandbox oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE,
                // which this host's root lacks (runc: "can't get final child's PID from pipe"):
                // never below containerd's own, as on a rootless or nested node
                "  restrict_oom_score_adj = true",
                "[" + cri + ".containerd]",
                "  snapshotter = \"overlayfs\"",
                "  default_runtime_name = \"" + HANDLER + "\"",
                "[" + cri + ".containerd.runtimes." + HANDLER + "]",
                "  runtime_type = \"io.containerd.runc.v2\"",
                "[" + cri + ".containerd.runtimes." + HANDLER + ".options]",
                "  BinaryName = \"" + wrapper + "\"",
                "  Root = \"" + runtimeRoot + "\"",
                "  SystemdCgroup = false",
                "[" + cri + ".cni]",
                "  bin_dir = \"" + dir.resolve("cni") + "\"",
                "  conf_dir = \"" + dir.resolve("cni") + "\"",
                "");
    }

    /** Runs {@code ctr} against this containerd in the CRI's namespace; fails with its output unless it exits 0. */
    String ctr(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "--namespace", NAMESPACE));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish\n" + out);
        }
        if (p.exitValue() != 0) throw new AssertionError(String.join(" ", argv) + " exited " + p.exitValue() + "\n" + out);
        return out;
    }

    /** The runtime's argv, one call a line, in order. */
    List<String> runtimeCalls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    /**
     * What a failure message needs: containerd's last lines, the runtime calls, and every
     * {@code log.json} the shim had the runtime write (runc's {@code --log}).
     */
    String diagnostics() {
        StringBuilder s = new StringBuilder();
        s.append("--- containerd.log (tail)\n").append(tail(log, 25));
        s.append("--- runtime calls (tail)\n").append(tail(calls, 25));
        try (Stream<Path> files = Files.exists(taskDir()) ? Files.walk(taskDir(), 2) : Stream.empty()) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("log.json")).toList()) {
                s.append("--- ").append(dir.relativize(f)).append('\n').append(tail(f, 15));
            }
        } catch (IOException | UncheckedIOException e) {
            s.append("(task dir unreadable: ").append(e.getMessage()).append(")\n");
        }
        try (Stream<Path> files = Files.exists(keptLogs) ? Files.list(keptLogs) : Stream.empty()) {
            for (Path f : files.sorted().toList()) s.append("--- kept ").append(dir.relativize(f)).append('\n').append(tail(f, 15));
        } catch (IOException | UncheckedIOException e) {
            s.append("(kept logs unreadable: ").append(e.getMessage()).append(")\n");
        }
        return s.toString();
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException e) {
            return "(" + file + ": " + e.getMessage() + ")\n";
        }
    }

    /** containerd's pid, or -1 before start. */
    long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Stops containerd (SIGTERM, SIGKILL if it has not exited within 30 s); its shims are not its children and stay. */
    @Override
    public void close() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        process = null;
    }
}
