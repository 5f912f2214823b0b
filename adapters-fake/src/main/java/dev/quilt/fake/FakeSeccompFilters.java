package dev.quilt.fake;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Seccomp;
import dev.quilt.ports.SeccompFilters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Programs without a kernel or libseccomp: a program is four "instructions" (32 bytes)
 * named by a hash of the choice and the bounding capabilities, made once and then
 * kept (as the real one caches). A profile whose text is not a JSON object (by its
 * first and last character) is refused as the real one refuses bad JSON.
 * {@link #compiles()} counts what the cache did not save.
 */
public final class FakeSeccompFilters implements SeccompFilters {
    private final Map<String, byte[]> made = new HashMap<>();
    private int compiles;

    @Override
    public synchronized Optional<byte[]> program(Seccomp choice, Capabilities caps) {
        String text = switch (choice) {
            case Seccomp.Unconfined u -> null;
            case Seccomp.Default d -> "default";
            case Seccomp.Profile p -> {
                String t = p.json().strip();
                if (!t.startsWith("{") || !t.endsWith("}")) {
                    throw QuiltException.invalid("seccomp profile '" + p.origin() + "' is not a JSON object");
                }
                yield "profile\n" + p.json();
            }
        };
        if (text == null) return Optional.empty();
        EnumSet<Capability> bounding = caps.bounding().isEmpty() ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(caps.bounding());
        String key = bounding + "\n" + text;
        byte[] p = made.get(key);
        if (p == null) {
            p = sha256(key);
            made.put(key, p);
            compiles++;
        }
        return Optional.of(p.clone());
    }

    public synchronized int compiles() {
        return compiles;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
