package dev.quilt.linux.net;

import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Which state roots use which bridge, host-wide, so that one root never takes
 * a bridge from under another: {@code /run/quilt-bridges/<bridge>/<key> ->
 * <root's data dir>}, one symlink per root (made atomically, like a lease),
 * {@code key} the first 12 hex digits of the SHA-256 of the data dir.
 * Changes, and every set-up or removal of a bridge, happen under the fcntl
 * lock of {@code /run/quilt-bridges/lock} (and a lock of our own within one
 * JVM), which a killed process lets go of by dying.
 *
 * <p>An entry is a claim, not the truth: a root uses a bridge while its
 * {@code network.json} names it (or, with no {@code network.json}, while its
 * data dir exists and the bridge is the default one). An entry whose root no
 * longer does, because it was deleted or given another network, is dropped
 * the next time anyone looks. It lives in {@code /run} because bridges do not
 * outlive a reboot either.
 */
final class BridgeUsers {
    /** Where the registry lives on a host. */
    static final Path DEFAULT_DIR = Path.of("/run/quilt-bridges");

    /** fcntl locks belong to the process: threads of one JVM queue here first. */
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final Path dir;

    BridgeUsers(Path dir) {
        this.dir = dir;
    }

    /** Another root using a bridge, and the network it defines on it (empty: its definition is unreadable). */
    record User(Path data, Optional<Network> network) {}

    /** Runs {@code body} holding the host-wide lock. */
    <T> T locked(Supplier<T> body) {
        Path file = dir.resolve("lock");
        IN_PROCESS.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 var held = ch.lock()) {
                return body.get();
            }
        } catch (IOException e) {
            throw io("lock", file, e);
        } finally {
            IN_PROCESS.unlock();
        }
    }

    private Path entry(String bridge, LinuxPaths root) {
        return dir.resolve(bridge).resolve(key(root.data()));
    }

    static String key(Path data) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(data.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Whether {@code root} is recorded as a user of {@code bridge}; needs no lock (a symlink is there or not). */
    boolean has(String bridge, LinuxPaths root) {
        return Files.isSymbolicLink(entry(bridge, root));
    }

    /** Under the lock: records {@code root} as a user of {@code bridge}. */
    void add(String bridge, LinuxPaths root) {
        Path link = entry(bridge, root);
        try {
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, root.data());
        } catch (FileAlreadyExistsException e) {
            // recorded already
        } catch (IOException e) {
            throw io("record the use of bridge '" + bridge + "' in", link, e);
        }
    }

    /** Under the lock: {@code root} no longer uses {@code bridge}; the bridge's directory goes with its last entry. */
    void remove(String bridge, LinuxPaths root) {
        Path link = entry(bridge, root);
        try {
            Files.deleteIfExists(link);
            dropIfEmpty(link.getParent());
        } catch (IOException e) {
            throw io("remove", link, e);
        }
    }

    private static void dropIfEmpty(Path bridgeDir) throws IOException {
        try {
            Files.deleteIfExists(bridgeDir);
        } catch (DirectoryNotEmptyException e) {
            // others use it
        }
    }

    /**
     * Under the lock: the roots other than {@code root} that use {@code bridge} now, with the network
     * each defines on it. Entries of roots that no longer use it are dropped.
     */
    List<User> others(String bridge, LinuxPaths root) {
        Path bridgeDir = dir.resolve(bridge);
        String self = key(root.data());
        List<User> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(bridgeDir)) {
            for (Path e : entries) {
                if (e.getFileName().toString().equals(self)) continue;
                Optional<User> user = liveUser(e, bridge);
                if (user.isPresent()) out.add(user.get());
                else Files.deleteIfExists(e);
            }
            dropIfEmpty(bridgeDir);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw io("list the users of bridge '" + bridge + "' in", bridgeDir, e);
        }
        return out;
    }

    /** The root an entry names, if it still uses the bridge; a root whose definition cannot be read counts as one. */
    private static Optional<User> liveUser(Path entry, String bridge) {
        Path data;
        try {
            data = Files.readSymbolicLink(entry);
        } catch (IOException notAnEntry) {
            return Optional.empty();
        }
        if (!Files.isDirectory(data)) return Optional.empty();
        Optional<Network> defined;
        try {
            defined = FsNetworkStore.definedIn(data.resolve("network.json"));
        } catch (QuiltException unreadable) {
            // in doubt, it is a user: the bridge stays
            return Optional.of(new User(data, Optional.empty()));
        }
        Network n = defined.orElse(Network.DEFAULT);
        return n.bridge().equals(bridge) ? Optional.of(new User(data, Optional.of(n))) : Optional.empty();
    }

    private static QuiltException io(String what, Path path, IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, what + " " + path + " failed: " + dev.quilt.linux.IoErrors.why(e), e);
    }
}
