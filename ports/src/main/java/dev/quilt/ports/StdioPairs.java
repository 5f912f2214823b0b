package dev.quilt.ports;

/**
 * Connected byte streams for a command's stdio when a face relays it (the server's exec sessions): one end is given
 * to the command as a {@link Stdio} fd, the other stays with the face, which reads what the command writes and
 * writes what it reads. Both ends are close-on-exec (the command gets its own copy by the spawn's dup2) and
 * blocking.
 */
public interface StdioPairs {
    /** A new pair: {@code [ours, theirs]}, each an open fd (AF_UNIX SOCK_STREAM on Linux: shutdown(2) works). */
    int[] pair();

    /** Closes one end; closing one that is closed already is a bug of the caller's, not reported. */
    void close(int fd);
}
