package dev.quilt.linux.image;

import dev.quilt.domain.ArchivePath;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.TreeResolver;
import dev.quilt.domain.TreeResolver.Node;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Unpacks a tar into a fresh directory and never writes outside it. Each
 * entry's name is checked ({@link ArchivePath}), its directory is resolved the
 * way the kernel would follow it ({@link TreeResolver}), and the entry itself
 * is created with O_EXCL after removing what was there, so no symlink in the
 * tree is ever written through.
 */
final class TarExtractor {
    private record DirMeta(Path path, int mode, FileTime mtime) {}

    private final Path root;
    private final boolean preserveOwnership;
    private final List<DirMeta> dirs = new ArrayList<>();
    private long bytes;

    TarExtractor(Path root, boolean preserveOwnership) {
        this.root = root;
        this.preserveOwnership = preserveOwnership;
    }

    /** Returns the unpacked size in bytes. */
    long extract(TarArchiveInputStream tar) throws IOException {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            String name = e.getName();
            ArchivePath path = ArchivePath.parse(name);
            if (path.isRoot()) {
                if (e.isDirectory()) dirs.add(new DirMeta(root, e.getMode() & 07777, e.getLastModifiedTime()));
                continue;
            }
            ArchivePath resolved = TreeResolver.resolveParent(path, name, this::lookup);
            Path target = root.resolve(resolved.relative());
            Files.createDirectories(target.getParent());
            if (e.isDirectory()) {
                directory(target, e);
            } else if (e.isSymbolicLink()) {
                if (e.getLinkName().isEmpty() || ArchivePath.utf8Length(e.getLinkName()) > ArchivePath.PATH_MAX) {
                    throw QuiltException.invalid("refused archive entry '" + clip(name) + "': its link target is "
                            + (e.getLinkName().isEmpty() ? "empty" : "longer than " + ArchivePath.PATH_MAX + " bytes"));
                }
                replace(target, name);
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                owner(target, e);
            } else if (e.isLink()) {
                ArchivePath linkTarget = TreeResolver.resolveLinkTarget(ArchivePath.parse(e.getLinkName()), name, this::lookup);
                replace(target, name);
                Files.createLink(target, root.resolve(linkTarget.relative()));
            } else if (e.isFile()) {
                replace(target, name);
                bytes += Files.copy(tar, target);
                owner(target, e);
                Files.setAttribute(target, "unix:mode", e.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
                Files.setLastModifiedTime(target, e.getLastModifiedTime());
            }
            // devices and fifos are skipped: a container's /dev is its own tmpfs
        }
        // directories last, deepest first: a read-only directory must not stop its own children
        for (int i = dirs.size() - 1; i >= 0; i--) {
            DirMeta d = dirs.get(i);
            Files.setAttribute(d.path(), "unix:mode", d.mode(), LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(d.path(), d.mtime());
        }
        return bytes;
    }

    private static String clip(String name) {
        String shown = name.length() > 80 ? name.substring(0, 80) + "..." : name;
        return shown.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private void directory(Path target, TarArchiveEntry e) throws IOException {
        BasicFileAttributes a = attrs(target);
        if (a == null || !a.isDirectory()) {
            if (a != null) Files.delete(target);
            Files.createDirectory(target);
        }
        owner(target, e);
        dirs.add(new DirMeta(target, e.getMode() & 07777, e.getLastModifiedTime()));
    }

    /** Clears the way for a non-directory entry; a directory in the way is an error, as in tar. */
    private void replace(Path target, String name) throws IOException {
        BasicFileAttributes a = attrs(target);
        if (a == null) return;
        if (a.isDirectory()) {
            throw QuiltException.invalid("refused archive entry '" + clip(name) + "': it would replace a directory");
        }
        Files.delete(target);
    }

    private void owner(Path target, TarArchiveEntry e) throws IOException {
        if (!preserveOwnership) return;
        Files.setAttribute(target, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    }

    private Node lookup(List<String> components) {
        Path p = root.resolve(String.join("/", components));
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) return new Node.Symlink(Files.readSymbolicLink(p).toString());
            if (a.isDirectory()) return new Node.Directory();
            return new Node.File();
        } catch (NoSuchFileException e) {
            return new Node.Missing();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
