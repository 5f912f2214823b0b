package dev.quilt.cli.runc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a client IT must not leave on the host: processes (conmon, shims, containers),
 * mounts, cgroups. Each finder returns what it found so the test can say it; the
 * removers are the last resort of a clean-up that runs even when a test failed.
 */
final class Leftovers {
    private Leftovers() {}

    /** Processes whose command line contains {@code text} (a private dir: conmon's, a shim's), with it. */
    static List<String> processesMentioning(String text) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : pids()) {
            try {
                String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                if (cmdline.contains(text) && ProcessHandle.current().pid() != Long.parseLong(p.getFileName().toString())) {
                    out.add(p.getFileName() + " " + cmdline.trim());
                }
            } catch (IOException e) {
                // gone
            }
        }
        return out;
    }

    /** Processes in a cgroup whose path contains {@code fragment} (a container id), with their cgroup line. */
    static List<String> processesInCgroup(String fragment) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : pids()) {
            try {
                for (String line : Files.readAllLines(p.resolve("cgroup"))) {
                    if (line.contains(fragment)) {
                        out.add(p.getFileName() + " " + line);
                        break;
                    }
                }
            } catch (IOException e) {
                // gone
            }
        }
        return out;
    }

    /**
     * Waits for the processes of a finder's answer to exit on their own (a shim ends after its
     * task is deleted, conmon after its container: each exits shortly after the client returns),
     * on their exit events, until {@code deadline}; returns those still alive then.
     */
    static List<String> awaitExit(List<String> processes, java.time.Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        List<String> alive = new ArrayList<>();
        for (String p : processes) {
            var handle = ProcessHandle.of(Long.parseLong(p.split(" ")[0]));
            if (handle.isEmpty()) continue;
            try {
                handle.get().onExit().get(Math.max(0, end - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                alive.add(p);
            }
        }
        return alive;
    }

    /** What lies under {@code root} (4 levels deep at most) with {@code id} in its name: a runtime's state for it. */
    static List<Path> named(Path root, String id) throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        try (var all = Files.walk(root, 4)) {
            return all.filter(p -> p.getFileName().toString().contains(id)).toList();
        } catch (java.io.UncheckedIOException e) {
            // something removed while we walked: look once more, it is settled now
            try (var all = Files.walk(root, 4)) {
                return all.filter(p -> p.getFileName().toString().contains(id)).toList();
            }
        }
    }

    /**
     * What a runtime keeps under its {@code root}: every file, socket or link (empty
     * directories are a runtime's skeleton, not state: runc leaves its root, quilt-runc
     * its root's {@code run/} and {@code data/}), except Quilt's native helpers, extracted
     * from the jar into {@code data/native/<crc>/} once per root and kept for the next call,
     * and the guard of the root's parent cgroup, {@code run/.cgroup-parent.lock}: an fcntl
     * lock file lives as long as its root (unlinking it while another call holds it open
     * would let two callers lock two different files).
     */
    static List<Path> stateUnder(Path root) throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        Path helpers = root.resolve("data/native");
        Path guard = root.resolve("run/.cgroup-parent.lock");
        try (var all = Files.walk(root)) {
            return all.filter(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.startsWith(helpers) && !p.equals(guard)).toList();
        }
    }

    /**
     * Quilt's cgroup parent of a state root ({@code quilt-} + 12 hex of sha256 of ROOT/run,
     * {@code LinuxPaths.cgroupParent}) in every hierarchy: where quilt-runc puts a container
     * whose bundle names no {@code linux.cgroupsPath}. Removed when empty; returns what was
     * there (a runtime that is not Quilt makes none).
     */
    static List<String> quiltCgroupParent(Path root) throws IOException {
        String parent = dev.quilt.linux.LinuxPaths.under(root).cgroupParent();
        List<String> found = new ArrayList<>();
        for (Path dir : cgroupDirs(parent)) {
            if (!dir.getFileName().toString().equals(parent)) continue;
            found.add(dir.toString());
            removeCgroupTree(dir);
        }
        return found;
    }

    /** SIGKILLs the processes of a finder's answer ("pid rest"). */
    static void kill(List<String> processes) {
        for (String p : processes) ProcessHandle.of(Long.parseLong(p.split(" ")[0])).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** Mount points at or under {@code dir} in our mount namespace, deepest first. */
    static List<String> mountsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && (f[4].equals(dir.toString()) || f[4].startsWith(dir + "/"))) out.add(f[4]);
        }
        out.sort(Comparator.comparing(String::length).reversed());
        return out;
    }

    /** Unmounts (lazily, so a busy one goes too) every mount under {@code dir}. */
    static void unmountAll(Path dir) throws IOException, InterruptedException {
        for (String m : mountsUnder(dir)) new ProcessBuilder("umount", "-l", m).inheritIO().start().waitFor();
    }

    /** The directories under {@code /sys/fs/cgroup/*} whose name contains {@code fragment}, at any depth ≤ 3. */
    static Set<Path> cgroupDirs(String fragment) throws IOException {
        Set<Path> out = new TreeSet<>();
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.filter(Files::isDirectory).toList()) {
                try (var all = Files.walk(h, 3)) {
                    all.filter(Files::isDirectory).filter(d -> d.getFileName().toString().contains(fragment)).forEach(out::add);
                } catch (java.io.UncheckedIOException e) {
                    // a cgroup removed while we walked
                }
            }
        }
        return out;
    }

    /**
     * Removes a cgroup directory and what is under it, deepest first: {@code rmdir} on a
     * cgroup filesystem; on a plain directory (a controller this host does not mount, where
     * conmon's cgroupfs manager made a {@code tasks} file) the files go first.
     */
    static void removeCgroupTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        List<Path> all;
        try (var walk = Files.walk(dir)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        boolean plain = !isCgroupFs(dir);
        for (Path p : all) {
            try {
                if (Files.isDirectory(p)) Files.delete(p);
                else if (plain) Files.delete(p);
            } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                // gone already, or still holding a process: the caller reports what is left
            }
        }
    }

    private static boolean isCgroupFs(Path dir) throws IOException {
        String best = "";
        String type = "";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            String mp = f[4];
            if ((dir.toString().equals(mp) || dir.toString().startsWith(mp.endsWith("/") ? mp : mp + "/")) && mp.length() >= best.length()) {
                best = mp;
                type = line.substring(dash + 3).split(" ")[0];
            }
        }
        return type.equals("cgroup") || type.equals("cgroup2");
    }

    private static List<Path> pids() throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList();
        }
    }
}
