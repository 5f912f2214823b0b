package dev.quilt.linux.monitor;

import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.StdioPairs;

/** socketpair(2) AF_UNIX SOCK_STREAM with SOCK_CLOEXEC: the ends of an exec session's stdio; /dev/null for a detached one. */
public final class LinuxStdioPairs implements StdioPairs {
    @Override
    public int[] pair() {
        return Sockets.streamPair();
    }

    @Override
    public int discard() {
        return Processes.openDevNull();
    }

    @Override
    public void close(int fd) {
        Processes.closeFd(fd);
    }
}
