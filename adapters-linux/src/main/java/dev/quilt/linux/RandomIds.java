package dev.quilt.linux;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.IdSource;

import java.security.SecureRandom;

/** 64 hex digits from the kernel's random pool, as docker and podman make them. */
public final class RandomIds implements IdSource {
    private final SecureRandom random = new SecureRandom();

    @Override
    public ContainerId newId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return ContainerId.random(b);
    }
}
