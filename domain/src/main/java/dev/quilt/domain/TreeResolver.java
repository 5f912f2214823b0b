package dev.quilt.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside an unpacked tree the way the host kernel would follow
 * it, and refuses the path if doing so would leave the tree. This is what keeps
 * a hostile archive from writing through a symlink ({@code etc -> /etc}, then
 * {@code etc/passwd}). Symlinks that stay inside are followed; absolute targets
 * and {@code ..} above the top are escapes.
 */
public final class TreeResolver {
    private static final int MAX_LINKS = 40; // as the kernel's ELOOP limit

    /** What is at a path of the tree, without following a final symlink. */
    public sealed interface Node permits Node.Missing, Node.Directory, Node.File, Node.Symlink {
        record Missing() implements Node {}
        record Directory() implements Node {}
        record File() implements Node {}
        record Symlink(String target) implements Node {}
    }

    /** How to look at the tree; the Linux adapter uses lstat and readlink. */
    @FunctionalInterface
    public interface TreeView {
        Node lookup(List<String> components);
    }

    private TreeResolver() {}

    /**
     * Resolves every component but the last, which is returned as is: the
     * entry itself is replaced, never followed. Missing directories are fine
     * (they are made later); a file in the middle is not.
     */
    public static ArchivePath resolveParent(ArchivePath path, String entryName, TreeView tree) {
        if (path.isRoot()) return path;
        List<String> dir = resolve(path.parent().components(), entryName, tree);
        List<String> out = new ArrayList<>(dir);
        out.add(path.last());
        return new ArchivePath(out);
    }

    static List<String> resolve(List<String> components, String entryName, TreeView tree) {
        Deque<String> todo = new ArrayDeque<>(components);
        List<String> done = new ArrayList<>();
        int links = 0;
        int missingFrom = -1; // index in done of the first component that does not exist, or -1
        while (!todo.isEmpty()) {
            String c = todo.removeFirst();
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (done.isEmpty()) throw ArchivePath.refused(entryName, "leaves the image through a symlink");
                done.remove(done.size() - 1);
                // climbing back out of a missing directory: what follows must be looked at again
                if (missingFrom >= done.size()) missingFrom = -1;
                continue;
            }
            done.add(c);
            if (missingFrom >= 0) continue; // below a missing directory everything is missing
            TreeResolver.Node node = tree.lookup(done);
            switch (node) {
                case Node.Missing m -> missingFrom = done.size() - 1;
                case Node.Directory d -> { }
                case Node.File f -> throw ArchivePath.refused(entryName,
                        "goes through '" + String.join("/", done) + "', which is not a directory");
                case Node.Symlink s -> {
                    if (++links > MAX_LINKS) throw ArchivePath.refused(entryName, "goes through too many symlinks");
                    if (s.target().startsWith("/")) {
                        throw ArchivePath.refused(entryName, "goes through symlink '" + String.join("/", done)
                                + "' to the absolute path '" + s.target() + "'");
                    }
                    done.remove(done.size() - 1);
                    String[] parts = s.target().split("/");
                    for (int i = parts.length - 1; i >= 0; i--) todo.addFirst(parts[i]);
                }
            }
        }
        return done;
    }

    /** Resolves a hardlink's target: all of it must exist inside, last component not followed. */
    public static ArchivePath resolveLinkTarget(ArchivePath target, String entryName, TreeView tree) {
        if (target.isRoot()) throw ArchivePath.refused(entryName, "links to the image's root");
        ArchivePath resolved = resolveParent(target, entryName, tree);
        if (tree.lookup(resolved.components()) instanceof Node.Missing) {
            throw ArchivePath.refused(entryName, "links to '" + target + "', which is not in the image");
        }
        if (tree.lookup(resolved.components()) instanceof Node.Directory) {
            throw ArchivePath.refused(entryName, "links to the directory '" + target + "'");
        }
        return resolved;
    }
}
