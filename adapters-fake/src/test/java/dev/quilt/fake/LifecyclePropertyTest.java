package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.CollectGarbage;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.ResumeContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RestartContainer;
import dev.quilt.usecases.RunContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random lifecycles on the fake kernel: several clients create, start, run,
 * kill, stop, pause, resume, restart (keeping the ID), remove and collect, while failures are injected and clients are
 * killed half-way through a command. Whatever happens: only legal transitions
 * are written, no exit code we caused is lost or changed, names stay unique,
 * processes and layers always belong to a record, and once everything is
 * removed the kernel is empty.
 */
class LifecyclePropertyTest {
    sealed interface Op permits Run, Detach, Create, Start, Kill, Stop, Remove, KillMonitor, Gc, Pause, Resume,
            Restart {}

    /** A fault for the next call: fail (an error the use case sees) or crash (the client dies). */
    record Fault(String operation, boolean crash) {}

    record Run(String command, Optional<String> name, boolean rm, Optional<Fault> fault) implements Op {}

    record Detach(String command, Optional<String> name, Optional<Fault> fault) implements Op {}

    record Create(String command, Optional<String> name, Optional<Fault> fault) implements Op {}

    record Start(int pick, Optional<Fault> fault) implements Op {}

    record Kill(int pick, int signal) implements Op {}

    record Stop(int pick) implements Op {}

    record Remove(int pick, boolean force, Optional<Fault> fault) implements Op {}

    record KillMonitor(int pick) implements Op {}

    record Gc() implements Op {}

    record Pause(int pick) implements Op {}

    record Resume(int pick) implements Op {}

    /** docker's restart (or start of an exited one): the same ID, name and layer, run again. */
    record Restart(int pick, Optional<Fault> fault) implements Op {}

    @Provide
    Arbitrary<List<Op>> scenarios() {
        Arbitrary<Optional<String>> name = Arbitraries.of("a", "b").optional(0.4);
        Arbitrary<Optional<Fault>> fault = Combinators.combine(
                Arbitraries.of("state.create", "state.save", "state.remove", "storage.prepare", "storage.release",
                        "spawner.launch", "images.import", "processes.start", "network.ensure", "network.lease",
                        "network.release", "network.unplug", "spawner.network", "cgroups.create",
                        "cgroups.remove", "state.clearLastRun"),
                Arbitraries.of(true, false)).as(Fault::new).optional(0.25);
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 20);
        Arbitrary<Op> run = Combinators.combine(Arbitraries.of("exit 0", "exit 3", "sleep", "nosuch"), name,
                Arbitraries.of(true, false), fault).as(Run::new);
        Arbitrary<Op> detach = Combinators.combine(Arbitraries.of("exit 5", "sleep", "", "nosuch"), name, fault).as(Detach::new);
        Arbitrary<Op> create = Combinators.combine(Arbitraries.of("exit 4", "sleep", "", "nosuch"), name, fault).as(Create::new);
        Arbitrary<Op> start = Combinators.combine(pick, fault).as(Start::new);
        Arbitrary<Op> kill = Combinators.combine(pick, Arbitraries.of(9, 15)).as(Kill::new);
        Arbitrary<Op> stop = pick.map(Stop::new);
        Arbitrary<Op> remove = Combinators.combine(pick, Arbitraries.of(true, false), fault).as(Remove::new);
        Arbitrary<Op> killMonitor = pick.map(KillMonitor::new);
        Arbitrary<Op> gc = Arbitraries.just(new Gc());
        Arbitrary<Op> pause = pick.map(Pause::new);
        Arbitrary<Op> resume = pick.map(Resume::new);
        Arbitrary<Op> restart = Combinators.combine(pick, fault).as(Restart::new);
        return Arbitraries.frequencyOf(Tuple.of(2, run), Tuple.of(3, detach), Tuple.of(3, create), Tuple.of(3, start),
                Tuple.of(2, kill), Tuple.of(1, stop), Tuple.of(2, remove), Tuple.of(1, killMonitor), Tuple.of(1, gc),
                Tuple.of(2, pause), Tuple.of(1, resume), Tuple.of(3, restart))
                .list().ofMaxSize(30);
    }

    /** One machine and the use cases every client calls on it. */
    static final class World {
        final FakeKernel kernel = new FakeKernel();
        final FakeClock clock = new FakeClock();
        final FakeStateStore state = new FakeStateStore(kernel);
        final FakeImageStore images = new FakeImageStore(kernel, clock);
        final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
        final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
        final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
        final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
        final FakeCgroups cgroups = new FakeCgroups(kernel);
        final Forget forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
        final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()), state,
                storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork), cgroups,
                new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds());
        final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
        final RunContainer run = new RunContainer(launcher, state, forget, clock);
        final FakeContainerExec exec = new FakeContainerExec(kernel);
        final CheckHealth health = new CheckHealth(lookup, state, cgroups, exec, clock);
        final BecomeReady ready = new BecomeReady(state, exec, processes, health, new FakeTicker(clock), forget,
                clock);
        final CreateContainer create = new CreateContainer(launcher, ready);
        final StartContainer start = new StartContainer(lookup, state, processes, ready, clock,
                new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
        final KillContainer kill = new KillContainer(lookup, processes, cgroups);
        final WaitContainer waiter = new WaitContainer(lookup, processes);
        final StopContainer stop = new StopContainer(lookup, processes, waiter, cgroups);
        final RemoveContainer remove = new RemoveContainer(lookup, state, processes, forget, cgroups,
                new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
        final PauseContainer pause = new PauseContainer(lookup, cgroups);
        final ResumeContainer resume = new ResumeContainer(lookup, cgroups);
        final RestartContainer restart = new RestartContainer(lookup, state, launcher, ready, start, stop);
        final CollectGarbage gc = new CollectGarbage(lookup, state, storage, images, addresses, cgroups, forget, processes);

        /** The exit each container must show, for exits this test caused through a live monitor. */
        final Map<ContainerId, ExitStatus> expected = new HashMap<>();
        /** Containers whose monitor the test killed: their exit may be lost, honestly. */
        final Set<ContainerId> monitorKilled = new HashSet<>();

        Optional<ContainerId> pick(int i) {
            List<ContainerId> ids = state.ids().stream().sorted().toList();
            return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(i % ids.size()));
        }
    }

    private static ContainerRequest request(String command, Optional<String> name, boolean rm) {
        List<String> args = command.isEmpty() ? List.of() : List.of(command.split(" "));
        return new ContainerRequest(Optional.empty(), name.map(ContainerName::of), args, List.of(), k -> Optional.empty(),
                Optional.empty(), "/", User.ROOT, rm, false, command.isEmpty(), NetworkMode.BRIDGE,
                Resources.DEFAULT);
    }

    private static void arm(World w, Optional<Fault> fault) {
        fault.ifPresent(f -> {
            if (f.crash()) w.kernel.crashNext(f.operation());
            else w.kernel.failNext(f.operation(), 1);
        });
    }

    /** What a live init of this container does when signalled, given its command. */
    private static void expectSignalled(World w, ContainerId id, int signal) {
        w.lookup.observe(id).filter(c -> c.status().isLive())
                .filter(c -> c.monitor().map(w.processes::isAlive).orElse(false))
                .ifPresent(c -> w.expected.putIfAbsent(id, ExitStatus.killedBy(signal)));
    }

    @Property(tries = 300)
    void lifecyclesStayLegalLoseNoExitAndLeaveNothing(@ForAll("scenarios") List<Op> ops) {
        World w = new World();
        for (Op op : ops) {
            try {
                apply(w, op);
            } catch (FakeKernel.ClientCrash crash) {
                w.state.releaseAllLocks(); // the kernel lets go of a dead process's locks
            } catch (SpawnFailedException e) {
                assertEquals("ENOENT", e.errnoName(), e.getMessage());
            } catch (QuiltException e) {
                // injected failures, names in use, wrong states: each must leave a consistent machine
            }
            w.kernel.clearFaults();
            checkInvariants(w);
        }
        // everything goes, by force, and then nothing may be left
        for (ContainerId id : w.state.ids()) w.remove.remove(id.value(), true);
        w.gc.collect();
        assertTrue(w.state.ids().isEmpty());
        assertTrue(w.storage.list().isEmpty(), "leaked layers: " + w.storage.list());
        assertTrue(w.kernel.processes().isEmpty(), "leaked processes: " + w.kernel.processes().keySet());
        assertTrue(w.state.names().isEmpty(), "leaked names: " + w.state.names());
        assertTrue(w.addresses.leases().isEmpty(), "leaked addresses: " + w.addresses.leases());
        assertTrue(w.kernel.linkSnapshot().isEmpty(), "leaked links: " + w.kernel.linkSnapshot());
        assertTrue(w.kernel.cgroupSnapshot().isEmpty(), "leaked cgroups: " + w.kernel.cgroupSnapshot());
    }

    private static void apply(World w, Op op) {
        switch (op) {
            case Run r -> {
                arm(w, r.fault());
                ExitStatus exit = w.run.run(request(r.command(), r.name(), r.rm()), new RunContainer.Observer() {
                    @Override
                    public void started(Container c, IntConsumer signaller) {
                        if (r.command().equals("sleep")) signaller.accept(15);
                    }
                });
                assertEquals(r.command().equals("sleep") ? ExitStatus.killedBy(15)
                        : ExitStatus.exited(Integer.parseInt(r.command().split(" ")[1])), exit);
            }
            case Detach d -> {
                arm(w, d.fault());
                Container c = w.create.runDetached(request(d.command(), d.name(), false));
                if (d.command().startsWith("exit")) w.expected.put(c.id(), ExitStatus.exited(5));
            }
            case Create c -> {
                arm(w, c.fault());
                w.create.create(request(c.command(), c.name(), false));
            }
            case Start s -> {
                Optional<ContainerId> id = w.pick(s.pick());
                if (id.isEmpty()) return;
                Container before = w.lookup.observe(id.get()).orElseThrow();
                arm(w, s.fault());
                try {
                    w.start.start(id.get().value());
                } catch (SpawnFailedException e) {
                    w.expected.put(id.get(), ExitStatus.exited(127));
                    throw e;
                }
                List<String> args = before.spec().process().args();
                if (!args.isEmpty() && args.get(0).equals("exit")) {
                    w.expected.put(id.get(), ExitStatus.exited(Integer.parseInt(args.get(1))));
                }
            }
            case Kill k -> {
                Optional<ContainerId> id = w.pick(k.pick());
                if (id.isEmpty()) return;
                expectSignalled(w, id.get(), k.signal());
                w.kill.kill(id.get().value(), Integer.toString(k.signal()));
            }
            case Stop s -> {
                Optional<ContainerId> id = w.pick(s.pick());
                if (id.isEmpty()) return;
                expectSignalled(w, id.get(), 15);
                w.stop.stop(id.get().value(), Duration.ofSeconds(1));
            }
            case Remove r -> {
                Optional<ContainerId> id = w.pick(r.pick());
                if (id.isEmpty()) return;
                arm(w, r.fault());
                w.remove.remove(id.get().value(), r.force());
                w.expected.remove(id.get());
            }
            case KillMonitor k -> {
                Optional<ContainerId> id = w.pick(k.pick());
                if (id.isEmpty()) return;
                w.kernel.killMonitor(id.get());
                w.monitorKilled.add(id.get());
            }
            case Gc g -> w.gc.collect();
            case Pause p -> {
                Optional<ContainerId> id = w.pick(p.pick());
                if (id.isEmpty()) return;
                Status before = w.lookup.observe(id.get()).orElseThrow().status();
                Container after = w.pause.pause(id.get().value());
                assertEquals(Status.RUNNING, before, "only a running container pauses");
                assertEquals(Status.PAUSED, after.status());
            }
            case Restart r -> {
                Optional<ContainerId> id = w.pick(r.pick());
                if (id.isEmpty()) return;
                Container before = w.lookup.observe(id.get()).orElseThrow();
                List<String> args = before.spec().process().args();
                Optional<ExitStatus> exits = !args.isEmpty() && args.get(0).equals("exit")
                        ? Optional.of(ExitStatus.exited(Integer.parseInt(args.get(1)))) : Optional.empty();
                if (before.status() == Status.RUNNING || before.status() == Status.PAUSED) {
                    expectSignalled(w, id.get(), 15);
                }
                arm(w, r.fault());
                Container after;
                try {
                    after = w.restart.restart(id.get().value(), Duration.ofSeconds(1));
                } catch (SpawnFailedException e) {
                    // a created one is started: its exec failed at the gate, as in Start
                    w.expected.put(id.get(), ExitStatus.exited(127));
                    throw e;
                } catch (RuntimeException | FakeKernel.ClientCrash e) {
                    // what was recorded stays unless a killed restart left it mid-way (creating, or running anew)
                    if (w.lookup.observe(id.get()).filter(c -> c.status() == Status.STOPPED).isEmpty()) {
                        w.expected.remove(id.get());
                    }
                    throw e;
                }
                assertEquals(id.get(), after.id(), "a restart keeps the ID");
                assertEquals(before.name(), after.name(), "and the name");
                if (before.status() != Status.CREATED) {
                    assertEquals(before.restartCount() + 1, after.restartCount());
                    w.monitorKilled.remove(id.get()); // a new monitor watches the new run
                }
                w.expected.remove(id.get());
                exits.ifPresent(x -> w.expected.put(id.get(), x));
            }
            case Resume r -> {
                Optional<ContainerId> id = w.pick(r.pick());
                if (id.isEmpty()) return;
                Status before = w.lookup.observe(id.get()).orElseThrow().status();
                w.resume.resume(id.get().value());
                assertEquals(Status.PAUSED, before, "only a paused container resumes");
            }
        }
    }

    private static void checkInvariants(World w) {
        for (FakeStateStore.Transition t : w.state.transitions()) {
            t.from().ifPresentOrElse(
                    from -> assertTrue(from.canBecome(t.to()), "illegal " + from + " -> " + t.to()),
                    () -> assertEquals(Status.CREATING, t.to(), "records are born creating"));
        }
        Set<ContainerId> recorded = new HashSet<>(w.state.ids());
        Map<ContainerName, Integer> holders = new HashMap<>();
        for (ContainerId id : recorded) {
            Container c = w.lookup.observe(id).orElseThrow();
            c.name().ifPresent(n -> holders.merge(n, 1, Integer::sum));
            ExitStatus want = w.expected.get(id);
            if (want != null && !w.monitorKilled.contains(id)) {
                assertEquals(Status.STOPPED, c.status(), id + " should have stopped with " + want);
                assertEquals(Optional.of(want), c.exit(), "the exit code of " + id);
            }
            if (c.status() == Status.STOPPED && c.exit().isEmpty()) {
                assertTrue(w.monitorKilled.contains(id), id + " lost its exit code with a live monitor");
            }
        }
        holders.forEach((n, count) -> assertEquals(1, count, "name " + n + " held twice"));
        for (ContainerId id : w.storage.list()) {
            assertTrue(recorded.contains(id), "a layer without a record: " + id);
        }
        for (FakeKernel.FakeProcess p : w.kernel.processes().values()) {
            assertTrue(recorded.contains(p.container), "a process of a removed container: " + p.pid);
        }
        Map<Ipv4Address, ContainerId> leases = w.addresses.leases();
        for (ContainerId holder : leases.values()) {
            assertTrue(recorded.contains(holder), "an address held for a removed container: " + holder);
        }
        for (ContainerId id : recorded) {
            Container c = w.lookup.observe(id).orElseThrow();
            assertEquals(c.status() == Status.PAUSED, c.status() != Status.STOPPED && w.cgroups.isFrozen(id),
                    "paused is what the freezer holds of a live container: " + id);
            if (c.endpoint().isPresent() && c.status().isLive()) {
                assertEquals(id, leases.get(c.endpoint().get().address()), "the address of live " + id + " is not its own");
            }
            if (c.status() == Status.STOPPED && !w.monitorKilled.contains(id)) {
                // its monitor gave the address back when it exited, before any command looked
                assertFalse(leases.containsValue(id), "stopped " + id + " still holds an address");
            }
        }
        Map<Ipv4Address, ContainerId> liveAddresses = new HashMap<>();
        for (ContainerId id : recorded) {
            Container c = w.lookup.observe(id).orElseThrow();
            if (c.status().isLive() && c.endpoint().isPresent()) {
                ContainerId other = liveAddresses.put(c.endpoint().get().address(), id);
                assertTrue(other == null, "address " + c.endpoint().get().address() + " of both " + other + " and " + id);
            }
        }
        for (ContainerId holder : w.kernel.linkSnapshot().values()) {
            assertTrue(recorded.contains(holder), "a link of a removed container: " + holder);
        }
    }
}
