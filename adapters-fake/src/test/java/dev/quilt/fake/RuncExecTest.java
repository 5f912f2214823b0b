package dev.quilt.fake;

import dev.quilt.domain.Capability;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Security;
import dev.quilt.domain.User;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.ports.ContainerExec;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.ExecInContainer.RuncRequest;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** runc's exec through {@link ExecInContainer#execRunc}: what the process is made of, and what is refused. */
class RuncExecTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel),
            cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock);
    private final FakeContainerExec fakeExec = new FakeContainerExec(kernel);
    private final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()),
            new BecomeReady(state, fakeExec, processes, new CheckHealth(lookup, state, cgroups, fakeExec, clock),
                    new FakeTicker(clock), forget, clock));
    private final ExecInContainer exec = new ExecInContainer(lookup, cgroups, fakeExec, FakeHostLimits.DEFAULT);

    private static final ContainerExec.Handoff FOREGROUND = new ContainerExec.Handoff(false, Optional.empty(), 0);

    private void web() {
        create.runDetached(new ContainerRequest(Optional.empty(), Optional.of(dev.quilt.domain.ContainerName.of("web")),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED));
    }

    private static RuncRequest flags(List<String> args, List<String> caps, boolean tty, ContainerExec.Handoff how) {
        return new RuncRequest(Optional.empty(), args, List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(), caps, false, tty, how);
    }

    private static RuncRequest file(OciProcess p, ContainerExec.Handoff how) {
        return new RuncRequest(Optional.of(p), List.of(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), List.of(), false, false, how);
    }

    private static OciProcess process(List<String> args, List<String> env, long uid,
                                      Optional<OciProcess.CapabilitySets> caps, boolean nnp, List<Rlimit> rlimits) {
        return new OciProcess(false, Optional.empty(), new OciProcess.User(uid, 0, Optional.empty(), List.of(7L)), args,
                env, "/", caps, rlimits, nnp, Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void eachCapAddsToAllFiveSetsAsRuncOneOneDoes() {
        web();
        List<Integer> started = new ArrayList<>();
        Optional<ExitStatus> exit = exec.execRunc("web", flags(List.of("true"), List.of("CAP_NET_RAW", "sys_ptrace"),
                false, FOREGROUND), started::add);
        assertEquals(Optional.of(ExitStatus.exited(0)), exit);
        assertEquals(1, started.size(), "the pid file's pid, once");
        Security s = fakeExec.lastTarget().orElseThrow().security();
        Set<Capability> added = EnumSet.of(Capability.NET_RAW, Capability.SYS_PTRACE);
        for (Set<Capability> set : List.of(s.capabilities().bounding(), s.capabilities().effective(),
                s.capabilities().permitted(), s.capabilities().inheritable(), s.capabilities().ambient())) {
            assertTrue(set.containsAll(added), set.toString());
        }
        assertTrue(s.capabilities().bounding().containsAll(Security.DEFAULT.capabilities().bounding()), "on top of its own");
    }

    @Test
    void aProcessFileBringsItsOwnCapabilitiesNoNewPrivilegesRlimitsAndGroups() {
        web();
        Rlimit nofile = new Rlimit("RLIMIT_NOFILE", 100, 200);
        OciProcess p = process(List.of("true"), List.of("A=1"), 1000, Optional.of(new OciProcess.CapabilitySets(
                Set.of(Capability.CHOWN), Set.of(), Set.of(), Set.of(Capability.CHOWN), Set.of())), false, List.of(nofile));
        exec.execRunc("web", file(p, FOREGROUND), pid -> { });
        Security s = fakeExec.lastTarget().orElseThrow().security();
        assertEquals(Set.of(Capability.CHOWN), s.capabilities().bounding());
        assertEquals(Set.of(), s.capabilities().effective());
        assertFalse(s.noNewPrivileges(), "the file's noNewPrivileges, as runc takes it");
        assertEquals(List.of(nofile), s.rlimits());
        assertEquals(List.of(7), s.additionalGids());
        assertEquals(Security.DEFAULT.seccomp(), s.seccomp(), "the container's seccomp profile stays");

        exec.execRunc("web", file(process(List.of("true"), List.of(), 0, Optional.empty(), true, List.of()),
                FOREGROUND), pid -> { });
        Security own = fakeExec.lastTarget().orElseThrow().security();
        assertEquals(Security.DEFAULT.capabilities(), own.capabilities(), "no capabilities given: the container's");
    }

    @Test
    void aDetachedExecReturnsNoExitOnceStarted() {
        web();
        List<Integer> started = new ArrayList<>();
        assertEquals(Optional.empty(), exec.execRunc("web", flags(List.of("sleep"), List.of(), false,
                new ContainerExec.Handoff(true, Optional.empty(), 0)), started::add));
        assertEquals(1, started.size());
    }

    @Test
    void refusals() {
        web();
        ContainerExec.Handoff detached = new ContainerExec.Handoff(true, Optional.empty(), 0);
        assertEquals("a terminal with --detach needs --console-socket: a detached exec relays nothing; give the socket "
                + "that takes the pty master, or drop the terminal",
                assertThrows(QuiltException.class, () -> flags(List.of("sh"), List.of(), true, detached)).getMessage());
        assertTrue(assertThrows(QuiltException.class, () -> flags(List.of("sh"), List.of(), false,
                new ContainerExec.Handoff(false, Optional.of("/run/x.sock"), 0))).getMessage()
                .startsWith("--console-socket needs a terminal"));
        assertEquals("--preserve-fds -1 must be from 0 to 1024", assertThrows(QuiltException.class,
                () -> new ContainerExec.Handoff(false, Optional.empty(), -1)).getMessage());
        assertTrue(assertThrows(QuiltException.class, () -> flags(List.of(), List.of(), false, FOREGROUND)).getMessage()
                .startsWith("no command given"));
        assertTrue(assertThrows(QuiltException.class, () -> flags(List.of("sh"), List.of("CAP_NOPE"), false,
                FOREGROUND)).getMessage().startsWith("unknown capability 'CAP_NOPE'"));
        assertEquals("--env 'HOME' is not KEY=VALUE", assertThrows(QuiltException.class, () -> new RuncRequest(
                Optional.empty(), List.of("sh"), List.of("HOME"), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(), List.of(), false, false, FOREGROUND)).getMessage());
        OciProcess p = process(List.of("true"), List.of(), 0, Optional.empty(), false, List.of());
        assertTrue(assertThrows(QuiltException.class, () -> new RuncRequest(Optional.of(p), List.of("true"), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), List.of(), List.of(), false, false, FOREGROUND))
                .getMessage().startsWith("--process gives the whole process"));
        assertFalse(new RuncRequest(Optional.of(p), List.of(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), List.of(), false, true, FOREGROUND).terminal(),
                "--tty beside --process is ignored: the file's terminal rules, as in runc");
        assertEquals("process.args is empty: give the command to run", assertThrows(QuiltException.class,
                () -> exec.execRunc("web", file(process(List.of(), List.of(), 0, Optional.empty(), false, List.of()),
                        FOREGROUND), pid -> { })).getMessage());
        assertEquals("process.env[1] is not KEY=VALUE", assertThrows(QuiltException.class,
                () -> exec.execRunc("web", file(process(List.of("true"), List.of("A=1", "B"), 0, Optional.empty(),
                        false, List.of()), FOREGROUND), pid -> { })).getMessage());
        assertEquals("process.user.uid 4294967295 is above 2147483647", assertThrows(QuiltException.class,
                () -> exec.execRunc("web", file(process(List.of("true"), List.of(), 4294967295L, Optional.empty(),
                        false, List.of()), FOREGROUND), pid -> { })).getMessage());
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class,
                () -> exec.execRunc("nosuch", flags(List.of("true"), List.of(), false, FOREGROUND), pid -> { }))
                .kind());
    }
}
