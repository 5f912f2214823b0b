package dev.quilt.linux;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.IdSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * 64 hex digits from the kernel's random pool, as docker and podman make them.
 * Read straight from /dev/urandom: SecureRandom's set-up costs a CLI several
 * milliseconds for the same bytes.
 */
public final class RandomIds implements IdSource {
    private static final Path URANDOM = Path.of("/dev/urandom");

    @Override
    public ContainerId newId() {
        try (InputStream in = Files.newInputStream(URANDOM)) {
            return ContainerId.random(in.readNBytes(32));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
