package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Digest;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link StateStore} must do; each adapter's test extends this. */
public abstract class StateStoreContract {
    protected abstract StateStore store();

    public static Container sample(String id, Optional<String> name) {
        ContainerSpec spec = new ContainerSpec(new ProcessSpec(List.of("sh", "-c", "exit 3"), List.of("PATH=/bin", "A=b=c"),
                "/", User.ROOT, false), Digest.sha256("ab".repeat(32)), new Hostname("box"),
                ContainerSpec.DEFAULT_NAMESPACES, false, false, dev.quilt.domain.NetworkMode.BRIDGE,
                new dev.quilt.domain.Resources(Optional.of(64L << 20), Optional.empty(),
                        Optional.of(new dev.quilt.domain.Cpus(50_000, 100_000)), Optional.of(512), Optional.of(100L)),
                Optional.of(new dev.quilt.domain.HealthCheck("test -f /tmp/ok", java.time.Duration.ofSeconds(30),
                        java.time.Duration.ofMillis(1500), java.time.Duration.ofMillis(100), 3)),
                new dev.quilt.domain.ReadyPolicy(java.time.Duration.ofSeconds(7), true));
        return Container.creating(ContainerId.of(id), name.map(ContainerName::of), spec, Instant.parse("2026-01-01T00:00:00Z"),
                false);
    }

    @Test
    void aContainerRunAgainKeepsItsRestartCountAndItsLastRunsFilesGo() {
        Container c = sample("c1", Optional.of("web"));
        store().create(c);
        store().claimName(ContainerName.of("web"), c.id());
        Container exited = c.running(new ProcessRef(42, 12345), new ProcessRef(41, 12344),
                Instant.parse("2026-01-01T00:00:01Z")).stopped(ExitStatus.exited(3), Instant.parse("2026-01-01T00:00:02Z"));
        store().save(exited);
        store().clearLastRun(c.id());
        store().clearLastRun(c.id());
        assertEquals(Optional.empty(), store().recordedExit(c.id()));
        assertEquals(Optional.empty(), store().recordedPids(c.id()));
        Container again = exited.restarting();
        store().save(again);
        assertEquals(Optional.of(again), store().load(c.id()));
        Container twice = again.running(new ProcessRef(52, 22345), new ProcessRef(51, 22344),
                Instant.parse("2026-01-01T00:00:03Z")).stopped(ExitStatus.exited(0), Instant.parse("2026-01-01T00:00:04Z"))
                .restarting();
        store().save(twice);
        assertEquals(2, store().load(c.id()).orElseThrow().restartCount());
        assertEquals(Optional.of(c.id()), store().byName(ContainerName.of("web")), "the name stays its own");
    }

    @Test
    void aRecordRoundTripsThroughEveryStatus() {
        Container c = sample("c1", Optional.of("web"));
        store().create(c);
        assertEquals(Optional.of(c), store().load(c.id()));
        Container running = c.attached(dev.quilt.domain.Endpoint.of(new dev.quilt.domain.Network("qt1",
                        dev.quilt.domain.Subnet.parse("10.9.0.0/24")), dev.quilt.domain.Ipv4Address.parse("10.9.0.2"), c.id()))
                .running(new ProcessRef(42, 12345), new ProcessRef(41, 12344), Instant.parse("2026-01-01T00:00:01Z"),
                        dev.quilt.domain.Readiness.NONE
                                .then(dev.quilt.domain.PhaseMark.held(dev.quilt.domain.Phase.SPAWNED,
                                        Instant.parse("2026-01-01T00:00:00.123456789Z"), java.time.Duration.ofNanos(2345678)))
                                .then(dev.quilt.domain.PhaseMark.held(dev.quilt.domain.Phase.NETWORK,
                                        Instant.parse("2026-01-01T00:00:00.2Z"), java.time.Duration.ofNanos(654321))));
        store().save(running);
        assertEquals(Optional.of(running), store().load(c.id()));
        Container checked = running.reached(dev.quilt.domain.PhaseMark.held(dev.quilt.domain.Phase.EXEC,
                        Instant.parse("2026-01-01T00:00:00.3Z"), java.time.Duration.ofMillis(4)))
                .checked(new dev.quilt.domain.HealthResult(ExitStatus.exited(1), false, "not \"yet\"\n\u0001",
                        Instant.parse("2026-01-01T00:00:00.4Z"), Instant.parse("2026-01-01T00:00:00.5Z")))
                .checked(new dev.quilt.domain.HealthResult(ExitStatus.killedBy(9), true, "",
                        Instant.parse("2026-01-01T00:00:00.6Z"), Instant.parse("2026-01-01T00:00:00.7Z")));
        store().save(checked);
        assertEquals(Optional.of(checked), store().load(c.id()));
        Container healthy = checked.reached(dev.quilt.domain.PhaseMark.skipped(dev.quilt.domain.Phase.HEALTHY,
                Instant.parse("2026-01-01T00:00:00.8Z")));
        store().save(healthy);
        assertEquals(Optional.of(healthy), store().load(c.id()));
        Container stopped = healthy.stopped(ExitStatus.killedBy(9), Instant.parse("2026-01-01T00:00:02Z"));
        store().save(stopped);
        assertEquals(Status.STOPPED, store().load(c.id()).orElseThrow().status());
        assertEquals(Optional.of(ExitStatus.killedBy(9)), store().load(c.id()).orElseThrow().exit());
    }

    @Test
    void aBundlesRootDirectoryIsKept() {
        Container image = sample("c1", Optional.empty());
        ContainerSpec i = image.spec();
        ContainerSpec spec = new ContainerSpec(i.process(), new dev.quilt.domain.RootFs.Directory("/srv/bundle/rootfs"),
                i.hostname(), java.util.Set.of(dev.quilt.domain.Namespace.PID, dev.quilt.domain.Namespace.MOUNT),
                false, false, dev.quilt.domain.NetworkMode.NONE, i.resources(), Optional.empty(), i.ready(), i.log(),
                i.security().withReadonlyRootfs(true));
        Container c = Container.creating(ContainerId.of("c2"), Optional.empty(), spec, Instant.parse("2026-01-01T00:00:00Z"),
                false);
        store().create(c);
        assertEquals(Optional.of(c), store().load(c.id()));
    }

    @Test
    void aBundlesTermsHooksAndAnnotationsAreKept() {
        Container image = sample("c1", Optional.empty());
        ContainerSpec i = image.spec();
        dev.quilt.domain.oci.OciHooks.Hook hook = new dev.quilt.domain.oci.OciHooks.Hook("/usr/bin/hook",
                java.util.List.of("hook", "poststop"), java.util.List.of("A=1"), Optional.of(5));
        dev.quilt.domain.Bundle bundle = new dev.quilt.domain.Bundle("/srv/bundle",
                java.util.Map.of("io.kubernetes.cri.container-type", "container"),
                java.util.Map.of(dev.quilt.domain.Namespace.IPC, "/proc/42/ns/ipc"), Optional.of("/kubepods/pod1/c2"),
                new dev.quilt.domain.oci.OciHooks(java.util.List.of(), java.util.List.of(), java.util.List.of(),
                        java.util.List.of(), java.util.List.of(), java.util.List.of(hook)),
                new dev.quilt.domain.RuncTerms(true, Optional.of("/run/console.sock"), 2, true, false), true,
                Optional.of(12), Optional.of("web-1"));
        ContainerSpec spec = new ContainerSpec(i.process(), new dev.quilt.domain.RootFs.Directory("/srv/bundle/rootfs"),
                i.hostname(), java.util.Set.of(dev.quilt.domain.Namespace.PID, dev.quilt.domain.Namespace.MOUNT),
                false, false, dev.quilt.domain.NetworkMode.NONE, i.resources(), Optional.empty(), i.ready(), i.log(),
                i.security(), Optional.of(bundle));
        Container c = Container.creating(ContainerId.of("c2"), Optional.empty(), spec, Instant.parse("2026-01-01T00:00:00Z"),
                false);
        store().create(c);
        assertEquals(Optional.of(c), store().load(c.id()));
    }

    @Test
    void aBundlesKeptHostnameAndOomScoreAdjAreKept() {
        ContainerSpec i = sample("c1", Optional.empty()).spec();
        dev.quilt.domain.Bundle bundle = new dev.quilt.domain.Bundle("/srv/bundle", java.util.Map.of(),
                java.util.Map.of(dev.quilt.domain.Namespace.NETWORK, "/var/run/netns/cni-1"), Optional.of("pods/c3"),
                dev.quilt.domain.Bundle.NO_HOOKS, dev.quilt.domain.RuncTerms.RUNC, true, Optional.of(-999), Optional.empty());
        ContainerSpec spec = new ContainerSpec(i.process(), new dev.quilt.domain.RootFs.Directory("/srv/bundle/rootfs"),
                i.hostname(), java.util.Set.of(dev.quilt.domain.Namespace.MOUNT), false, false,
                dev.quilt.domain.NetworkMode.HOST, i.resources(), Optional.empty(), i.ready(), i.log(), i.security(),
                Optional.of(bundle));
        Container c = Container.creating(ContainerId.of("c3"), Optional.empty(), spec, Instant.parse("2026-01-01T00:00:00Z"),
                false);
        store().create(c);
        assertEquals(Optional.of(c), store().load(c.id()));
    }

    @Test
    void anIdIsCreatedOnce() {
        store().create(sample("c1", Optional.empty()));
        QuiltException e = assertThrows(QuiltException.class, () -> store().create(sample("c1", Optional.empty())));
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
    }

    @Test
    void listAndRemove() {
        store().create(sample("c1", Optional.empty()));
        store().create(sample("c2", Optional.empty()));
        assertEquals(2, store().list().size());
        store().remove(ContainerId.of("c1"));
        store().remove(ContainerId.of("c1")); // idempotent
        assertEquals(List.of(ContainerId.of("c2")), store().list().stream().map(dev.quilt.domain.ContainerRecord::id).toList());
        assertTrue(store().load(ContainerId.of("c1")).isEmpty());
    }

    @Test
    void aNameHasOneHolderUntilItsContainerIsRemoved() {
        ContainerName web = ContainerName.of("web");
        store().create(sample("c1", Optional.of("web")));
        store().claimName(web, ContainerId.of("c1"));
        store().create(sample("c2", Optional.of("web")));
        QuiltException e = assertThrows(QuiltException.class, () -> store().claimName(web, ContainerId.of("c2")));
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().startsWith("the name 'web' is in use by container 'c1'"), e.getMessage());
        store().releaseName(web, ContainerId.of("c2")); // not the holder: no effect
        assertEquals(Optional.of(ContainerId.of("c1")), store().byName(web));
        store().remove(ContainerId.of("c1"));
        store().claimName(web, ContainerId.of("c2"));
        assertEquals(Optional.of(ContainerId.of("c2")), store().byName(web));
    }

    @Test
    void aNameLeftByAContainerThatIsGoneCanBeTaken() {
        ContainerName web = ContainerName.of("web");
        store().create(sample("c1", Optional.empty()));
        store().claimName(web, ContainerId.of("c1"));
        store().remove(ContainerId.of("c1")); // the record did not know its name: as after a crash
        store().create(sample("c2", Optional.empty()));
        store().claimName(web, ContainerId.of("c2"));
        assertEquals(Optional.of(ContainerId.of("c2")), store().byName(web));
    }

    @Test
    void unknownContainersHaveNoRecordAndNoExit() {
        assertTrue(store().load(ContainerId.of("nope")).isEmpty());
        assertTrue(store().recordedExit(ContainerId.of("nope")).isEmpty());
        assertTrue(store().recordedPids(ContainerId.of("nope")).isEmpty());
    }

    @Test
    void idsListsWithoutReading() {
        store().create(sample("c1", Optional.empty()));
        store().create(sample("c2", Optional.empty()));
        assertEquals(java.util.Set.of(ContainerId.of("c1"), ContainerId.of("c2")), java.util.Set.copyOf(store().ids()));
    }

    @Test
    void aRecordIsReadAsAReadableValue() {
        Container c = sample("c1", Optional.empty());
        store().create(c);
        assertEquals(Optional.of(new dev.quilt.domain.ContainerRecord.Readable(c)), store().read(c.id()));
        assertEquals(List.of(new dev.quilt.domain.ContainerRecord.Readable(c)), store().list());
        assertTrue(store().read(ContainerId.of("nope")).isEmpty());
        assertEquals(List.of(), store().strays(), "nothing but records");
    }

    @Test
    void aNewRecordIsBornLocked() {
        Container c = sample("c1", Optional.empty());
        try (StateStore.Lock held = store().createLocked(c)) {
            assertEquals(Optional.of(c), store().load(c.id()), "visible at once");
            assertTrue(store().tryLock(c.id()).isEmpty(), "but ours until we let go");
        }
        Optional<StateStore.Lock> after = store().tryLock(c.id());
        assertTrue(after.isPresent());
        after.get().close();
    }

    @Test
    void aLockIsHeldByOneAtATime() {
        store().create(sample("c1", Optional.empty()));
        try (StateStore.Lock held = store().lock(ContainerId.of("c1"))) {
            assertTrue(held != null);
        }
        Optional<StateStore.Lock> again = store().tryLock(ContainerId.of("c1"));
        assertTrue(again.isPresent(), "released by close");
        again.get().close();
        QuiltException e = assertThrows(QuiltException.class, () -> store().lock(ContainerId.of("nope")));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
    }
}
