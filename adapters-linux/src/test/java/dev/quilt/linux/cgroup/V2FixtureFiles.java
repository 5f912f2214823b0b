package dev.quilt.linux.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cgroup v2 tree in a temp dir that behaves as the kernel's does, as far as a
 * backend can tell: mkdir makes the interface files of the controllers the
 * parent delegates; writes are checked as the kernel checks them (EINVAL, EBUSY,
 * ENOENT for a controller that is not enabled); {@code cgroup.procs} takes pids
 * of real processes, {@code cgroup.kill} SIGKILLs them and then rewrites
 * {@code cgroup.events} (which inotify sees, as it sees kernfs' notification);
 * rmdir refuses a populated cgroup or one with children.
 */
class V2FixtureFiles extends KernelCgroupFiles {
    private static final Set<String> AVAILABLE = Set.of("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");

    private final Path root;

    V2FixtureFiles(Path root) {
        this.root = root;
        put(root.resolve("cgroup.controllers"), String.join(" ", AVAILABLE) + "\n");
        put(root.resolve("cgroup.subtree_control"), "\n");
        put(root.resolve("cgroup.procs"), "");
    }

    private static void put(Path file, String text) {
        try {
            Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RuntimeException errno(String op, Path p, String reason) {
        return failed(op, p, new FileSystemException(p.toString(), null, reason));
    }

    private static Set<String> words(String s) {
        return Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    @Override
    public void mkdir(Path dir) {
        if (Files.isDirectory(dir)) return;
        super.mkdir(dir);
        Set<String> on = words(read(dir.getParent().resolve("cgroup.subtree_control")));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("cgroup.procs", "");
        f.put("cgroup.events", "populated 0\nfrozen 0\n");
        f.put("cgroup.kill", "");
        f.put("cgroup.freeze", "0\n");
        f.put("cgroup.type", "domain\n");
        f.put("cgroup.controllers", String.join(" ", on) + "\n");
        f.put("cgroup.subtree_control", "\n");
        if (on.contains("memory")) {
            f.put("memory.current", "0\n");
            f.put("memory.max", "max\n");
            f.put("memory.swap.max", "max\n");
            f.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
        }
        if (on.contains("cpu")) {
            f.put("cpu.max", "max 100000\n");
            f.put("cpu.weight", "100\n");
            f.put("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
        }
        if (on.contains("pids")) {
            f.put("pids.max", "max\n");
            f.put("pids.current", "0\n");
            f.put("pids.events", "max 0\n");
        }
        f.forEach((name, text) -> put(dir.resolve(name), text));
    }

    @Override
    public void rmdir(Path dir) {
        if (!Files.isDirectory(dir)) return;
        if (!read(dir.resolve("cgroup.procs")).isBlank() || !children(dir).isEmpty()) throw errno("rmdir", dir, "Device or resource busy");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) Files.delete(p);
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void write(Path file, String value) {
        if (!Files.isRegularFile(file)) throw errno("write", file, "No such file or directory");
        Path dir = file.getParent();
        String v = value.strip();
        switch (file.getFileName().toString()) {
            case "cgroup.subtree_control" -> {
                Set<String> available = words(read(dir.resolve("cgroup.controllers")));
                Set<String> on = words(read(file));
                if (!dir.equals(root) && !read(dir.resolve("cgroup.procs")).isBlank()) {
                    throw errno("write", file, "Device or resource busy"); // no internal processes
                }
                for (String w : words(v)) {
                    String c = w.substring(1);
                    if (!available.contains(c) || (w.charAt(0) != '+' && w.charAt(0) != '-')) throw errno("write", file, "Invalid argument");
                    if (w.charAt(0) == '+') on.add(c);
                    else on.remove(c);
                }
                put(file, String.join(" ", on) + "\n");
            }
            case "memory.max", "memory.swap.max", "pids.max" -> {
                if (!v.equals("max") && !v.matches("\\d+")) throw errno("write", file, "Invalid argument");
                put(file, v + "\n");
            }
            case "cpu.max" -> {
                if (!v.matches("(max|\\d+)( \\d+)?")) throw errno("write", file, "Invalid argument");
                put(file, v + "\n");
            }
            case "cpu.weight" -> {
                long w = Long.parseLong(v);
                if (w < 1 || w > 10_000) throw errno("write", file, "Invalid argument");
                put(file, v + "\n");
            }
            case "cgroup.procs" -> {
                if (!words(read(dir.resolve("cgroup.subtree_control"))).isEmpty()) throw errno("write", file, "Device or resource busy");
                List<String> pids = new ArrayList<>(words(read(file)));
                pids.add(Long.toString(Long.parseLong(v)));
                put(file, String.join("\n", pids) + "\n");
                membersChanged(dir, pids.size());
            }
            case "cgroup.kill" -> {
                if (!v.equals("1")) throw errno("write", file, "Invalid argument");
                // as in the kernel, the write returns at once and the cgroup empties as its processes die
                Set<String> pids = words(read(dir.resolve("cgroup.procs")));
                for (String pid : pids) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                Thread.startVirtualThread(() -> {
                    for (String pid : pids) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> h.onExit().join());
                    }
                    put(dir.resolve("cgroup.procs"), "");
                    membersChanged(dir, 0);
                });
            }
            case "cgroup.freeze" -> {
                if (!v.equals("0") && !v.equals("1")) throw errno("write", file, "Invalid argument");
                synchronized (this) {
                    put(file, v + "\n");
                }
                // as in the kernel, the write returns at once and cgroup.events says frozen a moment later: what
                // cgroup.freeze says when it is written, read under the lock, so a late thread of an earlier
                // write (a thaw's) never overwrites the state of a later one (a freeze's)
                Thread.startVirtualThread(() -> {
                    synchronized (this) {
                        events(dir, populated(dir), read(file).strip().equals("1"));
                    }
                });
            }
            default -> put(file, v + "\n");
        }
    }

    private boolean populated(Path dir) {
        return !read(dir.resolve("cgroup.procs")).isBlank();
    }

    private static void events(Path dir, boolean populated, boolean frozen) {
        put(dir.resolve("cgroup.events"), "populated " + (populated ? 1 : 0) + "\nfrozen " + (frozen ? 1 : 0) + "\n");
    }

    private void membersChanged(Path dir, int n) {
        if (Files.exists(dir.resolve("pids.current"))) put(dir.resolve("pids.current"), n + "\n");
        synchronized (this) {
            events(dir, n > 0, read(dir.resolve("cgroup.freeze")).strip().equals("1"));
        }
    }
}
