package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;

import javax.inject.Inject;
import javax.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The exit codes of containers the server removed itself (AutoRemove) right after they exited: a {@code wait}
 * that was following such a container finds its record gone and its code here, as dockerd's {@code
 * condition=removed} answers with the code (the docker CLI's {@code run --rm}). Only the last {@link #KEPT}.
 */
@Singleton
public final class RecentExits {
    static final int KEPT = 1024;

    private final Map<ContainerId, ExitStatus> exits = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ContainerId, ExitStatus> eldest) {
            return size() > KEPT;
        }
    };

    @Inject
    public RecentExits() {}

    public synchronized void exited(ContainerId id, ExitStatus how) {
        exits.put(id, how);
    }

    public synchronized Optional<ExitStatus> of(ContainerId id) {
        return Optional.ofNullable(exits.get(id));
    }
}
