package dev.quilt.fake;

import dev.quilt.ports.StateChanges;

/** Changes of a {@link FakeStateStore}: every write it takes wakes each watch, as inotify would. */
public final class FakeStateChanges implements StateChanges {
    private final FakeStateStore store;

    public FakeStateChanges(FakeStateStore store) {
        this.store = store;
    }

    /** Tells every watch that something changed (a write the store does not see: an activity mark). */
    private final java.util.List<FakeWatch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void changed() {
        for (FakeWatch w : watches) w.changed();
    }

    @Override
    public Watch watch() {
        FakeWatch w = new FakeWatch();
        w.subscription = store.onChange(w::changed);
        watches.add(w);
        return w;
    }

    private final class FakeWatch implements Watch {
        private AutoCloseable subscription;
        private boolean pending;
        private boolean closed;

        synchronized void changed() {
            pending = true;
            notifyAll();
        }

        @Override
        public synchronized boolean await() {
            while (!pending && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            if (closed) return false;
            pending = false;
            return true;
        }

        @Override
        public void close() {
            synchronized (this) {
                closed = true;
                notifyAll();
            }
            watches.remove(this);
            try {
                subscription.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
