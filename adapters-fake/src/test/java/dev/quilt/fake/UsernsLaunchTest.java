package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.SubordinateRanges;
import dev.quilt.domain.User;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.UserNamespace.IdMapping;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --userns auto through the one create path: the range is taken once the record exists, and recorded in its spec. */
class UsernsLaunchTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
    private final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
    private final FakeSubordinateIds subordinate = new FakeSubordinateIds(List.of(new SubordinateRanges.Range(100000, 65536)));
    private final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()),
            state, storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork),
            cgroups, new SequentialIds(), clock, FakeHostLimits.DEFAULT, subordinate);

    private static ContainerRequest request(UserNamespace userns) {
        ContainerRequest r = new ContainerRequest(Optional.empty(), Optional.empty(), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.fromFlags(null, null, null, null, null), Optional.empty(), ReadyPolicy.DEFAULT);
        return r.withSecurity(r.security().withUserns(userns));
    }

    @Test
    void autoBecomesTheRangeTakenAndTheSpecHasAUserNamespace() {
        ContainerLauncher.Launch l = launcher.launch(request(new UserNamespace.Auto(65536)), ProcessSpawner.Mode.DETACHED);
        l.launched().close();
        Container c = l.container();
        IdMapping m = new IdMapping(0, 100000, 65536);
        assertEquals(new UserNamespace.Mapped(List.of(m), List.of(m)), c.spec().security().userns());
        assertTrue(c.spec().namespaces().contains(Namespace.USER));
        assertEquals(List.of(c.id()), List.copyOf(subordinate.held().keySet()));
    }

    @Test
    void withoutAUserNamespaceNoneIsTakenAndTheSpecHasNone() {
        ContainerLauncher.Launch l = launcher.launch(request(UserNamespace.HOST), ProcessSpawner.Mode.DETACHED);
        l.launched().close();
        assertFalse(l.container().spec().namespaces().contains(Namespace.USER));
        assertTrue(subordinate.held().isEmpty());
    }

    @Test
    void whenNoneIsFreeTheCreateIsUndoneWhole() {
        launcher.launch(request(new UserNamespace.Auto(65536)), ProcessSpawner.Mode.DETACHED).launched().close();
        QuiltException e = assertThrows(QuiltException.class,
                () -> launcher.launch(request(new UserNamespace.Auto(1)), ProcessSpawner.Mode.DETACHED));
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        assertEquals(1, state.list().size(), "only the first container is left");
    }
}
