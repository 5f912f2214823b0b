package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
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
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.ResumeContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pause/unpause through the use cases on the fake kernel: the status comes from the freezer; each refusal is one line. */
class PauseContainerTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel),
            cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    private final FakeContainerExec fakeExec = new FakeContainerExec(kernel);
    private final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()),
            new BecomeReady(state, fakeExec, processes, new CheckHealth(lookup, state, cgroups, fakeExec, clock),
                    new FakeTicker(clock), forget, clock));
    private final PauseContainer pause = new PauseContainer(lookup, cgroups);
    private final ResumeContainer resume = new ResumeContainer(lookup, cgroups);
    private final KillContainer kill = new KillContainer(lookup, processes, cgroups);

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(dev.quilt.domain.ContainerName.of(name)),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED);
    }

    private static String conflict(org.junit.jupiter.api.function.Executable e) {
        QuiltException x = assertThrows(QuiltException.class, e);
        assertEquals(QuiltException.Kind.CONFLICT, x.kind());
        return x.getMessage();
    }

    @Test
    void pauseFreezesAndResumeThaws() {
        Container web = create.runDetached(request("web"));
        assertEquals(Status.PAUSED, pause.pause("web").status());
        assertTrue(cgroups.isFrozen(web.id()));
        assertEquals(Status.PAUSED, lookup.get("web").status(), "state says paused, from the freezer");
        assertEquals(Status.RUNNING, resume.resume("web").status());
        assertFalse(cgroups.isFrozen(web.id()));
        assertEquals(Status.RUNNING, lookup.get("web").status());
    }

    @Test
    void refusalsNameTheStatus() {
        create.runDetached(request("web"));
        create.create(request("later"));
        assertEquals("container 'later' is created, not running; only a running container can be paused",
                conflict(() -> pause.pause("later")));
        assertEquals("container 'web' is running, not paused; there is nothing to resume", conflict(() -> resume.resume("web")));
        pause.pause("web");
        assertEquals("container 'web' is already paused", conflict(() -> pause.pause("web")));
        kill.kill("web", "KILL");
        assertEquals("container 'web' is stopped, not running; only a running container can be paused",
                conflict(() -> pause.pause("web")));
        assertEquals("container 'web' is stopped, not paused; there is nothing to resume", conflict(() -> resume.resume("web")));
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class, () -> pause.pause("nosuch")).kind());
    }

    @Test
    void sigkillEndsAPausedContainerAndThawsItsCgroup() {
        Container web = create.runDetached(request("web"));
        pause.pause("web");
        kill.kill("web", "KILL");
        Container after = lookup.get("web");
        assertEquals(Status.STOPPED, after.status());
        assertEquals(Optional.of(ExitStatus.killedBy(9)), after.exit());
        assertFalse(cgroups.isFrozen(web.id()), "runc thaws after SIGKILL (a v1-frozen task dies only thawed)");
    }

    @Test
    void execAndRmWithoutForceRefuseAPausedContainer() {
        create.runDetached(request("web"));
        pause.pause("web");
        ExecInContainer exec = new ExecInContainer(lookup, cgroups, fakeExec, FakeHostLimits.DEFAULT);
        assertEquals("container 'web' is paused; exec needs a running one (quilt unpause web)",
                conflict(() -> exec.exec("web", new ExecInContainer.Request(List.of("true"), List.of(),
                        k -> Optional.empty(), Optional.empty(), Optional.empty(), false, false))));
        RemoveContainer rm = new RemoveContainer(lookup, state, processes, forget, cgroups,
                new dev.quilt.usecases.LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
        assertEquals("container 'web' is paused; stop it first or use --force", conflict(() -> rm.remove("web", false)));
        rm.remove("web", true);
        assertTrue(kernel.cgroupSnapshot().isEmpty(), "rm -f of a paused container leaves no cgroup");
    }
}
