package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.Forget;
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
    private final FakeEngine engine = new FakeEngine();
    private final FakeKernel kernel = engine.kernel;
    private final FakeStateStore state = engine.state;
    private final FakeContainerProcesses processes = engine.processes;
    private final FakeCgroups cgroups = engine.cgroups;
    private final Forget forget = engine.forget;
    private final ContainerLookup lookup = engine.lookup;
    private final FakeContainerExec fakeExec = engine.exec;
    private final CreateContainer create = engine.create;
    private final PauseContainer pause = engine.pause;
    private final ResumeContainer resume = engine.resume;
    private final KillContainer kill = engine.kill;

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
