package dev.quilt.cli.serve;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Status;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.fake.FakeCgroups;
import dev.quilt.fake.FakeClock;
import dev.quilt.fake.FakeContainerExec;
import dev.quilt.fake.FakeContainerProcesses;
import dev.quilt.fake.FakeContainerStorage;
import dev.quilt.fake.FakeDefaultImage;
import dev.quilt.fake.FakeHookRunner;
import dev.quilt.fake.FakeHostLimits;
import dev.quilt.fake.FakeHostNetwork;
import dev.quilt.fake.FakeImageStore;
import dev.quilt.fake.FakeKernel;
import dev.quilt.fake.FakeNetworkStore;
import dev.quilt.fake.FakeProcessSpawner;
import dev.quilt.fake.FakeActivity;
import dev.quilt.fake.FakeStateChanges;
import dev.quilt.fake.FakeStateStore;
import dev.quilt.fake.FakeSubordinateIds;
import dev.quilt.fake.FakeTicker;
import dev.quilt.fake.FakeWarnings;
import dev.quilt.fake.SequentialIds;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.ResumeContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supervisor on the fake kernel: the TTL and idle-timeout labels act through the use cases at deadlines computed
 * from recorded times, with their reason on the events; activity on the bus moves an idle deadline. The fake clock
 * starts long ago, so a short deadline has passed by the first reading: the timers fire at once (no waiting here).
 */
class SupervisorTest {
    final FakeKernel kernel = new FakeKernel();
    final FakeClock clock = new FakeClock();
    final FakeStateStore state = new FakeStateStore(kernel);
    final FakeImageStore images = new FakeImageStore(kernel, clock);
    final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    final FakeCgroups cgroups = new FakeCgroups(kernel);
    final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel), cgroups);
    final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    final FakeContainerExec exec = new FakeContainerExec(kernel);
    final CheckHealth health = new CheckHealth(lookup, state, cgroups, exec, clock);
    final BecomeReady ready = new BecomeReady(state, exec, processes, health, new FakeTicker(clock), forget, clock);
    final LifecycleHooks hooks = new LifecycleHooks(new FakeHookRunner(), new FakeWarnings());
    final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()), ready);
    final StartContainer start = new StartContainer(lookup, state, processes, ready, clock, hooks);
    final PauseContainer pause = new PauseContainer(lookup, cgroups);
    final ResumeContainer resume = new ResumeContainer(lookup, cgroups);
    final KillContainer kill = new KillContainer(lookup, processes, cgroups);
    final RemoveContainer remove = new RemoveContainer(lookup, state, processes, forget, cgroups, hooks);

    final EventBus bus = new EventBus();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final FakeStateChanges changes = new FakeStateChanges(state);
    final FakeActivity activity = new FakeActivity(state, changes);
    final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    final StateWatcher watcher = new StateWatcher(bus, lookup, state, changes, err);
    final StopContainer stop = new StopContainer(lookup, processes, new WaitContainer(lookup, processes), cgroups);
    final Supervisor supervisor = new Supervisor(watcher, bus, health, stop, remove, activity, clock, err);

    @AfterEach
    void down() {
        supervisor.stop();
        watcher.stop();
    }

    static ContainerRequest request(String name, Map<String, String> labels) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.UNLIMITED).withLabels(labels);
    }

    /** The next event on the bus for which {@code test} holds (bounded, so a broken supervisor fails, not hangs). */
    ApiEvent next(java.util.function.Predicate<ApiEvent> test) throws Exception {
        CompletableFuture<ApiEvent> seen = new CompletableFuture<>();
        try (AutoCloseable sub = bus.subscribe(0, e -> {
            if (test.test(e)) seen.complete(e);
        })) {
            return seen.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTtlThatPassedBeforeTheServerStartedRemovesTheContainerAtOnceWithItsReason() throws Exception {
        Container c = create.runDetached(request("old", Map.of("quilt.ttl", "5ms")));
        watcher.start();
        supervisor.start();
        ApiEvent destroy = next(e -> e.action().equals("destroy") && e.id().equals(c.id().value()));
        assertEquals("ttl", destroy.attributes().get("reason"));
        assertTrue(state.read(c.id()).isEmpty());
    }

    @Test
    void aTtlWithTheStopActionStopsAndSaysSo() throws Exception {
        watcher.start();
        supervisor.start();
        Container c = create.runDetached(request("stopme", Map.of("quilt.ttl", "5ms", "quilt.ttl.action", "stop")));
        ApiEvent stopped = next(e -> e.action().equals("stop") && e.id().equals(c.id().value()));
        assertEquals("ttl", stopped.attributes().get("reason"));
        assertEquals("stopme", stopped.attributes().get("name"));
        assertEquals(Status.STOPPED, lookup.get("stopme").status(), "stopped, not removed");
        remove.remove("stopme", false);
    }

    @Test
    void anIdleTimeoutStopsWithItsReasonAndActivityOnTheBusIsMarked() throws Exception {
        watcher.start();
        supervisor.start();
        Container c = create.runDetached(request("idle", Map.of("quilt.idle-timeout", "1h")));
        // an event another part publishes about it (an exec) is activity, recorded as its mark
        Instant at = clock.now();
        CompletableFuture<Void> marked = new CompletableFuture<>();
        try (StateChangesProbe probe = new StateChangesProbe(changes, () -> activity.last(c.id()).isPresent(), marked)) {
            bus.publish(new ApiEvent("container", "exec_start: true", c.id().value(), Map.of("name", "idle"),
                    at.getEpochSecond() * 1_000_000_000L + at.getNano()));
            marked.get(30, TimeUnit.SECONDS);
        }
        assertEquals(at, activity.last(c.id()).orElseThrow());
        // lifecycle events are not activity: only what a request did
        assertEquals(Status.RUNNING, lookup.get("idle").status(), "an hour is far away");
        kill.kill("idle", "KILL");
        remove.remove("idle", false);
    }

    @Test
    void aRecordWhoseLabelCannotBeReadGetsNoDeadlineAndStopsNothingElse() throws Exception {
        // a record written with a label today's rules refuse (by hand, or by an older Quilt)
        Container bad = create.runDetached(request("bad", Map.of()));
        Container stored = state.load(bad.id()).orElseThrow();
        state.save(new Container(stored.id(), stored.name(), stored.spec().withLabels(Map.of("quilt.ttl", "soon")),
                stored.status(), stored.init(), stored.monitor(), stored.createdAt(), stored.startedAt(), stored.exit(),
                stored.exitedAt(), stored.autoRemove(), stored.endpoint(), stored.readiness(), stored.health()));
        Container ok = create.runDetached(request("fine", Map.of("quilt.ttl", "5ms")));
        watcher.start();
        supervisor.start();
        assertEquals("ttl", next(e -> e.action().equals("destroy") && e.id().equals(ok.id().value()))
                .attributes().get("reason"));
        assertEquals(Status.RUNNING, lookup.get("bad").status());
        kill.kill("bad", "KILL");
        remove.remove("bad", false);
    }

    /** Completes {@code done} once {@code holds} does, checked at each change the store's watch tells. */
    static final class StateChangesProbe implements AutoCloseable {
        private final Thread thread;
        private final dev.quilt.ports.StateChanges.Watch watch;

        StateChangesProbe(FakeStateChanges changes, java.util.function.BooleanSupplier holds, CompletableFuture<Void> done) {
            watch = changes.watch();
            thread = new Thread(() -> {
                do {
                    if (holds.getAsBoolean()) {
                        done.complete(null);
                        return;
                    }
                } while (watch.await());
            }, "probe");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            watch.close();
            thread.join();
        }
    }
}
