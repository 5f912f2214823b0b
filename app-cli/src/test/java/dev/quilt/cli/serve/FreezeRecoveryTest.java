package dev.quilt.cli.serve;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.fake.FakeCgroups;
import dev.quilt.fake.FakeCheckpointStore;
import dev.quilt.fake.FakeClock;
import dev.quilt.fake.FakeContainerExec;
import dev.quilt.fake.FakeContainerProcesses;
import dev.quilt.fake.FakeContainerStorage;
import dev.quilt.fake.FakeDefaultImage;
import dev.quilt.fake.FakeHostLimits;
import dev.quilt.fake.FakeHostNetwork;
import dev.quilt.fake.FakeImageStore;
import dev.quilt.fake.FakeKernel;
import dev.quilt.fake.FakeNetworkStore;
import dev.quilt.fake.FakeProcessSpawner;
import dev.quilt.fake.FakeStateStore;
import dev.quilt.fake.FakeSubordinateIds;
import dev.quilt.fake.FakeTicker;
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
import dev.quilt.usecases.ThawAbandonedFreezes;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The server's start thaws what a killed {@code checkpoint --leave-running} froze, on the fake kernel. */
class FreezeRecoveryTest {
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
    final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()), ready);
    final FakeCheckpointStore store = new FakeCheckpointStore(kernel);

    @Test
    void atStartItThawsWhatAKilledCheckpointFroze() {
        Container web = create.runDetached(new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of("web")),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED));
        cgroups.freeze(web.id(), Duration.ofSeconds(1));
        store.abandonFrozenDraft(web.id(), new CheckpointName("killed"));
        assertEquals(Status.PAUSED, lookup.get("web").status());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FreezeRecovery recovery = new FreezeRecovery(() -> new ThawAbandonedFreezes(lookup, state, store, cgroups),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        recovery.start();
        recovery.stop();
        assertEquals(Status.RUNNING, lookup.get("web").status());
        assertEquals("quilt serve: thawed container " + web.id().shortForm() + ": a checkpoint that froze it was killed\n",
                bytes.toString(StandardCharsets.UTF_8));
        assertEquals(0, store.draftCount());
    }
}
