package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.StateStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Records in memory. It also keeps every status change it was asked to write,
 * so property tests can check that each one was legal.
 */
public final class FakeStateStore implements StateStore {
    /** One write: the status before (empty for a new record) and after. */
    public record Transition(ContainerId id, Optional<Status> from, Status to) {}

    private final FakeKernel kernel;
    private final Map<ContainerId, Container> records = new HashMap<>();
    private final Map<ContainerName, ContainerId> names = new HashMap<>();
    private final Map<ContainerId, ExitStatus> exits = new HashMap<>();
    private final List<Transition> transitions = new ArrayList<>();

    public FakeStateStore(FakeKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public synchronized void create(Container container) {
        kernel.maybeFail("state.create");
        if (records.containsKey(container.id())) {
            throw QuiltException.conflict("container id '" + container.id() + "' is already in use");
        }
        records.put(container.id(), container);
        transitions.add(new Transition(container.id(), Optional.empty(), container.status()));
    }

    @Override
    public synchronized void save(Container container) {
        kernel.maybeFail("state.save");
        Container old = records.get(container.id());
        if (old == null) throw new IllegalStateException("save of unknown container " + container.id());
        records.put(container.id(), container);
        if (old.status() != container.status()) {
            transitions.add(new Transition(container.id(), Optional.of(old.status()), container.status()));
        }
    }

    @Override
    public synchronized Optional<Container> load(ContainerId id) {
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public synchronized List<Container> list() {
        return List.copyOf(records.values());
    }

    @Override
    public synchronized void remove(ContainerId id) {
        kernel.maybeFail("state.remove");
        Container c = records.remove(id);
        if (c != null) c.name().ifPresent(n -> names.remove(n, id));
        exits.remove(id);
    }

    @Override
    public synchronized void claimName(ContainerName name, ContainerId id) {
        ContainerId holder = names.get(name);
        if (holder != null && records.containsKey(holder)) {
            throw QuiltException.conflict("the name '" + name + "' is in use by container '" + holder.shortForm() + "'");
        }
        names.put(name, id);
    }

    @Override
    public synchronized void releaseName(ContainerName name, ContainerId id) {
        names.remove(name, id);
    }

    @Override
    public synchronized Optional<ContainerId> byName(ContainerName name) {
        return Optional.ofNullable(names.get(name));
    }

    @Override
    public synchronized Optional<ExitStatus> recordedExit(ContainerId id) {
        return Optional.ofNullable(exits.get(id));
    }

    synchronized void recordExit(ContainerId id, ExitStatus exit) {
        if (records.containsKey(id)) exits.put(id, exit);
    }

    public synchronized List<Transition> transitions() {
        return List.copyOf(transitions);
    }

    public synchronized Map<ContainerName, ContainerId> names() {
        return Map.copyOf(names);
    }
}
