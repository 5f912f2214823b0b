package dev.quilt.ports;

/**
 * The fds a process Quilt starts gets as its stdin, stdout and stderr: this process's own ({@link #INHERITED}, a
 * CLI's), or ones a face made for it (the server's socket pairs for an exec session, the fds the fast CLI's native
 * client passed with SCM_RIGHTS). The caller keeps them and closes them; a process given them gets its own copies.
 */
public record Stdio(int in, int out, int err) {
    /** fds 0, 1 and 2 of this process. */
    public static final Stdio INHERITED = new Stdio(0, 1, 2);

    public Stdio {
        if (in < 0 || out < 0 || err < 0) {
            throw new IllegalArgumentException("stdio fds must be open fds: " + in + ", " + out + ", " + err);
        }
    }

    public int[] fds() {
        return new int[] {in, out, err};
    }
}
