package dev.quilt.ports;

/**
 * Tells when the root's container records may have changed, whoever changed them: a CLI's {@code run -d}, a
 * {@code quilt-runc create}, a monitor writing a container's exit, an {@code rm} taking a directory away, a
 * container's {@link Activity} mark. It says only that something changed, not what: the caller reads the records
 * again and compares them with what it saw last ({@code ContainerChanges}). On Linux this is inotify on the run
 * directory and on each container directory; nobody looks again on a timer.
 */
public interface StateChanges {
    /** Starts watching; a change made after this returns is seen by the watch's next {@link Watch#await}. */
    Watch watch();

    /** One watch, used by one thread; {@link #close} may come from any thread. */
    interface Watch extends AutoCloseable {
        /**
         * Blocks until something changed since the last call returned (changes in between count as one):
         * true; or until the watch is closed: false.
         */
        boolean await();

        /** Ends the watch; a thread blocked in {@link #await} returns false at once. */
        @Override
        void close();
    }
}
