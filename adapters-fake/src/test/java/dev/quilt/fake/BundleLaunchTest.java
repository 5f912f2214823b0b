package dev.quilt.fake;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciMount;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An OCI bundle goes down the same create path as {@code quilt create}: the record holds
 * config.json's process, namespaces, hostname and confinement over the bundle's rootfs
 * directory; what the engine cannot do is one line before anything is made.
 */
class BundleLaunchTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
    private final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
    private final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()),
            state, storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork),
            cgroups, new SequentialIds(), clock, new FakeHostLimits(2, 2L * 1024 * 1024), new FakeSubordinateIds());
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final CreateContainer create = new CreateContainer(launcher, new BecomeReady(state, exec, processes,
            new CheckHealth(new ContainerLookup(state, processes, clock), state, cgroups, exec, clock),
            new FakeTicker(clock), forget, clock));

    private static OciProcess process(boolean terminal, List<String> args, Optional<Integer> oomScoreAdj) {
        return new OciProcess(terminal, Optional.empty(), new OciProcess.User(0, 0, Optional.empty(), List.of()), args,
                List.of("TERM=xterm"), "/", Optional.of(new OciProcess.CapabilitySets(Set.of(Capability.KILL),
                Set.of(Capability.KILL), Set.of(), Set.of(Capability.KILL), Set.of(Capability.KILL))),
                List.of(), true, oomScoreAdj, Optional.empty(), Optional.empty());
    }

    private static RuntimeSpec spec(OciProcess p) {
        OciLinux linux = new OciLinux(Stream.of(OciLinux.NamespaceType.PID, OciLinux.NamespaceType.MOUNT,
                OciLinux.NamespaceType.UTS, OciLinux.NamespaceType.NETWORK)
                .map(t -> new OciLinux.NamespaceEntry(t, Optional.empty())).toList(), List.of(), List.of(), List.of(),
                Optional.of("/ignored"), Optional.empty(), Map.of(), Optional.empty(), List.of("/proc/kcore"),
                List.of(), Optional.empty(), Optional.empty());
        return new RuntimeSpec("1.0.2", Optional.of(p), Optional.of(new RuntimeSpec.Root("rootfs", true)),
                Optional.of("box"), Optional.empty(), List.of(new OciMount("/proc", "proc", "proc", List.of())),
                Optional.of(linux), Optional.empty(), Map.of());
    }

    private void nothingMade() {
        assertEquals(List.of(), state.list());
        assertEquals(Set.of(), kernel.cgroupSnapshot());
        assertEquals(Set.of(), kernel.layerSnapshot());
        assertTrue(kernel.processes().isEmpty(), kernel.processes().toString());
    }

    @Test
    void aBundleIsCreatedFromItsConfigOverItsRootfs() {
        Container c = create.create(new BundleRequest(spec(process(false, List.of("sh"), Optional.empty())), "/srv/b",
                Optional.of(ContainerName.of("b1")), List.of()));
        assertEquals(Status.CREATED, c.status());
        assertEquals(new RootFs.Directory("/srv/b/rootfs"), c.spec().root());
        assertEquals(List.of("sh"), c.spec().process().args());
        assertEquals(List.of("TERM=xterm"), c.spec().process().env(), "config.json's env as it is: nothing added");
        assertEquals(User.ROOT, c.spec().process().user());
        assertEquals(new Hostname("box"), c.spec().hostname());
        assertEquals(Set.of(Namespace.PID, Namespace.MOUNT, Namespace.UTS, Namespace.NETWORK), c.spec().namespaces());
        assertEquals(NetworkMode.NONE, c.spec().network());
        assertTrue(c.spec().security().readonlyRootfs());
        assertEquals(Set.of(), c.spec().security().capabilities().ambient(), "KILL is not inheritable");
        assertEquals(List.of("/proc/kcore"), c.spec().security().maskedPaths());
        assertEquals(Optional.of(c), state.load(c.id()));
        assertEquals(Set.of(c.id()), kernel.layerSnapshot());
        forget.everything(c.id());
    }

    @Test
    void anAmbientCapabilityIsKeptWhenPermittedAndInheritable() {
        OciProcess p = new OciProcess(false, Optional.empty(), new OciProcess.User(0, 0, Optional.empty(), List.of()),
                List.of("sh"), List.of(), "/", Optional.of(new OciProcess.CapabilitySets(
                Set.of(Capability.KILL, Capability.CHOWN), Set.of(Capability.KILL, Capability.CHOWN),
                Set.of(Capability.CHOWN), Set.of(Capability.KILL, Capability.CHOWN),
                Set.of(Capability.KILL, Capability.CHOWN))), List.of(), true, Optional.empty(), Optional.empty(),
                Optional.empty());
        Container c = create.create(new BundleRequest(spec(p), "/srv/b", Optional.empty(), List.of()));
        assertEquals(Set.of(Capability.CHOWN), c.spec().security().capabilities().ambient());
        assertEquals(Set.of(Capability.KILL, Capability.CHOWN), c.spec().security().capabilities().permitted());
        forget.everything(c.id());
    }

    /** runc 1.1 create: a terminal goes to the console socket, and a console socket needs a terminal. */
    @Test
    void aTerminalNeedsAConsoleSocketAndASocketATerminalAsRuncRules() {
        dev.quilt.domain.RuncTerms socket = new dev.quilt.domain.RuncTerms(true, Optional.of("/run/console.sock"), 0,
                false, true);
        assertEquals(ContainerLauncher.SOCKET_WITHOUT_TERMINAL, assertThrows(QuiltException.class, () -> create.create(
                new BundleRequest(spec(process(false, List.of("sh"), Optional.empty())), "/b", Optional.empty(),
                        List.of(), socket))).getMessage());
        assertEquals(ContainerLauncher.TERMINAL_WITHOUT_SOCKET, assertThrows(QuiltException.class, () -> create.create(
                new BundleRequest(spec(process(true, List.of("sh"), Optional.empty())), "/b", Optional.empty(),
                        List.of(), dev.quilt.domain.RuncTerms.RUNC))).getMessage());
        nothingMade();
        Container c = create.create(new BundleRequest(spec(process(true, List.of("sh"), Optional.empty())), "/srv/b",
                Optional.empty(), List.of(), socket));
        assertTrue(c.spec().process().terminal());
        assertEquals(Optional.of("/run/console.sock"), c.spec().bundle().orElseThrow().terms().consoleSocket());
        forget.everything(c.id());
    }

    /** runc's process tree: the caller's subreaper reaps the init; nothing records a code, none is invented. */
    @Test
    void aHandedOffInitsExitIsItsReapersAndIsNotRecorded() {
        ContainerLauncher.Launch launch = launcher.launch(new BundleRequest(spec(process(false, List.of("sh"),
                Optional.empty())), "/srv/b", Optional.empty(), List.of(), dev.quilt.domain.RuncTerms.RUNC),
                dev.quilt.ports.ProcessSpawner.Mode.HANDED_OFF);
        launch.launched().close();
        Container c = launch.container();
        assertEquals(Status.CREATED, c.status());
        kernel.exit(kernel.processes().get(c.init().orElseThrow().pid()), dev.quilt.domain.ExitStatus.exited(3),
                Optional.empty());
        assertEquals(Optional.empty(), state.recordedExit(c.id()), "no exit.json: the code is the reaper's");
        Container seen = new ContainerLookup(state, processes, clock).get(c.id().value());
        assertEquals(Status.STOPPED, seen.status());
        assertEquals(Optional.empty(), seen.exit());
        forget.everything(c.id());
    }

    @Test
    void aCommandGivenReplacesProcessArgsAsCtrRunDoes() {
        Container c = create.create(new BundleRequest(spec(process(false, List.of(), Optional.empty())), "/srv/b",
                Optional.empty(), List.of("echo", "hi")));
        assertEquals(List.of("echo", "hi"), c.spec().process().args());
        forget.everything(c.id());
    }

    @Test
    void whatTheEngineCannotDoIsOneLineBeforeAnythingIsMade() {
        assertEquals(dev.quilt.usecases.ContainerLauncher.TERMINAL_WITHOUT_SOCKET, assertThrows(QuiltException.class, () -> create.create(
                new BundleRequest(spec(process(true, List.of("sh"), Optional.empty())), "/b", Optional.empty(),
                        List.of()))).getMessage());
        assertEquals("config.json: process.args is empty: put the command there, or give it after '--'",
                assertThrows(QuiltException.class, () -> create.create(new BundleRequest(
                        spec(process(false, List.of(), Optional.empty())), "/b", Optional.empty(), List.of())))
                        .getMessage());
        RuntimeSpec noUts = spec(process(false, List.of("sh"), Optional.empty()));
        OciLinux l = noUts.linux().orElseThrow();
        RuntimeSpec hostUts = new RuntimeSpec(noUts.ociVersion(), noUts.process(), noUts.root(), Optional.empty(),
                Optional.empty(), noUts.mounts(), Optional.of(new OciLinux(l.namespaces().stream()
                .filter(n -> n.type() != OciLinux.NamespaceType.UTS).toList(), l.uidMappings(), l.gidMappings(),
                l.devices(), l.cgroupsPath(), l.resources(), l.sysctl(), l.seccomp(), l.maskedPaths(),
                l.readonlyPaths(), l.rootfsPropagation(), l.mountLabel())), noUts.hooks(), noUts.annotations());
        assertEquals("config.json: linux.namespaces has no uts namespace, and quilt gives every container a hostname"
                + " of its own; add {\"type\": \"uts\"}", assertThrows(QuiltException.class, () -> create.create(
                new BundleRequest(hostUts, "/b", Optional.empty(), List.of()))).getMessage());
        RuntimeSpec systemd = withLinux(spec(process(false, List.of("sh"), Optional.empty())),
                x -> linux(x, x.namespaces(), Optional.of("system.slice:crio:abc")));
        assertEquals("config.json: linux.cgroupsPath 'system.slice:crio:abc' is systemd's slice:prefix:name form, and"
                + " quilt drives cgroupfs itself (no systemd cgroup manager); give a path such as /machine/c1",
                assertThrows(QuiltException.class, () -> create.create(new BundleRequest(systemd, "/b", Optional.empty(),
                        List.of(), RuncTerms.RUNC))).getMessage());
        RuntimeSpec climbs = withLinux(spec(process(false, List.of("sh"), Optional.empty())),
                x -> linux(x, x.namespaces(), Optional.of("/kubepods/../../etc")));
        assertEquals("config.json: linux.cgroupsPath '/kubepods/../../etc' must name a cgroup below the root, without"
                + " '..', '.' or empty components", assertThrows(QuiltException.class, () -> create.create(
                new BundleRequest(climbs, "/b", Optional.empty(), List.of(), RuncTerms.RUNC))).getMessage());
        RuntimeSpec userns = withLinux(spec(process(false, List.of("sh"), Optional.empty())), x -> new OciLinux(
                Stream.concat(x.namespaces().stream(), Stream.of(new OciLinux.NamespaceEntry(OciLinux.NamespaceType.USER,
                        Optional.empty()))).toList(), List.of(new dev.quilt.domain.oci.OciMount.IdMapping(0, 100000, 65536)),
                List.of(new dev.quilt.domain.oci.OciMount.IdMapping(0, 100000, 65536)), x.devices(), x.cgroupsPath(), x.resources(),
                x.sysctl(), x.seccomp(), x.maskedPaths(), x.readonlyPaths(), x.rootfsPropagation(), x.mountLabel()));
        assertEquals("config.json: linux.namespaces has a user namespace, which quilt cannot give a rootfs used in"
                + " place yet; leave out the user namespace", assertThrows(QuiltException.class, () -> create.create(
                new BundleRequest(userns, "/b", Optional.empty(), List.of(), RuncTerms.RUNC))).getMessage());
        nothingMade();
    }

    @Test
    void runcsTermsJoinByPathKeepTheRootInPlaceAndSetTheHostnameOnlyWhenGiven() {
        RuntimeSpec base = spec(process(false, List.of("sh"), Optional.of(-500)));
        // a pod's container: the sandbox's ipc, uts and network by path, no hostname of its own
        RuntimeSpec pod = withLinux(new RuntimeSpec(base.ociVersion(), base.process(), base.root(), Optional.empty(),
                Optional.empty(), base.mounts(), base.linux(), base.hooks(), Map.of("io.kubernetes.cri.container-type",
                "container")), l -> linux(l, List.of(
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.PID, Optional.empty()),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.MOUNT, Optional.empty()),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.IPC, Optional.of("/proc/7/ns/ipc")),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.UTS, Optional.of("/proc/7/ns/uts")),
                new OciLinux.NamespaceEntry(OciLinux.NamespaceType.NETWORK, Optional.of("/proc/7/ns/net"))),
                Optional.of("/kubepods/pod1/c1")));
        Container c = create.create(new BundleRequest(pod, "/srv/b", Optional.empty(), List.of(), RuncTerms.RUNC));
        Bundle b = c.spec().bundle().orElseThrow();
        assertEquals(Map.of(Namespace.IPC, "/proc/7/ns/ipc", Namespace.UTS, "/proc/7/ns/uts", Namespace.NETWORK,
                "/proc/7/ns/net"), b.namespacePaths());
        assertEquals(Set.of(Namespace.PID, Namespace.MOUNT), c.spec().namespaces(), "joined types are not made");
        assertEquals(NetworkMode.HOST, c.spec().network(), "no network of quilt's: no loopback setup, no bridge");
        assertTrue(b.keepHostname(), "runc sets a hostname only when config.json gives one");
        assertEquals(Optional.of(-500), b.oomScoreAdj());
        assertEquals(Optional.of("/kubepods/pod1/c1"), b.cgroupsPath());
        assertEquals(Map.of("io.kubernetes.cri.container-type", "container"), b.annotations());
        assertTrue(b.terms().rootInPlace());
        assertEquals(Set.of(c.id()), kernel.layerSnapshot(), "its data directory, no layer over the rootfs");
        assertEquals(Optional.of(c), state.load(c.id()));
        forget.everything(c.id());

        // no uts namespace and no hostname: runc runs it in the host's uts namespace and sets nothing
        RuntimeSpec hostUts = withLinux(new RuntimeSpec(base.ociVersion(), base.process(), base.root(), Optional.empty(),
                Optional.empty(), base.mounts(), base.linux(), base.hooks(), Map.of()), l -> linux(l,
                l.namespaces().stream().filter(n -> n.type() != OciLinux.NamespaceType.UTS).toList(), l.cgroupsPath()));
        Container h = create.create(new BundleRequest(hostUts, "/srv/b", Optional.empty(), List.of(), RuncTerms.RUNC));
        assertTrue(h.spec().bundle().orElseThrow().keepHostname());
        forget.everything(h.id());

        Container given = create.create(new BundleRequest(base, "/srv/b", Optional.empty(), List.of(), RuncTerms.RUNC));
        assertEquals(new Hostname("box"), given.spec().hostname());
        assertTrue(!given.spec().bundle().orElseThrow().keepHostname(), "a hostname given is set");
        forget.everything(given.id());
        nothingMade();
    }

    private static RuntimeSpec withLinux(RuntimeSpec s, java.util.function.UnaryOperator<OciLinux> f) {
        return new RuntimeSpec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), s.mounts(),
                Optional.of(f.apply(s.linux().orElseThrow())), s.hooks(), s.annotations());
    }

    private static OciLinux linux(OciLinux l, List<OciLinux.NamespaceEntry> ns, Optional<String> cgroupsPath) {
        return new OciLinux(ns, l.uidMappings(), l.gidMappings(), l.devices(), cgroupsPath, l.resources(), l.sysctl(),
                l.seccomp(), l.maskedPaths(), l.readonlyPaths(), l.rootfsPropagation(), l.mountLabel());
    }
}
