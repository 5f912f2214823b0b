package dev.quilt.cli.serve;

/** Who is on the other end of a connection: the kernel's SO_PEERCRED (pid, uid, gid at connect time). */
public record Peer(int pid, int uid, int gid) {
    public static final Peer UNKNOWN = new Peer(-1, -1, -1);

    @Override
    public String toString() {
        return "pid=" + pid + " uid=" + uid + " gid=" + gid;
    }
}
