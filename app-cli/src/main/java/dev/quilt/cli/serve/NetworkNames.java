package dev.quilt.cli.serve;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;

import javax.inject.Inject;
import javax.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names a root's one bridge network goes by besides {@code bridge}: what {@code POST /networks/create} made
 * (a docker-compose project's {@code PROJECT_default}, say). A name is only a name: every container it is given to
 * is on the root's bridge, with an address from its subnet. Kept in {@code DATA/networks.json}, a JSON array of
 * {@link Named}, written atomically (temp, fsync, rename); a file that cannot be read is a 500 naming it, and
 * removing the file forgets every name (no container depends on it).
 *
 * <p>{@link #PREDEFINED} are dockerd's three networks ({@code bridge}, {@code host}, {@code none}): they cannot be
 * made or removed (Engine API 1.41, "NetworkDelete": 403 for a pre-defined network).
 */
@Singleton
public final class NetworkNames {
    /** dockerd's pre-defined networks, as {@code HostConfig.NetworkMode} names them. */
    public static final List<String> PREDEFINED = List.of("bridge", "host", "none");

    /** docker's rule for a network name (moby's {@code RestrictedNamePattern}). */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    /** One name: its 64-hex ID, when it was made (RFC 3339) and the labels it was made with. */
    public record Named(String id, String name, String created, Map<String, String> labels) {
        public Named {
            labels = Map.copyOf(labels);
        }
    }

    private final Path file;
    private final SecureRandom random = new SecureRandom();

    @Inject
    NetworkNames(LinuxPaths paths) {
        this(paths.data().resolve("networks.json"));
    }

    NetworkNames(Path file) {
        this.file = file;
    }

    /** Every name made so far, oldest first. */
    public synchronized List<Named> list() {
        return read();
    }

    /** The name whose {@code name} is {@code ref}, else whose ID is or starts with {@code ref} (one only). */
    public synchronized Optional<Named> find(String ref) {
        List<Named> all = read();
        for (Named n : all) if (n.name().equals(ref)) return Optional.of(n);
        List<Named> byId = all.stream().filter(n -> !ref.isEmpty() && n.id().startsWith(ref)).toList();
        return byId.size() == 1 ? Optional.of(byId.get(0)) : Optional.empty();
    }

    /** Whether {@code name} is a name made here: what a container's {@code HostConfig.NetworkMode} may give. */
    public boolean resolves(String name) {
        return find(name).filter(n -> n.name().equals(name)).isPresent();
    }

    /**
     * Makes {@code name}. Errors: 400 when it is not a valid network name, 409 when a network of that name exists
     * (docker's text: "network with name X already exists").
     */
    public synchronized Named create(String name, Map<String, String> labels) {
        if (!NAME.matcher(name).matches()) {
            throw ApiException.badRequest("invalid network name '" + name + "': use letters, digits, '_', '.' and '-'"
                    + ", starting with a letter or digit (Name)");
        }
        List<Named> all = read();
        if (PREDEFINED.contains(name) || all.stream().anyMatch(n -> n.name().equals(name))) {
            throw ApiException.conflict("network with name " + name + " already exists");
        }
        byte[] b = new byte[32];
        random.nextBytes(b);
        Named n = new Named(HexFormat.of().formatHex(b), name, Instant.now().toString(), labels);
        all.add(n);
        write(all);
        return n;
    }

    /** Forgets {@code n}; true if it was there. */
    public synchronized boolean remove(Named n) {
        List<Named> all = read();
        boolean removed = all.removeIf(x -> x.id().equals(n.id()));
        if (removed) write(all);
        return removed;
    }

    private List<Named> read() {
        try {
            return new ArrayList<>(ApiJson.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<List<Named>>() {}));
        } catch (NoSuchFileException e) {
            return new ArrayList<>();
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read the network names in " + file
                    + ": remove the file to forget them (no container depends on it)", e);
        }
    }

    private void write(List<Named> all) {
        try {
            Files.createDirectories(file.getParent());
            List<Map<String, Object>> out = new ArrayList<>();
            for (Named n : all) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", n.id());
                m.put("name", n.name());
                m.put("created", n.created());
                m.put("labels", n.labels());
                out.add(m);
            }
            AtomicFiles.write(file, ApiJson.MAPPER.writeValueAsBytes(out));
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot write the network names in " + file, e);
        }
    }
}
