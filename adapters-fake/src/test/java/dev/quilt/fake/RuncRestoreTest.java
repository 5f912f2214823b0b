package dev.quilt.fake;

import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.Status;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.RestoreContainer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt-runc restore}'s use case on the fake kernel ({@link RestoreContainer#inRuncTree}): the bundle's
 * container restored in runc's process tree is running at once (no start gate), found by its name, and each
 * refusal or failure leaves nothing made.
 */
class RuncRestoreTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeCheckpointStore store = new FakeCheckpointStore(engine.kernel);
    private final FakeCheckpointer criu = new FakeCheckpointer(engine.kernel, store);
    private final RestoreContainer restore = new RestoreContainer(store, criu, engine.images, engine.launcher,
            engine.ready);
    private static final CheckpointManifest.Externals EXTERNALS = new CheckpointManifest.Externals(
            Optional.of("quilt-net"), List.of(new CheckpointManifest.PipeEnd(1, 41), new CheckpointManifest.PipeEnd(2, 42)));
    private static final Path IMAGES = Path.of("/srv/bundle/checkpoint");

    private static BundleRequest request(String id, RuncTerms terms, Optional<String> pidNamespacePath) {
        OciProcess p = new OciProcess(false, Optional.empty(), new OciProcess.User(0, 0, Optional.empty(), List.of()),
                List.of("sh", "-c", "count"), List.of("PATH=/bin"), "/", Optional.of(new OciProcess.CapabilitySets(
                Set.of(Capability.KILL), Set.of(Capability.KILL), Set.of(), Set.of(Capability.KILL), Set.of())),
                List.of(), true, Optional.empty(), Optional.empty(), Optional.empty());
        OciLinux linux = new OciLinux(List.of(new OciLinux.NamespaceEntry(OciLinux.NamespaceType.PID, pidNamespacePath),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.MOUNT, Optional.empty()),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.UTS, Optional.empty()),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.NETWORK, Optional.empty())),
                List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), List.of(),
                List.of(), Optional.empty(), Optional.empty());
        RuntimeSpec spec = new RuntimeSpec("1.0.2", Optional.of(p), Optional.of(new RuntimeSpec.Root("rootfs", false)),
                Optional.of("box"), Optional.empty(), List.of(), Optional.of(linux), Optional.empty(), Map.of());
        return new BundleRequest(spec, "/srv/bundle", Optional.of(ContainerName.runc(id)), List.of(), terms);
    }

    private Container restored(String id) {
        return restore.inRuncTree(request(id, RuncTerms.RUNC, Optional.empty()), IMAGES, EXTERNALS, false);
    }

    private void nothingMade(String id) {
        assertEquals(Optional.empty(), engine.lookup.named(ContainerName.runc(id)), "a record named " + id);
        assertTrue(engine.state.list().isEmpty(), "records: " + engine.state.list());
    }

    @Test
    void aRestoredContainerRunsAtOnceAndIsFoundByItsName() {
        Container c = restored("ctr-1");
        assertEquals(Status.RUNNING, c.status(), "no start gate: the restored process goes on where it was");
        assertEquals(Optional.of(c.id()), engine.lookup.named(ContainerName.runc("ctr-1")));
        assertTrue(engine.spawner.wasRestored(c.id()), "its init came from the spawner's restore");
        assertEquals(RuncTerms.RUNC, c.spec().bundle().orElseThrow().terms());
        assertEquals(Status.RUNNING, engine.lookup.get(c.id().value()).status());
        engine.kill.killAll(c.id().value(), "KILL");
        assertEquals(Status.STOPPED, engine.lookup.get(c.id().value()).status());
    }

    @Test
    void aFailedRestoreLeavesNothingAndTheIdCanBeUsedAgain() {
        engine.kernel.failNext("spawner.restore", 1);
        assertThrows(RuntimeException.class, () -> restored("ctr-2"));
        nothingMade("ctr-2");
        assertEquals(Status.RUNNING, restored("ctr-2").status());
    }

    @Test
    void refusalsComeBeforeAnythingIsMade() {
        criu.missing(true);
        QuiltException none = assertThrows(QuiltException.class, () -> restored("ctr-3"));
        assertTrue(none.getMessage().startsWith("criu not found: run scripts/setup.sh"), none.getMessage());
        nothingMade("ctr-3");
        criu.missing(false);

        QuiltException joined = assertThrows(QuiltException.class, () -> restore.inRuncTree(
                request("ctr-3", RuncTerms.RUNC, Optional.of("/proc/1/ns/pid")), IMAGES, EXTERNALS, false));
        assertEquals("config.json: linux.namespaces gives a path for the pid namespace, and a restore makes the"
                + " namespaces CRIU dumped; leave the path out (only the network namespace may be joined)",
                joined.getMessage());
        nothingMade("ctr-3");

        QuiltException overlay = assertThrows(QuiltException.class, () -> restore.inRuncTree(
                request("ctr-3", RuncTerms.QUILT, Optional.empty()), IMAGES, EXTERNALS, false));
        assertEquals("restore from CRIU's images alone needs the bundle's rootfs in place", overlay.getMessage());
        nothingMade("ctr-3");
    }

    @Test
    void aRestoreIsDetachedOrHandedOff() {
        assertThrows(IllegalArgumentException.class, () -> new ProcessSpawner.Restore(IMAGES, EXTERNALS, false,
                ProcessSpawner.Mode.CREATED));
        assertEquals(ProcessSpawner.Mode.DETACHED, new ProcessSpawner.Restore(IMAGES, EXTERNALS, false).mode());
    }
}
