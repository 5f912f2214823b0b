package dev.quilt.cri;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a CRI run may leave on the host, found by what it is ours by: processes whose command
 * line names the harness dir (containerd, its shims: {@code -address DIR/containerd.sock}) or
 * whose environment holds the test's marker (the workload containers) or that sit in the pod's
 * cgroup parent; mount points under the harness dir; cgroup directories under the pod's cgroup
 * parent in any hierarchy; the shims' sockets; and the per-container state the runtime, the
 * shim and the CRI plugin keep. {@link #removeAll} takes down only these.
 */
final class Leftovers {
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    private Leftovers() {}

    static List<Long> processes(Path dir, String marker, String cgroupParent) throws IOException {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) continue;
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    String environ = new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8);
                    String cgroup = Files.readString(p.resolve("cgroup"));
                    if (cmdline.contains(dir.toString()) || environ.contains(marker)
                            || cgroup.contains(":/" + cgroupParent + "/") || cgroup.contains(":/" + cgroupParent + "\n")) {
                        out.add(pid);
                    }
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        }
        return out;
    }

    /**
     * The shim processes of task {@code id} on the containerd at {@code address}: their argv is
     * {@code containerd-shim-runc-v2 -namespace NS -id ID -address ADDRESS}.
     */
    static List<Integer> shims(Path address, String id) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    List<String> argv = List.of(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0"));
                    int i = argv.indexOf("-id");
                    int a = argv.indexOf("-address");
                    if (i > 0 && a > 0 && i + 1 < argv.size() && a + 1 < argv.size()
                            && argv.get(i + 1).equals(id) && argv.get(a + 1).equals(address.toString())) {
                        out.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        }
        return out;
    }

    static String describe(long pid) {
        try {
            return pid + " " + new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').trim();
        } catch (IOException e) {
            return pid + " (gone)";
        }
    }

    /** Mount points under {@code dir} in this mount namespace, deepest last. */
    static List<String> mounts(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && (f[4].equals(dir.toString()) || f[4].startsWith(dir + "/"))) out.add(f[4]);
        }
        return out;
    }

    /** Cgroup directories below {@code /<cgroupParent>} in every hierarchy (v1 controllers and v2's unified). */
    static List<Path> cgroups(String cgroupParent) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(CGROUPS)) {
            for (Path h : hierarchies.filter(Files::isDirectory).filter(p -> !Files.isSymbolicLink(p)).toList()) {
                Path parent = h.resolve(cgroupParent);
                if (!Files.isDirectory(parent)) continue;
                try (Stream<Path> tree = Files.walk(parent)) {
                    tree.filter(Files::isDirectory).filter(p -> !p.equals(parent)).forEach(out::add);
                }
            }
        }
        return out;
    }

    /** The cgroup parent's own directories (runc makes them as it makes the pod's cgroups). */
    static List<Path> cgroupParents(String cgroupParent) throws IOException {
        try (Stream<Path> hierarchies = Files.list(CGROUPS)) {
            return hierarchies.filter(p -> !Files.isSymbolicLink(p)).map(h -> h.resolve(cgroupParent))
                    .filter(Files::isDirectory).toList();
        }
    }

    /**
     * The unix socket a containerd 1.6 runc v2 shim listens on for the task {@code id}:
     * {@code /run/containerd/s/<hex sha256 of ADDRESS/NAMESPACE/ID>} (containerd's
     * runtime/v2/shim SocketAddress).
     */
    static Path shimSocket(Path address, String namespace, String id) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((address + "/" + namespace + "/" + id).getBytes(StandardCharsets.UTF_8));
            return Path.of("/run/containerd/s", HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Entries of a directory that should be empty (per-container state), or none if it is gone. */
    static List<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::toString).sorted().toList();
        }
    }

    /**
     * Takes down what is ours, whatever state a failed run left: kills the processes, unmounts
     * (lazily, deepest first) what is under {@code dir}, removes the cgroup dirs under the parent
     * and the parent, the given shim sockets, then {@code dir}. Returns what could not be removed.
     */
    static List<String> removeAll(Path dir, String marker, String cgroupParent, List<Path> sockets)
            throws IOException, InterruptedException {
        List<String> failed = new ArrayList<>();
        for (long pid : processes(dir, marker, cgroupParent)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        List<String> mounts = new ArrayList<>(mounts(dir));
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        for (String m : mounts) {
            if (new ProcessBuilder("umount", "-l", m).inheritIO().start().waitFor() != 0) failed.add("umount " + m);
        }
        List<Path> groups = new ArrayList<>(cgroups(cgroupParent));
        groups.sort(Comparator.comparingInt((Path p) -> p.toString().length()).reversed());
        groups.addAll(cgroupParents(cgroupParent));
        List<Path> files = new ArrayList<>(groups);
        files.addAll(sockets);
        if (Files.exists(dir)) {
            try (Stream<Path> tree = Files.walk(dir)) {
                files.addAll(tree.sorted(Comparator.reverseOrder()).toList());
            }
        }
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failed.add("rm " + p + ": " + e);
            }
        }
        return failed;
    }
}
