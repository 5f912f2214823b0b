package dev.quilt.linux.jni;

/** Peer of native/src/jni/watch.c: inotify, and one epoll wait over several fds with a deadline. */
public final class Watches {
    public static final int TIMED_OUT = -1;

    private Watches() {}

    static native int inotifyInit();

    static native int addWatch(int fd, String path, int mask);

    static native int rmWatch(int fd, int wd);

    static native int drain(int fd);

    static native int awaitReadable(int[] fds, int timeoutMs);

    public static int inotify() {
        return NativeException.check(inotifyInit(), "inotify_init1", "");
    }

    /** Adds (or updates) a watch on {@code path}; returns its watch descriptor. */
    public static int watch(int inotifyFd, String path, int mask) {
        return NativeException.check(addWatch(inotifyFd, path, mask), "inotify_add_watch", path);
    }

    /** Removes a watch: the kernel queues {@code IN_IGNORED}, which wakes a thread waiting on {@code inotifyFd}. */
    public static void unwatch(int inotifyFd, int wd) {
        NativeException.check(rmWatch(inotifyFd, wd), "inotify_rm_watch", "wd " + wd);
    }

    public static void drainEvents(int inotifyFd) {
        NativeException.check(drain(inotifyFd), "read", "inotify");
    }

    /** Index of a readable fd, or {@link #TIMED_OUT}; {@code timeoutMs < 0} waits without a deadline. */
    public static int await(int[] fds, long timeoutMs) {
        int rc = awaitReadable(fds, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
        if (rc == -Errors.value("ETIMEDOUT")) return TIMED_OUT;
        return NativeException.check(rc, "epoll_wait", fds.length + " fds");
    }

    /** inotify event masks, read from C. */
    public static int mask(String name) {
        int v = Errors.protocolValue(name);
        if (v < 0) throw new IllegalArgumentException("unknown inotify mask " + name);
        return v;
    }
}
