package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RunContainer;
import dev.quilt.usecases.RunContainerService;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of runs and removals against the fake kernel, with
 * failures injected at every step of the way. Whatever happens: only legal
 * transitions are written, every exit is recorded, names stay unique, and a
 * removed or failed container leaves nothing in the kernel.
 */
class LifecyclePropertyTest {
    /** One step of a scenario. */
    sealed interface Op permits Run, Remove {}

    /** Run a command; {@code failAt} names an operation made to fail first, if any. */
    record Run(String command, Optional<String> name, boolean rm, Optional<String> failAt) implements Op {}

    record Remove(int pick) implements Op {}

    @Provide
    Arbitrary<List<Op>> scenarios() {
        Arbitrary<String> command = Arbitraries.of("exit 0", "exit 3", "sleep", "nosuch");
        Arbitrary<Optional<String>> name = Arbitraries.of("a", "b").optional(0.4);
        Arbitrary<Optional<String>> failAt = Arbitraries.of("state.create", "state.save", "storage.prepare",
                "spawner.launch", "images.import").optional(0.25);
        Arbitrary<Op> run = Combinators.combine(command, name, Arbitraries.of(true, false), failAt).as(Run::new);
        Arbitrary<Op> remove = Arbitraries.integers().between(0, 20).map(Remove::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, run),
                net.jqwik.api.Tuple.of(1, remove)).list().ofMaxSize(25);
    }

    @Property(tries = 300)
    void lifecyclesStayLegalAndLeaveNothing(@ForAll("scenarios") List<Op> ops) {
        FakeKernel kernel = new FakeKernel();
        FakeClock clock = new FakeClock();
        FakeStateStore state = new FakeStateStore(kernel);
        FakeImageStore images = new FakeImageStore(kernel, clock);
        FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
        RemoveContainer remover = new RemoveContainer(state, storage);
        RunContainer run = new RunContainerService(new ImageResolver(images, new FakeDefaultImage()), state, storage,
                new FakeProcessSpawner(kernel, state), remover, new SequentialIds(), clock);
        Map<String, ExitStatus> expectedByCommand = Map.of("exit 0", ExitStatus.exited(0), "exit 3", ExitStatus.exited(3),
                "sleep", ExitStatus.killedBy(15));

        for (Op op : ops) {
            switch (op) {
                case Run r -> {
                    r.failAt().ifPresent(f -> kernel.failNext(f, 1));
                    int before = state.list().size();
                    try {
                        ExitStatus exit = run.run(command(r), killWhenStarted(15));
                        assertEquals(expectedByCommand.get(r.command()), exit);
                    } catch (SpawnFailedException e) {
                        assertEquals("nosuch", r.command());
                        assertEquals(before, state.list().size(), "a failed exec leaves no record");
                    } catch (QuiltException e) {
                        // an injected failure or a name in use: either way nothing new may remain
                        boolean nameTaken = e.kind() == QuiltException.Kind.CONFLICT;
                        assertTrue(nameTaken || r.failAt().isPresent(), e.getMessage());
                        assertEquals(before, state.list().size(), "failed run left a record: " + e.getMessage());
                    }
                    kernel.failNext(r.failAt().orElse("none"), 0);
                }
                case Remove rm -> {
                    List<Container> all = state.list();
                    if (all.isEmpty()) continue;
                    Container c = all.get(rm.pick() % all.size());
                    if (c.status().canDelete()) remover.remove(c.id());
                }
            }
            checkInvariants(kernel, state, storage);
        }
        // clean up whatever is left and check that the kernel is empty
        for (Container c : state.list()) remover.remove(c.id());
        assertTrue(state.list().isEmpty());
        assertTrue(storage.list().isEmpty(), "leaked layers: " + storage.list());
        assertTrue(kernel.processes().isEmpty(), "leaked processes: " + kernel.processes().keySet());
        assertTrue(state.names().isEmpty(), "leaked names: " + state.names());
    }

    private static void checkInvariants(FakeKernel kernel, FakeStateStore state, FakeContainerStorage storage) {
        for (FakeStateStore.Transition t : state.transitions()) {
            t.from().ifPresentOrElse(
                    from -> assertTrue(from.canBecome(t.to()), "illegal " + from + " -> " + t.to()),
                    () -> assertEquals(Status.CREATING, t.to(), "records are born creating"));
        }
        // a foreground run is over when run() returns: nothing runs between operations
        assertTrue(kernel.processes().isEmpty(), "processes outlived their run: " + kernel.processes().keySet());
        Map<ContainerName, Integer> holders = new HashMap<>();
        for (Container c : state.list()) {
            c.name().ifPresent(n -> holders.merge(n, 1, Integer::sum));
            if (c.status() == Status.STOPPED) {
                assertTrue(c.exit().isPresent(), "stopped without an exit code");
                assertEquals(c.exit(), state.recordedExit(c.id()), "the recorded exit and the record agree");
            }
            assertTrue(storage.list().contains(c.id()) || c.status() == Status.CREATING,
                    "a container past creating has its layer");
        }
        holders.forEach((n, count) -> assertEquals(1, count, "name " + n + " held twice"));
        for (var id : storage.list()) {
            assertTrue(state.load(id).isPresent(), "a layer without a record: " + id);
        }
    }

    private static RunContainer.Command command(Run r) {
        return new RunContainer.Command(Optional.empty(), r.name().map(ContainerName::of), List.of(r.command().split(" ")),
                List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, r.rm(), false);
    }

    private static RunContainer.Observer killWhenStarted(int signal) {
        return new RunContainer.Observer() {
            @Override
            public void started(Container container, IntConsumer signaller) {
                if (container.spec().process().args().get(0).equals("sleep")) signaller.accept(signal);
            }
        };
    }
}
