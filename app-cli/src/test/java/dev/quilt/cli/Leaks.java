package dev.quilt.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What a test run must not leave on the machine: mounts, processes, state. */
public final class Leaks {
    private Leaks() {}

    /** Mount points under {@code root}, in our mount namespace. */
    public static List<String> mountsUnder(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].startsWith(root.toString())) out.add(f[4]);
        }
        return out;
    }

    /**
     * Processes that are ours: a monitor run from under {@code root} (its exe
     * lies there, or, run from a sealed memfd copy, its argv[0] names the binary
     * there), or a container process with {@code marker} in its environment.
     */
    public static List<String> processes(Path root, String marker) throws IOException {
        List<String> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String exe = Files.readSymbolicLink(p.resolve("exe")).toString();
                    if (exe.startsWith(root.toString())) {
                        out.add(p.getFileName() + " " + exe);
                        continue;
                    }
                    String argv0 = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0", 2)[0];
                    if (exe.startsWith("/memfd:") && argv0.startsWith(root.toString())) {
                        out.add(p.getFileName() + " " + argv0 + " (" + exe + ")");
                        continue;
                    }
                } catch (IOException e) {
                    // kernel thread or gone
                }
                try {
                    if (new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8).contains(marker)) {
                        out.add(p.getFileName() + " (marked)");
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        }
        return out;
    }

    /**
     * The last resort of a test's clean-up, also when the test failed half-way:
     * SIGKILL every monitor run from under {@code root} and every process with
     * {@code marker} (containers' processes). Returns what it had to kill, so a
     * passing test can still assert that it was nothing.
     */
    public static List<String> killAll(Path root, String marker) throws IOException {
        List<String> found = processes(root, marker);
        for (String p : found) {
            long pid = Long.parseLong(p.split(" ")[0]);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        return found;
    }

    /** Name claims left in the root. */
    static List<String> names(Path root) throws IOException {
        Path names = root.resolve("run/.names");
        if (!Files.isDirectory(names)) return List.of();
        try (var entries = Files.list(names)) {
            return entries.map(Path::toString).toList();
        }
    }

    /** Container state directories and layers left in the root. */
    static List<String> containers(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path dir : List.of(root.resolve("run"), root.resolve("data/containers"))) {
            if (!Files.isDirectory(dir)) continue;
            try (var entries = Files.list(dir)) {
                entries.filter(p -> !p.getFileName().toString().startsWith(".")).forEach(p -> out.add(p.toString()));
            }
        }
        return out;
    }

    /** Address leases left in the root. */
    static List<String> leases(Path root) throws IOException {
        Path leases = root.resolve("run/.network/leases");
        if (!Files.isDirectory(leases)) return List.of();
        try (var entries = Files.list(leases)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Links enslaved to {@code bridge}: the host ends of containers' veths. */
    static List<String> links(String bridge) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "-o", "link", "show", "master", bridge).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        if (out.contains("does not exist")) return List.of();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * The cgroups left under a root's parent, in every hierarchy (v1: each one
     * mounted, controllers or named, and a hybrid host's v2 tree) or the unified
     * tree (v2), and the parent itself when it is left with nothing in it: the
     * removal of a root's last container removes its parent. Empty parents are
     * removed here, so a test run leaves the cgroup tree as it found it even when
     * that failed.
     */
    public static List<String> cgroups(Path root) throws IOException {
        String parent = dev.quilt.linux.LinuxPaths.under(root).cgroupParent();
        Set<Path> parents = new LinkedHashSet<>();
        for (Path h : cgroupMounts()) parents.add(h.resolve(parent));
        List<String> left = new ArrayList<>();
        for (Path p : parents) {
            if (!Files.isDirectory(p)) continue;
            List<String> children;
            try (var entries = Files.list(p)) {
                children = entries.filter(Files::isDirectory).map(Path::toString).toList();
            }
            left.addAll(children);
            if (children.isEmpty()) {
                left.add(p + " (the root's empty parent)");
                Files.delete(p);
            }
        }
        return left;
    }

    /** The mount point of every cgroup (v1) and cgroup2 mount in our mount namespace, and what is under /sys/fs/cgroup. */
    static List<Path> cgroupMounts() throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String type = line.substring(dash + 3).split(" ")[0];
            if (type.equals("cgroup") || type.equals("cgroup2")) out.add(Path.of(line.substring(0, dash).split(" ")[4]));
        }
        Path top = Path.of("/sys/fs/cgroup");
        out.add(top);
        try (var hierarchies = Files.list(top)) {
            hierarchies.filter(Files::isDirectory).forEach(out::add);
        }
        return new ArrayList<>(out);
    }

    /** The mount point of every cgroup hierarchy, each once (by superblock): the v1 ones and a hybrid host's cgroup2. */
    static List<Path> cgroupHierarchies() throws IOException {
        java.util.Map<String, Path> bySuperblock = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String type = line.substring(dash + 3).split(" ")[0];
            String[] pre = line.substring(0, dash).split(" ");
            if (type.equals("cgroup") || type.equals("cgroup2")) bySuperblock.putIfAbsent(pre[2], Path.of(pre[4]));
        }
        return new ArrayList<>(bySuperblock.values());
    }
}
