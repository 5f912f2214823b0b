package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** exec into a container that is not running, found out before or while the helper joins it: one message. */
class ExecInContainerTest {
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

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(dev.quilt.domain.ContainerName.of(name)),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED);
    }

    private String refused(String ref) {
        ExecInContainer.Request req = new ExecInContainer.Request(List.of("true"), List.of(), k -> Optional.empty(),
                Optional.empty(), Optional.empty(), false, false);
        return assertThrows(QuiltException.class, () -> exec.exec(ref, req)).getMessage();
    }

    @Test
    void anInitFoundEndingAsTheExecJoinsItIsAStoppedContainer() {
        create.runDetached(request("web"));
        kernel.failNext("exec.ending", 1);
        assertEquals("container 'web' is stopped; exec needs a running one", refused("web"));
    }

    @Test
    void stoppedAndCreatedOnesAreRefusedBeforeAnyExec() {
        Container web = create.runDetached(request("web"));
        new KillContainer(lookup, processes, cgroups).kill(web.id().value(), "KILL");
        assertEquals("container 'web' is stopped; exec needs a running one", refused("web"));
        create.create(request("later"));
        assertEquals("container 'later' is created; exec needs a running one (quilt start later)", refused("later"));
    }

    @Test
    void execGetsTheContainersConfinementAndItsFlagsAdjustTheCapabilities() {
        create.runDetached(request("web"));
        exec.exec("web", new ExecInContainer.Request(List.of("true"), List.of(), k -> Optional.empty(),
                Optional.empty(), Optional.empty(), false, false));
        assertEquals(dev.quilt.domain.Security.DEFAULT, fakeExec.lastTarget().orElseThrow().security());
        exec.exec("web", new ExecInContainer.Request(List.of("true"), List.of(), k -> Optional.empty(),
                Optional.empty(), Optional.empty(), false, false, true, List.of(), List.of()));
        dev.quilt.domain.Security privileged = fakeExec.lastTarget().orElseThrow().security();
        assertEquals(dev.quilt.domain.Capabilities.ALL, privileged.capabilities());
        assertEquals(dev.quilt.domain.Seccomp.DEFAULT, privileged.seccomp(), "the container's profile stays");
        assertEquals(true, privileged.noNewPrivileges());
        exec.exec("web", new ExecInContainer.Request(List.of("true"), List.of(), k -> Optional.empty(),
                Optional.empty(), Optional.empty(), false, false, false, List.of("NET_RAW"), List.of("CHOWN")));
        dev.quilt.domain.Capabilities caps = fakeExec.lastTarget().orElseThrow().security().capabilities();
        assertEquals(true, caps.effective().contains(dev.quilt.domain.Capability.NET_RAW));
        assertEquals(false, caps.bounding().contains(dev.quilt.domain.Capability.CHOWN));
        assertEquals(fakeExec.lastTarget().orElseThrow().id(), lookup.get("web").id());
    }

    @Test
    void anUnknownCapabilityForExecIsOneLine() {
        create.runDetached(request("web"));
        QuiltException e = assertThrows(QuiltException.class, () -> exec.exec("web", new ExecInContainer.Request(
                List.of("true"), List.of(), k -> Optional.empty(), Optional.empty(), Optional.empty(), false, false,
                false, List.of("NOPE"), List.of())));
        assertEquals("unknown capability 'NOPE': see capabilities(7), e.g. NET_ADMIN", e.getMessage());
    }

    private static ExecInContainer.Request sh(String line, boolean tty) {
        return new ExecInContainer.Request(List.of("sh", "-c", line), List.of(), k -> Optional.empty(),
                Optional.empty(), Optional.empty(), false, tty);
    }

    private static dev.quilt.ports.ContainerExec.Options options(boolean tty, Optional<java.time.Duration> timeout) {
        return new dev.quilt.ports.ContainerExec.Options(false, tty, 0, 0, timeout);
    }

    @Test
    void aStartedSessionRunsInTheContainerAndEndsWithItsCommand() {
        create.runDetached(request("web"));
        try (dev.quilt.ports.ContainerExec.Session s = exec.start("web", sh("exit 4", false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty()))) {
            assertEquals(dev.quilt.domain.ExitStatus.exited(4), s.await());
        }
        assertEquals(lookup.get("web").id(), fakeExec.lastTarget().orElseThrow().id());
        try (dev.quilt.ports.ContainerExec.Session s = exec.start("web", sh("sleep 1000", false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.of(java.time.Duration.ofSeconds(1))))) {
            assertEquals(dev.quilt.domain.ExitStatus.killedBy(9), s.await());
            assertEquals(true, s.timedOut());
        }
    }

    @Test
    void aSessionIsRefusedAsAnExecIs() {
        create.create(request("later"));
        QuiltException created = assertThrows(QuiltException.class, () -> exec.start("later", sh("exit 0", false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty())));
        assertEquals("container 'later' is created; exec needs a running one (quilt start later)", created.getMessage());
        create.runDetached(request("web"));
        kernel.failNext("exec.ending", 1);
        QuiltException ending = assertThrows(QuiltException.class, () -> exec.start("web", sh("exit 0", false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty())));
        assertEquals("container 'web' is stopped; exec needs a running one", ending.getMessage());
        assertThrows(IllegalArgumentException.class, () -> exec.start("web", sh("exit 0", true),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty())), "options must say what the request says");
        String big = "x".repeat(200_000);
        QuiltException tooLarge = assertThrows(QuiltException.class, () -> exec.start("web", sh(big, false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty())));
        assertEquals(QuiltException.Kind.INVALID_INPUT, tooLarge.kind());
    }

    @Test
    void aSessionForAContainerTheCallerObservedIsRefusedOnWhatItSawOrFindsJoining() {
        Container web = create.runDetached(request("web"));
        Container running = lookup.get("web"); // the API's start observes it once, to refuse before the hijack
        new KillContainer(lookup, processes, cgroups).kill(web.id().value(), "KILL");
        kernel.failNext("exec.ending", 1); // stopped since it was observed: found as the exec joins it
        QuiltException since = assertThrows(QuiltException.class, () -> exec.start(running, sh("exit 0", false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty())));
        assertEquals("container 'web' is stopped; exec needs a running one", since.getMessage());
        Container stopped = lookup.get("web");
        QuiltException seen = assertThrows(QuiltException.class, () -> exec.start(stopped, sh("exit 0", false),
                dev.quilt.ports.Stdio.INHERITED, options(false, Optional.empty())));
        assertEquals("container 'web' is stopped; exec needs a running one", seen.getMessage());
    }

    @Test
    void anExecWithTheCallersFdsIsRefusedAsAnExecIs() {
        create.runDetached(request("web"));
        assertEquals(dev.quilt.domain.ExitStatus.exited(2), exec.exec("web", sh("exit 2", false),
                new dev.quilt.ports.Stdio(5, 6, 7)));
        kernel.failNext("exec.ending", 1);
        QuiltException ending = assertThrows(QuiltException.class, () -> exec.exec("web", sh("exit 0", false),
                new dev.quilt.ports.Stdio(5, 6, 7)));
        assertEquals("container 'web' is stopped; exec needs a running one", ending.getMessage());
    }
}
