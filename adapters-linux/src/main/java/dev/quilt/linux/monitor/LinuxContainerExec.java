package dev.quilt.linux.monitor;

import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.ContainerExec;

/**
 * {@code quilt exec} through quilt-exec: the JVM spawns it (posix_spawn, our
 * stdio, the socket as fd 3, our process group so a terminal's ^C reaches it),
 * sends one EXEC message and reads the answer: FAIL, or the end of file that
 * the command's execve makes. Then it waits for quilt-exec, which exits with the
 * command's status.
 */
public final class LinuxContainerExec implements ContainerExec {
    private final NativeLibrary lib;

    public LinuxContainerExec(NativeLibrary lib) {
        this.lib = lib;
    }

    @Override
    public ExitStatus run(Target target, ProcessSpec process, boolean stdinOpen) {
        MessageWriter w = new MessageWriter(Protocol.MSG_EXEC)
                .put(Protocol.T_PID, target.init().pid())
                .put(Protocol.T_START_TIME, target.init().startTime())
                .put(Protocol.T_CWD, process.cwd())
                .put(Protocol.T_UID, process.user().uid())
                .put(Protocol.T_GID, process.user().gid())
                .put(Protocol.T_STDIN_NULL, stdinOpen ? 0 : 1);
        long flags = 0;
        for (Namespace ns : target.namespaces()) flags |= Protocol.cloneFlag(ns);
        w.put(Protocol.T_NS_FLAGS, flags);
        target.cgroup().unified().ifPresent(d -> w.put(Protocol.T_CGROUP_V2, d));
        for (String d : target.cgroup().controllers()) w.put(Protocol.T_CGROUP_V1, d);
        for (String a : process.args()) w.put(Protocol.T_ARG, a);
        for (String e : process.env()) w.put(Protocol.T_ENV, e);

        int[] pair = Sockets.pair();
        int ours = pair[0];
        int helper;
        try {
            helper = Processes.spawn(lib.exec().toString(), pair[1], 0);
        } catch (RuntimeException e) {
            Processes.closeFd(ours);
            throw e;
        } finally {
            Processes.closeFd(pair[1]);
        }
        try {
            Sockets.send(ours, w.array(), w.length(), "quilt-exec");
            byte[] buf = new byte[4096];
            int n = Sockets.receive(ours, buf, "quilt-exec");
            if (n > 0) {
                Message reply = Message.parse(buf, n);
                int status = Processes.await(helper);
                helper = -1;
                if (reply.type() == Protocol.MSG_FAIL) throw MonitorSpawner.failure(reply);
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec sent message " + reply.type()
                        + " (exit status " + status + ")");
            }
            // end of file: the command has exec'd (or quilt-exec died; its status says which)
            int status = Processes.await(helper);
            helper = -1;
            return ExitStatus.fromWaitStatus(status);
        } finally {
            Processes.closeFd(ours);
            if (helper > 0) Processes.await(helper);
        }
    }
}
