package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.ports.StateStore;
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
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A container looked up by its full ID (as the API's clients pass it back) has its record read once, and is fresh. */
class ContainerLookupTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore fake = new FakeStateStore(kernel);
    private final AtomicInteger reads = new AtomicInteger();
    /** The fake store, each read of a record counted. */
    private final StateStore state = new StateStore() {
        @Override
        public Lock createLocked(Container container) {
            return fake.createLocked(container);
        }

        @Override
        public int sweepAbandoned() {
            return fake.sweepAbandoned();
        }

        @Override
        public void save(Container container) {
            fake.save(container);
        }

        @Override
        public Optional<ContainerRecord> read(ContainerId id) {
            reads.incrementAndGet();
            return fake.read(id);
        }

        @Override
        public List<ContainerRecord> list() {
            return fake.list();
        }

        @Override
        public void remove(ContainerId id) {
            fake.remove(id);
        }

        @Override
        public void claimName(ContainerName name, ContainerId id) {
            fake.claimName(name, id);
        }

        @Override
        public void releaseName(ContainerName name, ContainerId id) {
            fake.releaseName(name, id);
        }

        @Override
        public Optional<ContainerId> byName(ContainerName name) {
            return fake.byName(name);
        }

        @Override
        public Optional<RecordedExit> recordedExit(ContainerId id) {
            return fake.recordedExit(id);
        }

        @Override
        public Optional<RecordedPids> recordedPids(ContainerId id) {
            return fake.recordedPids(id);
        }

        @Override
        public void clearLastRun(ContainerId id) {
            fake.clearLastRun(id);
        }

        @Override
        public List<ContainerId> ids() {
            return fake.ids();
        }

        @Override
        public List<String> strays() {
            return fake.strays();
        }

        @Override
        public Lock lock(ContainerId id) {
            return fake.lock(id);
        }

        @Override
        public Optional<Lock> tryLock(ContainerId id) {
            return fake.tryLock(id);
        }
    };
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, fake);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(fake, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel),
            cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), fake, storage, new FakeProcessSpawner(kernel, fake),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()),
            new BecomeReady(fake, exec, processes, new CheckHealth(lookup, fake, cgroups, exec, clock),
                    new FakeTicker(clock), forget, clock));

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"),
                List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false,
                NetworkMode.NONE, Resources.UNLIMITED);
    }

    @Test
    void byItsFullIdTheRecordIsReadOnceAndItsStatusIsFresh() {
        Container web = create.runDetached(request("web"));
        reads.set(0);
        assertEquals(Status.RUNNING, lookup.get(web.id().value()).status());
        assertEquals(1, reads.get(), "one read of its record");
        new KillContainer(lookup, processes, cgroups).kill(web.id().value(), "KILL");
        assertEquals(Status.STOPPED, lookup.get(web.id().value()).status(), "seen as it is now, not as it was");
        assertEquals(web.id(), lookup.get("web").id(), "by name as before");
        assertEquals(web.id(), lookup.get(web.id().value().substring(0, web.id().value().length() - 1)).id(), "by a prefix as before");
        QuiltException none = assertThrows(QuiltException.class, () -> lookup.get("f".repeat(64)));
        assertEquals(QuiltException.Kind.NOT_FOUND, none.kind());
    }
}
