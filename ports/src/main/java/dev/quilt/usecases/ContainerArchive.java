package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.PathStat;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.ContainerFiles;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The Engine API's {@code /containers/{id}/archive} (GET, HEAD, PUT; {@code docker cp}): files in and out of a
 * running or paused container through {@link ContainerFiles}. A created or stopped one is a conflict: its overlay
 * is mounted only inside its own mount namespace (see ARCHITECTURE "The spawn path"), so there is no root to
 * resolve paths in without one. A missing path is docker's 404 line, {@code Could not find the file PATH in
 * container REF}.
 */
public final class ContainerArchive {
    private final ContainerLookup lookup;
    private final ContainerFiles files;

    public ContainerArchive(ContainerLookup lookup, ContainerFiles files) {
        this.lookup = lookup;
        this.files = files;
    }

    public PathStat stat(String ref, String path) {
        String p = normalise(path);
        ContainerFiles.Target t = target(ref);
        return missingAsDockerSays(ref, p, () -> files.stat(t, p));
    }

    public void get(String ref, String path, OutputStream tar) {
        String p = normalise(path);
        ContainerFiles.Target t = target(ref);
        missingAsDockerSays(ref, p, () -> {
            files.get(t, p, tar);
            return null;
        });
    }

    public void put(String ref, String path, InputStream tar, ContainerFiles.PutOptions options) {
        String p = normalise(path);
        ContainerFiles.Target t = target(ref);
        missingAsDockerSays(ref, p, () -> {
            files.put(t, p, tar, options);
            return null;
        });
    }

    /**
     * A container path as docker takes it: relative is from the root; trailing slashes go (the root stays
     * {@code /}); empty or holding a NUL is invalid input naming the parameter.
     */
    public static String normalise(String path) {
        if (path == null || path.isEmpty()) throw QuiltException.invalid("path: give the path in the container");
        if (path.indexOf('\0') >= 0) throw QuiltException.invalid("path: holds a NUL byte");
        String p = path.startsWith("/") ? path : "/" + path;
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return p;
    }

    private ContainerFiles.Target target(String ref) {
        Container c = lookup.get(ref);
        if (c.status() != Status.RUNNING && c.status() != Status.PAUSED || c.init().isEmpty()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; copying files needs a running or paused one: start it first");
        }
        return new ContainerFiles.Target(c.init().get(), c.spec().namespaces().contains(Namespace.USER));
    }

    private static <T> T missingAsDockerSays(String ref, String path, java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (QuiltException e) {
            if (e.kind() == QuiltException.Kind.NOT_FOUND) {
                throw QuiltException.notFound("Could not find the file " + path + " in container " + ref);
            }
            throw e;
        }
    }
}
