package dev.quilt.linux.net;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Network;
import dev.quilt.domain.Subnet;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.NetworkStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FsNetworkStoreTest extends NetworkStoreContract {
    private final List<Path> roots = new ArrayList<>();

    @Override
    protected NetworkStore store() {
        try {
            Path root = Files.createTempDirectory("quilt-netstore-");
            roots.add(root);
            return new FsNetworkStore(LinuxPaths.under(root));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (Path r : roots) AtomicFiles.deleteTree(r);
    }

    @Test
    void twoStoresOnOneRootShareTheLeases() {
        // as two quilt processes would: the lock and the symlinks are the truth, not memory
        NetworkStore a = store();
        NetworkStore b = new FsNetworkStore(LinuxPaths.under(roots.get(0)));
        Network n = new Network("qtf", Subnet.parse("10.97.0.0/24"));
        a.lease(n, ContainerId.of("one"));
        assertEquals("10.97.0.3", b.lease(n, ContainerId.of("two")).toString());
        a.define(n);
        assertEquals(n, b.defined().orElseThrow());
    }
}
