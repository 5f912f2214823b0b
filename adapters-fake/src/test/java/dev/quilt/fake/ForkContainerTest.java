package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.usecases.CheckpointContainer;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.ForkContainer;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RestoreContainer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code restore --copies N} on the fake kernel: names, hostnames, counters, and all or nothing. */
class ForkContainerTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeCheckpointStore store = new FakeCheckpointStore(engine.kernel);
    private final FakeCheckpointer criu = new FakeCheckpointer(engine.kernel, store);
    private final CheckpointContainer checkpoint = new CheckpointContainer(engine.lookup, engine.state, store, criu,
            engine.storage, engine.cgroups, engine.clock);
    private final RestoreContainer restore = new RestoreContainer(store, criu, engine.images, engine.launcher,
            engine.ready);
    private final RemoveContainer remove = new RemoveContainer(engine.lookup, engine.state, engine.processes,
            engine.forget, engine.cgroups, new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
    private final ForkContainer fork = new ForkContainer(restore, store, engine.lookup, remove);

    {
        engine.storage.archivesIn(store);
    }

    private Container up(String name) {
        return engine.create.runDetached(new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)),
                List.of("sleep"), List.of("A=1"), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false,
                false, false, NetworkMode.BRIDGE, Resources.UNLIMITED));
    }

    private void base() {
        up("web");
        checkpoint.checkpoint(new CheckpointContainer.Command("web", Optional.of(new CheckpointName("base")), true,
                false));
    }

    private static ForkContainer.Command copies(int n, Optional<String> prefix, int parallel) {
        return new ForkContainer.Command("web/base", n, prefix, Optional.empty(), parallel);
    }

    @Test
    void eachCopyHasItsNameHostnameCounterAndAddress() {
        base();
        List<Container> made = fork.fork(copies(3, Optional.empty(), 2));
        assertEquals(3, made.size());
        Set<Object> addresses = new java.util.HashSet<>();
        for (int n = 1; n <= 3; n++) {
            Container c = made.get(n - 1);
            assertEquals("web-" + n, c.name().orElseThrow().value(), "in counter order");
            assertEquals(Status.RUNNING, engine.lookup.get("web-" + n).status(), "ready");
            assertEquals("web-" + n, c.spec().hostname().value());
            assertTrue(c.spec().process().env().contains("QUILT_CLONE=" + n), c.spec().process().env().toString());
            assertTrue(c.spec().process().env().contains("HOSTNAME=web-" + n));
            assertTrue(c.spec().process().env().contains("A=1"), "the rest of its environment is the checkpoint's");
            assertEquals(String.valueOf(n), c.spec().labels().get("quilt.clone"));
            assertEquals(n + "\n", new String(engine.storage.written(c.id(), "/run/quilt/clone").orElseThrow(),
                    StandardCharsets.US_ASCII), "the counter in its layer");
            addresses.add(c.endpoint().orElseThrow().address());
        }
        assertEquals(3, addresses.size(), "an address each");
        assertEquals(Status.RUNNING, engine.lookup.get("web").status(), "the original runs on");
        List<Container> named = fork.fork(copies(2, Optional.of("branch"), 1));
        assertEquals("branch-2", named.get(1).name().orElseThrow().value());
        assertEquals("web-2", named.get(1).spec().hostname().value(), "hostnames come from the checkpoint's");
    }

    @Test
    void oneFailedCopyRemovesTheOthersAndSaysWhich() {
        base();
        Set<?> layers = engine.kernel.layerSnapshot();
        Set<?> cgroups = engine.kernel.cgroupSnapshot();
        engine.kernel.failNext("storage.write", 1); // the first copy's counter cannot be written
        QuiltException e = assertThrows(QuiltException.class, () -> fork.fork(copies(3, Optional.empty(), 1)));
        assertTrue(e.getMessage().startsWith("copy 1 of 3 ('web-1') failed: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; removed the 2 made"), e.getMessage());
        assertEquals(layers, engine.kernel.layerSnapshot(), "no layer left");
        assertEquals(cgroups, engine.kernel.cgroupSnapshot(), "no cgroup left");
        for (int n = 1; n <= 3; n++) assertTrue(engine.lookup.named(ContainerName.of("web-" + n)).isEmpty());
    }

    @Test
    void aNameInUseIsRefusedBeforeAnythingIsMade() {
        base();
        up("web-2");
        Set<?> layers = engine.kernel.layerSnapshot();
        QuiltException e = assertThrows(QuiltException.class, () -> fork.fork(copies(3, Optional.empty(), 2)));
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        assertEquals("name 'web-2' is in use; give another --name prefix or remove that container", e.getMessage());
        assertEquals(layers, engine.kernel.layerSnapshot());
        assertEquals("--copies 0: give 1 to 100", assertThrows(QuiltException.class,
                () -> fork.fork(copies(0, Optional.empty(), 1))).getMessage());
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class,
                () -> fork.fork(new ForkContainer.Command("web/nosuch", 2, Optional.empty(), Optional.empty(), 1)))
                .kind());
        assertEquals(layers, engine.kernel.layerSnapshot());
    }
}
