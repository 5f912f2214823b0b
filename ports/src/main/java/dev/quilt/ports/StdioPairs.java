package dev.quilt.ports;

/**
 * Fds for a command's stdio when a face relays it (the server's exec sessions): one end is given
 * to the command as a {@link Stdio} fd, the other stays with the face, which reads what the command writes and
 * writes what it reads; or /dev/null for a detached one. Every fd is close-on-exec (the command gets its own copy by the spawn's dup2) and
 * blocking.
 */
public interface StdioPairs {
    /** A new pair: {@code [ours, theirs]}, each an open fd (AF_UNIX SOCK_STREAM on Linux: shutdown(2) works). */
    int[] pair();

    /** A new fd on /dev/null (reads end at once, writes vanish), close-on-exec: stdio nobody relays. */
    int discard();

    /** Closes one end; closing one that is closed already is a bug of the caller's, not reported. */
    void close(int fd);
}
