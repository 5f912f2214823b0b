package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ForkPlan;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code quilt restore --copies N} (issue 16, item 5): N independent containers from one checkpoint, each through
 * {@link RestoreContainer} (the one restore path: its own ID, cgroup, pid and network namespaces, address and MAC, and
 * an overlay layer of its own whose upper starts from the checkpoint's layer over the shared image), named and
 * numbered by a {@link ForkPlan}: hostname {@code HOST-n}, clone counter {@code n} in {@value ForkPlan#CLONE_FILE} and
 * {@code QUILT_CLONE=n} for new execs. The checkpoint is checked once and every name must be free before anything is
 * made; then the copies are restored {@code parallelism} at a time, each to ready. If any fails, the ones made are
 * removed and the first failure is said in one line naming the copy. The checkpointed container is not touched: it
 * may run on ({@code checkpoint --leave-running}).
 */
public final class ForkContainer {
    private final RestoreContainer restore;
    private final CheckpointStore store;
    private final ContainerLookup lookup;
    private final RemoveContainer remove;

    public ForkContainer(RestoreContainer restore, CheckpointStore store, ContainerLookup lookup,
                         RemoveContainer remove) {
        this.restore = restore;
        this.store = store;
        this.lookup = lookup;
        this.remove = remove;
    }

    /**
     * What to fork: {@code checkpoint} is {@code CONTAINER} (its newest) or {@code CONTAINER/NAME}; {@code copies}
     * 1..{@value ForkPlan#MAX_COPIES}; {@code prefix} names them {@code PREFIX-n} (default: the checkpointed container's
     * name, else its short ID); {@code parallelism} how many restores run at once (at least 1).
     */
    public record Command(String checkpoint, int copies, Optional<String> prefix, Optional<Duration> readyTimeout,
                          int parallelism) {
        public Command {
            if (parallelism < 1) throw new IllegalArgumentException("parallelism " + parallelism);
        }
    }

    /** The copies, in counter order, each ready. */
    public List<Container> fork(Command cmd) {
        CheckpointRef ref = CheckpointRef.parse(cmd.checkpoint());
        CheckpointStore.Stored stored = store.find(ref).orElseThrow(() -> QuiltException.notFound("no checkpoint '"
                + ref + "'; see 'quilt checkpoint ls'"));
        String prefix = cmd.prefix().orElseGet(() -> stored.containerName().map(ContainerName::value)
                .orElse(stored.id().shortForm()));
        ContainerName.of(prefix); // a prefix is a name's start: refused in a name's words
        CheckpointStore.Verified checked = restore.verify(stored);
        ForkPlan plan = ForkPlan.of(prefix, checked.container().spec().hostname(), cmd.copies());
        for (ForkPlan.Copy c : plan.copies()) {
            if (lookup.named(c.name()).isPresent()) {
                throw QuiltException.conflict("name '" + c.name().value() + "' is in use; give another --name prefix"
                        + " or remove that container");
            }
        }
        List<Container> made = new ArrayList<>();
        RuntimeException first = null;
        ForkPlan.Copy failed = null;
        int threads = Math.min(cmd.parallelism(), plan.size());
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "quilt-fork");
            t.setDaemon(true);
            return t;
        })) {
            List<Future<Container>> futures = new ArrayList<>();
            for (ForkPlan.Copy c : plan.copies()) {
                futures.add(pool.submit(() -> restore.restore(stored, new RestoreContainer.Command(cmd.checkpoint(),
                        Optional.of(c.name()), cmd.readyTimeout(), false), new RestoreContainer.Copy(c::applyTo,
                        Map.of(ForkPlan.CLONE_FILE, c.cloneFile().getBytes(StandardCharsets.US_ASCII))))));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    made.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                        failed = plan.copies().get(i);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (first == null) first = new IllegalStateException("interrupted");
                }
            }
        }
        if (first == null) return made;
        for (Container c : made) remove.remove(c.id().value(), true);
        String why = PersistContainer.reason(first);
        String line = "copy " + failed.counter() + " of " + plan.size() + " ('" + failed.name().value() + "') failed: "
                + why + (made.isEmpty() ? "" : "; removed the " + made.size() + " made");
        QuiltException.Kind kind = first instanceof QuiltException q ? q.kind() : QuiltException.Kind.SYSTEM;
        throw new QuiltException(kind, line, first);
    }
}
