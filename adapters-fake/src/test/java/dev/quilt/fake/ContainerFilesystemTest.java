package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.LayerDiff;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerFilesystem;
import dev.quilt.usecases.ContainerRequest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** docker diff and export through their use case on the fake kernel, for a running and a stopped container. */
class ContainerFilesystemTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeContainerLayers layers = new FakeContainerLayers(engine.kernel);
    private final ContainerFilesystem fs = new ContainerFilesystem(engine.lookup, layers);

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.UNLIMITED);
    }

    @Test
    void changesAndExportOfARunningAndAStoppedContainer() {
        Container web = engine.create.runDetached(request("web"));
        assertEquals(List.of(), fs.changes("web"), "a fresh layer changes nothing");
        LayerDiff.Meta dir = new LayerDiff.Meta(0040755, 4096, 1);
        layers.write(web.id(), List.of(
                new LayerDiff.Entry("/tmp", false, new LayerDiff.Meta(0040755, 4096, 2), Optional.of(dir)),
                new LayerDiff.Entry("/tmp/new", false, new LayerDiff.Meta(0100644, 3, 2), Optional.empty()),
                new LayerDiff.Entry("/gone", true, new LayerDiff.Meta(0020000, 0, 2), Optional.of(dir))));
        List<LayerDiff.Change> expected = List.of(new LayerDiff.Change("/tmp", LayerDiff.Kind.MODIFIED),
                new LayerDiff.Change("/tmp/new", LayerDiff.Kind.ADDED), new LayerDiff.Change("/gone", LayerDiff.Kind.DELETED));
        assertEquals(expected, fs.changes("web"));
        engine.kill.kill("web", "KILL");
        assertEquals(expected, fs.changes("web"), "a stopped container keeps its layer");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fs.export("web", out);
        assertEquals("/tmp\n/tmp/new\n", out.toString(StandardCharsets.UTF_8));
        assertThrows(NoSuchContainerException.class, () -> fs.changes("nosuch"));
    }
}
