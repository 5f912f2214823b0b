package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.cli.Version;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.Status;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.ImageStore;
import dev.quilt.usecases.ListContainers;

import javax.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /_ping}, {@code /version} and {@code /info}: what a client asks first, to negotiate its API version
 * (docker CLI: the {@code Api-Version} header of {@code /_ping}) and to learn what it talks to.
 */
public final class SystemRoutes implements Routes {
    private final Lazy<ListContainers> list;
    private final Lazy<ImageStore> images;
    private final LinuxPaths paths;

    @Inject
    SystemRoutes(Lazy<ListContainers> list, Lazy<ImageStore> images, LinuxPaths paths) {
        this.list = list;
        this.images = images;
        this.paths = paths;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/_ping", c -> c.replyBytes(200, "text/plain; charset=utf-8", "OK".getBytes(),
                Map.of("Cache-Control", "no-cache, no-store, must-revalidate", "Pragma", "no-cache")));
        r.add("HEAD", "/_ping", c -> c.replyBytes(200, "text/plain; charset=utf-8", new byte[0],
                Map.of("Cache-Control", "no-cache, no-store, must-revalidate", "Pragma", "no-cache")));
        r.add("GET", "/version", this::version);
        r.add("GET", "/info", this::info);
    }

    private void version(ApiCall c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Platform", Map.of("Name", "Quilt"));
        v.put("Components", List.of(Map.of("Name", "Engine", "Version", Version.text(),
                "Details", Map.of("ApiVersion", Router.API_VERSION, "MinAPIVersion", Router.MIN_API_VERSION,
                        "Os", "linux", "Arch", arch(), "KernelVersion", kernel()))));
        v.put("Version", Version.text());
        v.put("ApiVersion", Router.API_VERSION);
        v.put("MinAPIVersion", Router.MIN_API_VERSION);
        v.put("GitCommit", "");
        v.put("GoVersion", "");
        v.put("Os", "linux");
        v.put("Arch", arch());
        v.put("KernelVersion", kernel());
        v.put("BuildTime", "");
        c.reply(200, v);
    }

    private void info(ApiCall c) {
        List<ContainerRecord> all = list.get().list(true);
        long running = 0, paused = 0, stopped = 0;
        for (ContainerRecord r : all) {
            if (r instanceof ContainerRecord.Readable rd) {
                Status s = rd.container().status();
                if (s == Status.RUNNING) running++;
                else if (s == Status.PAUSED) paused++;
                else stopped++;
            } else {
                stopped++;
            }
        }
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("ID", "quilt");
        i.put("Containers", all.size());
        i.put("ContainersRunning", running);
        i.put("ContainersPaused", paused);
        i.put("ContainersStopped", stopped);
        i.put("Images", images.get().list().size());
        i.put("Driver", "overlay2");
        i.put("DockerRootDir", paths.data().toString());
        i.put("CgroupDriver", "cgroupfs");
        i.put("CgroupVersion", Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1");
        i.put("KernelVersion", kernel());
        i.put("OperatingSystem", "Quilt on " + os());
        i.put("OSType", "linux");
        i.put("Architecture", arch());
        i.put("NCPU", Runtime.getRuntime().availableProcessors());
        i.put("MemTotal", memTotal());
        i.put("Name", hostname());
        i.put("ServerVersion", Version.text());
        i.put("DefaultRuntime", "quilt");
        i.put("Runtimes", Map.of("quilt", Map.of("path", "quilt")));
        i.put("SecurityOptions", List.of("name=seccomp,profile=default", "name=no-new-privileges"));
        i.put("Labels", List.of());
        i.put("Warnings", List.of());
        c.reply(200, i);
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("amd64") ? "x86_64" : a;
    }

    private static String kernel() {
        return System.getProperty("os.version");
    }

    private static String os() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) return line.substring(12).replace("\"", "");
            }
        } catch (java.io.IOException e) {
            // fall through
        }
        return "Linux";
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // fall through
        }
        return 0;
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (java.io.IOException e) {
            return "quilt";
        }
    }
}
