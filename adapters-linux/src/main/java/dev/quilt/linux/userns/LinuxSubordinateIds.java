package dev.quilt.linux.userns;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.SubordinateRanges;
import dev.quilt.domain.SubordinateRanges.Range;
import dev.quilt.domain.UserNamespace;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.SubordinateIds;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code --userns auto} from {@code /etc/subuid} and {@code /etc/subgid}: the
 * ranges of the user {@code containers} (podman's default, by name or by its
 * uid). A range is leased as {@code userns.json} in the container's state
 * directory ({@code run/<id>}), written under the fcntl lock of
 * {@code run/.userns.lock} (and a lock of this JVM's: fcntl locks belong to the
 * process) after every other lease was read: no two containers get one id, and
 * the lease goes with the container's record when it is removed (that directory
 * is renamed away whole), so a crash leaks nothing. The files are the ones the
 * environment variables {@code QUILT_SUBUID_FILE} and {@code QUILT_SUBGID_FILE}
 * name, when set (tests), or else /etc/subuid and /etc/subgid.
 */
public final class LinuxSubordinateIds implements SubordinateIds {
    /** The user whose subordinate ids podman's {@code --userns=auto} takes. */
    public static final String USER = "containers";
    static final String LEASE = "userns.json";

    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final LinuxPaths paths;
    private final Path subuid, subgid;

    public LinuxSubordinateIds(LinuxPaths paths, Path subuid, Path subgid) {
        this.paths = paths;
        this.subuid = subuid;
        this.subgid = subgid;
    }

    /** The files the environment names, or /etc/subuid and /etc/subgid. */
    public static LinuxSubordinateIds fromEnvironment(LinuxPaths paths) {
        return new LinuxSubordinateIds(paths, Path.of(env("QUILT_SUBUID_FILE", "/etc/subuid")),
                Path.of(env("QUILT_SUBGID_FILE", "/etc/subgid")));
    }

    private static String env(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? otherwise : v;
    }

    @Override
    public UserNamespace take(ContainerId id, UserNamespace requested) {
        if (!(requested instanceof UserNamespace.Auto auto)) return requested;
        List<Range> uids = owned(subuid), gids = owned(subgid);
        Path lockFile = paths.run().resolve(".userns.lock");
        IN_PROCESS.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = ch.lock()) {
            List<Range> usedUids = new ArrayList<>(), usedGids = new ArrayList<>();
            for (Map.Entry<String, long[]> lease : leases().entrySet()) {
                if (lease.getKey().equals(id.value())) continue; // ours from an earlier try: taken again
                long[] l = lease.getValue();
                usedUids.add(new Range(l[0], l[2]));
                usedGids.add(new Range(l[1], l[2]));
            }
            long uid = free(uids, usedUids, auto.size(), subuid), gid = free(gids, usedGids, auto.size(), subgid);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("uid", uid);
            json.put("gid", gid);
            json.put("size", auto.size());
            Path lease = paths.containerState(id).resolve(LEASE);
            AtomicFiles.write(lease, JsonCodec.write(json));
            return new UserNamespace.Mapped(List.of(new UserNamespace.IdMapping(0, uid, auto.size())),
                    List.of(new UserNamespace.IdMapping(0, gid, auto.size())));
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "lease subordinate ids under " + lockFile + " failed: "
                    + dev.quilt.linux.IoErrors.why(e), e);
        } finally {
            IN_PROCESS.unlock();
        }
    }

    private static long free(List<Range> owned, List<Range> used, long size, Path file) {
        OptionalLong base = SubordinateRanges.pick(owned, used, size);
        if (base.isEmpty()) {
            throw QuiltException.conflict("no " + size + " free subordinate ids for '" + USER + "' in " + file
                    + ": remove a container that uses --userns auto, or give '" + USER + "' more ids there");
        }
        return base.getAsLong();
    }

    private List<Range> owned(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            text = "";
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "read " + file + " failed: "
                    + dev.quilt.linux.IoErrors.why(e), e);
        }
        List<Range> r = SubordinateRanges.of(text, USER, uidOf(USER));
        if (r.isEmpty()) {
            throw QuiltException.invalid("no subordinate ids for '" + USER + "' in " + file + ": add a line '" + USER
                    + ":100000:65536'");
        }
        return r;
    }

    /** The numeric id of {@code user} from /etc/passwd, or "" (subuid(5) accepts either). */
    private static String uidOf(String user) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[0].equals(user)) return f[2];
            }
        } catch (IOException e) {
            // no passwd: the name alone
        }
        return "";
    }

    /** Every container's lease: its uid base, gid base and size, by container id. */
    private Map<String, long[]> leases() throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(paths.run())) {
            for (Path dir : dirs) {
                if (dir.getFileName().toString().startsWith(".")) continue;
                try {
                    Map<String, Object> json = JsonCodec.read(Files.readAllBytes(dir.resolve(LEASE)));
                    out.put(dir.getFileName().toString(), new long[] {
                            JsonCodec.number(json, "uid"), JsonCodec.number(json, "gid"), JsonCodec.number(json, "size")});
                } catch (IOException e) {
                    // none (most containers), or not ours to read: one bad file takes no other container down
                }
            }
        }
        return out;
    }
}
