package dev.quilt.linux.net;

import dev.quilt.domain.AddressPool;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Subnet;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.NetworkStore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The network in {@code data/network.json}; leases as symlinks
 * {@code run/.network/leases/<address> -> <container id>}, made and removed
 * only while holding the fcntl lock on {@code run/.network/lock} (and, within
 * this JVM, a lock of our own: fcntl locks belong to the process).
 */
public final class FsNetworkStore implements NetworkStore {
    private final LinuxPaths paths;
    private final ReentrantLock inProcess = new ReentrantLock();

    public FsNetworkStore(LinuxPaths paths) {
        this.paths = paths;
    }

    private Path leaseDir() {
        return paths.network().resolve("leases");
    }

    @Override
    public Optional<Network> defined() {
        return definedIn(paths.networkConfig());
    }

    /** The network a root's {@code network.json} defines; empty when there is none. */
    static Optional<Network> definedIn(Path networkConfig) {
        try {
            Map<String, Object> m = JsonCodec.read(Files.readAllBytes(networkConfig));
            return Optional.of(new Network(JsonCodec.string(m, "bridge"), Subnet.parse(JsonCodec.string(m, "subnet"))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | QuiltException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read " + networkConfig + ": "
                    + (e instanceof IOException io ? dev.quilt.linux.IoErrors.why(io) : e.getMessage())
                    + "; define the network again with 'quilt network create'", e);
        }
    }

    @Override
    public void define(Network network) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bridge", network.bridge());
        m.put("subnet", network.subnet().toString());
        try {
            Files.createDirectories(paths.data());
            AtomicFiles.write(paths.networkConfig(), JsonCodec.write(m));
        } catch (IOException e) {
            throw io("write", paths.networkConfig(), e);
        }
    }

    @Override
    public void undefine() {
        try {
            Files.deleteIfExists(paths.networkConfig());
        } catch (IOException e) {
            throw io("remove", paths.networkConfig(), e);
        }
    }

    @Override
    public Ipv4Address lease(Network network, ContainerId id) {
        return locked(() -> {
            Map<Ipv4Address, ContainerId> held = scan();
            for (Map.Entry<Ipv4Address, ContainerId> e : held.entrySet()) {
                if (e.getValue().equals(id) && network.subnet().assignable(e.getKey())) return e.getKey();
            }
            Ipv4Address a = AddressPool.firstFree(network.subnet(), held.keySet())
                    .orElseThrow(() -> AddressPool.exhausted(network));
            Path link = leaseDir().resolve(a.toString());
            try {
                Files.createSymbolicLink(link, Path.of(id.value()));
                AtomicFiles.syncDirectory(leaseDir());
            } catch (IOException e) {
                throw io("lease", link, e);
            }
            return a;
        });
    }

    @Override
    public void release(ContainerId id) {
        if (!Files.isDirectory(leaseDir())) return;
        locked(() -> {
            scan().forEach((a, holder) -> {
                if (holder.equals(id)) delete(a);
            });
            return null;
        });
    }

    @Override
    public Map<Ipv4Address, ContainerId> leases() {
        return Files.isDirectory(leaseDir()) ? locked(this::scan) : Map.of();
    }

    @Override
    public int reconcile(Predicate<ContainerId> known) {
        if (!Files.isDirectory(leaseDir())) return 0;
        return locked(() -> {
            int n = 0;
            for (Map.Entry<Ipv4Address, ContainerId> e : scan().entrySet()) {
                if (!known.test(e.getValue())) {
                    delete(e.getKey());
                    n++;
                }
            }
            return n;
        });
    }

    private void delete(Ipv4Address a) {
        Path link = leaseDir().resolve(a.toString());
        try {
            Files.deleteIfExists(link);
        } catch (IOException e) {
            throw io("release", link, e);
        }
    }

    /** Leases as they are; an entry that is not a lease (a crashed writer's temp) is skipped. */
    private Map<Ipv4Address, ContainerId> scan() {
        Map<Ipv4Address, ContainerId> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(leaseDir())) {
            for (Path p : ds) {
                try {
                    Ipv4Address a = Ipv4Address.parse(p.getFileName().toString());
                    out.put(a, ContainerId.of(Files.readSymbolicLink(p).toString()));
                } catch (QuiltException | IOException notALease) {
                    // not ours to interpret
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw io("list", leaseDir(), e);
        }
        return out;
    }

    private <T> T locked(Supplier<T> body) {
        Path file = paths.network().resolve("lock");
        inProcess.lock();
        try {
            Files.createDirectories(leaseDir());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 var held = ch.lock()) {
                return body.get();
            }
        } catch (IOException e) {
            throw io("lock", file, e);
        } finally {
            inProcess.unlock();
        }
    }

    private static QuiltException io(String what, Path path, IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, what + " " + path + " failed: " + dev.quilt.linux.IoErrors.why(e), e);
    }
}
