package dev.quilt.linux.files;

import dev.quilt.domain.PathStat;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.ContainerFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * {@link ContainerFiles} through {@code quilt-archive} (native/src/archive/main.c): the JVM spawns it (from a
 * sealed copy, never a fork) with a SOCK_SEQPACKET socket on fd 3 and pipes as stdin and stdout, sends the
 * request, streams the tar through the pipe (64 KiB at a time: nothing whole in the heap), then reads the one
 * answer and reaps the helper. The helper joins the container's mount (and user) namespace and chroots to its
 * root before it resolves any path, so every path is the container's.
 */
public final class LinuxContainerFiles implements ContainerFiles {
    private static final String PEER = "quilt-archive";
    private static final int NOT_FOUND = 2, NOT_DIR = 3, REFUSED = 4, GONE = 5, READ_ONLY = 6;

    private final NativeLibrary lib;

    public LinuxContainerFiles(NativeLibrary lib) {
        this.lib = lib;
    }

    @Override
    public PathStat stat(Target target, String path) {
        String answer = run("stat", target, path, null, null, new PutOptions(false, false));
        // "stat SIZE MODE SEC NSEC\nLINKTARGET"
        int nl = answer.indexOf('\n');
        String[] f = answer.substring(0, nl).split(" ");
        String name = path.equals("/") ? "/" : path.substring(path.lastIndexOf('/') + 1);
        return new PathStat(name, Long.parseLong(f[1]), (int) Long.parseLong(f[2]),
                Instant.ofEpochSecond(Long.parseLong(f[3]), Long.parseLong(f[4])), answer.substring(nl + 1));
    }

    @Override
    public void get(Target target, String path, OutputStream tar) {
        run("get", target, path, null, tar, new PutOptions(false, false));
    }

    @Override
    public void put(Target target, String path, InputStream tar, PutOptions options) {
        run("put", target, path, tar, null, options);
    }

    /** Runs one request; returns the helper's answer ("ok" or "stat ..."), else throws its failure. */
    private String run(String op, Target t, String path, InputStream body, OutputStream tarOut, PutOptions o) {
        int[] sync = Sockets.pair();
        int[] in = Sockets.pipe();
        int[] out = Sockets.pipe();
        int pid = -1;
        Sockets.FdInput fromHelper = Sockets.input(out[0], PEER);
        Sockets.FdOutput toHelper = Sockets.output(in[1], PEER);
        try {
            try {
                pid = Processes.spawn(lib.archive().toString(), sync[1], 0, new int[] {in[0], out[1], 2});
            } finally {
                Processes.closeFd(sync[1]);
                Processes.closeFd(in[0]);
                Processes.closeFd(out[1]);
            }
            byte[] req = (op + "\n" + t.init().pid() + "\n" + t.init().startTime() + "\n" + (t.userNamespace() ? 1 : 0)
                    + "\n" + (o.noOverwriteDirNonDir() ? 1 : 0) + "\n" + (o.copyUidGid() ? 1 : 0) + "\n" + path)
                    .getBytes(StandardCharsets.UTF_8);
            Sockets.send(sync[0], req, req.length, PEER);
            IOException streaming = null;
            try {
                if (body != null) body.transferTo(toHelper);
            } catch (IOException e) {
                streaming = e; // the helper stopped reading: its answer says why; or the client went
            } finally {
                toHelper.close();
            }
            try {
                if (tarOut != null) fromHelper.transferTo(tarOut);
            } catch (IOException e) {
                streaming = e;
            } finally {
                fromHelper.close(); // a client gone: the helper's next write is EPIPE and it ends
            }
            byte[] buf = new byte[8192];
            int n = Sockets.receive(sync[0], buf, PEER);
            String answer = new String(buf, 0, Math.max(n, 0), StandardCharsets.UTF_8);
            if (answer.startsWith("fail ")) throw failure(answer, path);
            if (n <= 0) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-archive ended without an answer"
                        + (streaming != null ? " (" + streaming.getMessage() + ")" : ""));
            }
            if (streaming != null && body != null) {
                throw QuiltException.invalid("the request body ended early: " + streaming.getMessage());
            }
            return answer;
        } finally {
            toHelper.close();
            fromHelper.close();
            Processes.closeFd(sync[0]);
            if (pid > 0) Processes.await(pid);
        }
    }

    /** "fail CODE ERRNO\nMESSAGE" as the failure it names. */
    private static QuiltException failure(String answer, String path) {
        int nl = answer.indexOf('\n');
        String[] f = answer.substring(0, nl < 0 ? answer.length() : nl).split(" ");
        String message = nl < 0 ? "" : answer.substring(nl + 1);
        int code = f.length > 1 ? Integer.parseInt(f[1]) : 1;
        return switch (code) {
            case NOT_FOUND -> QuiltException.notFound("no such file or directory: " + path);
            case NOT_DIR -> QuiltException.invalid("not a directory: " + path);
            case REFUSED -> QuiltException.invalid(message);
            case READ_ONLY -> new QuiltException(QuiltException.Kind.PERMISSION, path + " is on a read-only file"
                    + " system in the container (--read-only, or a read-only mount): " + message);
            case GONE -> QuiltException.conflict("the container's init has exited; copying files needs a running"
                    + " or paused container");
            default -> new QuiltException(QuiltException.Kind.SYSTEM, "copying files in the container: " + message);
        };
    }
}
