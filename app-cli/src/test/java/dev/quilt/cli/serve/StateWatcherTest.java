package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerName;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state watcher on the fake kernel: containers driven through the use cases (as any face would), each change
 * read again at {@link StateWatcher#refresh}, give the events docker would have sent, in order.
 */
class StateWatcherTest {
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
    final StateWatcher watcher = new StateWatcher(bus, lookup, state, new FakeStateChanges(state),
            new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    final List<ApiEvent> events = new ArrayList<>();

    @AfterEach
    void stop() {
        watcher.stop();
    }

    static ContainerRequest request(String name, Map<String, String> labels) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.UNLIMITED).withLabels(labels);
    }

    /** The actions published since the last call, after a reading of now. */
    List<String> actions() {
        watcher.refresh();
        List<String> out;
        synchronized (events) {
            out = events.stream().map(ApiEvent::action).toList();
            events.clear();
        }
        return out;
    }

    void follow() {
        bus.subscribe(Long.MAX_VALUE, e -> {
            synchronized (events) {
                events.add(e);
            }
        });
    }

    @Test
    void aLifecycleThroughTheUseCasesGivesDockersEventsInOrder() {
        watcher.start();
        follow();
        var web = create.create(request("web", Map.of("app", "x")));
        assertEquals(List.of("create"), actions());
        start.start("web");
        assertEquals(List.of("start"), actions());
        pause.pause("web");
        assertEquals(List.of("pause"), actions(), "the freezer is no file: seen at the next reading");
        resume.resume("web");
        assertEquals(List.of("unpause"), actions());
        kill.kill("web", "KILL");
        assertEquals(List.of("die"), actions());
        remove.remove("web", false);
        assertEquals(List.of("destroy"), actions());
        assertEquals(List.of(), actions(), "nothing changed: nothing said");
        // every event names the container, its image and its labels
        create.runDetached(request("db", Map.of("tier", "data")));
        watcher.refresh();
        synchronized (events) {
            assertEquals(List.of("create", "start"), events.stream().map(ApiEvent::action).toList());
            for (ApiEvent e : events) {
                assertEquals("container", e.type());
                assertEquals("db", e.attributes().get("name"));
                assertEquals("data", e.attributes().get("tier"));
                assertTrue(e.attributes().containsKey("image"));
            }
        }
        assertTrue(web.id().value().length() > 0);
    }

    @Test
    void theRecordsAtStartAreTheBaselineAndNothingIsInvented() {
        create.runDetached(request("before", Map.of()));
        watcher.start();
        follow();
        assertEquals(List.of(), actions());
        kill.kill("before", "KILL");
        List<String> after = actions();
        assertEquals(List.of("die"), after);
    }

    @Test
    void theWatchersOwnThreadSeesAWriteWithoutBeingAsked() throws Exception {
        watcher.start();
        java.util.concurrent.CompletableFuture<ApiEvent> created = new java.util.concurrent.CompletableFuture<>();
        bus.subscribe(Long.MAX_VALUE, e -> {
            if (e.action().equals("create")) created.complete(e);
        });
        create.create(request("seen", Map.of()));
        assertEquals("seen", created.get(30, java.util.concurrent.TimeUnit.SECONDS).attributes().get("name"));
    }

    @Test
    void aListenerIsGivenEachReadingAndTheCurrentOneAtOnce() {
        create.runDetached(request("one", Map.of()));
        watcher.start();
        List<Integer> sizes = new ArrayList<>();
        watcher.listen(now -> {
            synchronized (sizes) {
                sizes.add(now.size());
            }
        });
        create.runDetached(request("two", Map.of()));
        watcher.refresh();
        synchronized (sizes) {
            assertEquals(1, sizes.get(0), "the current reading at once");
            assertEquals(2, sizes.get(sizes.size() - 1));
        }
    }

    @Test
    void anExecsEventsAskForNoReadingAndARequestsDo() {
        java.util.function.Function<String, ApiEvent> ev = action -> new ApiEvent("container", action, "c".repeat(64),
                Map.of(), 1L);
        for (String a : List.of("exec_create: sh -c true", "exec_start: sh -c true", "exec_die")) {
            assertFalse(StateWatcher.refreshesAfter(ev.apply(a)), a);
        }
        assertFalse(StateWatcher.refreshesAfter(ev.apply("die")), "its own");
        assertTrue(StateWatcher.refreshesAfter(ev.apply("kill")));
        assertFalse(StateWatcher.refreshesAfter(new ApiEvent("image", "tag", "x", Map.of(), 1L)));
    }
}
