package dev.quilt.fake;

import dev.quilt.domain.PathStat;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ContainerFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ContainerFiles} over an in-memory tree per container: directories, files and symlinks. Paths resolve
 * as the kernel would inside the container's root after a chroot (a symlink's absolute target is from that root,
 * {@code ..} stops at it); tar entries are refused as quilt-archive's libarchive flags refuse them (a {@code ..}
 * component, an absolute name, a path through a symlink). Tars are plain ustar (with GNU long names and pax
 * {@code path} records read).
 */
public final class FakeContainerFiles implements ContainerFiles {
    private sealed interface Node permits Dir, File, Link {}

    private record Dir(TreeMap<String, Node> children) implements Node {}

    private record File(byte[] data, int mode) implements Node {}

    private record Link(String target) implements Node {}

    private final Map<ProcessRef, Dir> roots = new HashMap<>();

    /** Makes a container's tree, with {@code /tmp} and {@code /etc/hostname}; returns its target. */
    public synchronized Target container(ProcessRef init) {
        Dir root = new Dir(new TreeMap<>());
        root.children().put("tmp", new Dir(new TreeMap<>()));
        Dir etc = new Dir(new TreeMap<>());
        etc.children().put("hostname", new File("fake\n".getBytes(StandardCharsets.UTF_8), 0644));
        root.children().put("etc", etc);
        roots.put(init, root);
        return new Target(init, false);
    }

    /** The container's init has exited: its tree is gone. */
    public synchronized void exited(ProcessRef init) {
        roots.remove(init);
    }

    @Override
    public synchronized PathStat stat(Target target, String path) {
        Node n = lookup(root(target), path, false);
        String name = path.equals("/") ? "/" : path.substring(path.lastIndexOf('/') + 1);
        return switch (n) {
            case Dir d -> new PathStat(name, 4096, 040755, Instant.EPOCH, "");
            case File f -> new PathStat(name, f.data().length, 0100000 | f.mode(), Instant.EPOCH, "");
            case Link l -> new PathStat(name, l.target().length(), 0120777, Instant.EPOCH, l.target());
        };
    }

    @Override
    public synchronized void get(Target target, String path, OutputStream tar) {
        Node n = lookup(root(target), path, false);
        String base = path.equals("/") ? "." : path.substring(path.lastIndexOf('/') + 1);
        try {
            write(tar, base, n);
            tar.write(new byte[1024]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void put(Target target, String path, InputStream tar, PutOptions options) {
        Dir root = root(target);
        Node at = lookup(root, path, true);
        if (!(at instanceof Dir dir)) throw QuiltException.invalid("not a directory: " + path);
        byte[] all;
        try {
            all = tar.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int off = 0;
        String longName = null;
        while (off + 512 <= all.length && all[off] != 0) {
            String name = field(all, off, 100);
            String prefix = field(all, off + 345, 155);
            String sizeField = field(all, off + 124, 12).trim();
            long size = sizeField.isEmpty() ? 0 : Long.parseLong(sizeField, 8);
            int mode = Integer.parseInt(field(all, off + 100, 8).trim().isEmpty() ? "644"
                    : field(all, off + 100, 8).trim(), 8) & 07777;
            char type = (char) all[off + 156];
            String link = field(all, off + 157, 100);
            byte[] data = Arrays.copyOfRange(all, off + 512, off + 512 + (int) size);
            off += 512 + (int) ((size + 511) / 512 * 512);
            if (type == 'L') {
                longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                continue;
            }
            if (type == 'x') {
                for (String rec : new String(data, StandardCharsets.UTF_8).split("\n")) {
                    int sp = rec.indexOf(' ');
                    if (sp > 0 && rec.substring(sp + 1).startsWith("path=")) longName = rec.substring(sp + 6);
                }
                continue;
            }
            String full = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
            longName = null;
            extract(root, dir, full, type, data, mode, link, options);
        }
        if (off == 0 && all.length > 0) throw QuiltException.invalid("the request body is not a tar archive");
    }

    private void extract(Dir root, Dir top, String name, char type, byte[] data, int mode, String link,
                         PutOptions options) {
        if (name.startsWith("/")) throw refused(name, "an absolute path");
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) throw refused(name, "a path with '..'");
            parts.add(p);
        }
        if (parts.isEmpty()) return;
        Dir d = top;
        for (int i = 0; i < parts.size() - 1; i++) {
            Node n = d.children().get(parts.get(i));
            if (n instanceof Link) throw refused(name, "a path through a symlink");
            if (n == null) {
                n = new Dir(new TreeMap<>());
                d.children().put(parts.get(i), n);
            }
            if (!(n instanceof Dir next)) throw refused(name, "a path through a non-directory");
            d = next;
        }
        String last = parts.get(parts.size() - 1);
        Node old = d.children().get(last);
        boolean isDir = type == '5';
        if (options.noOverwriteDirNonDir() && old != null && (old instanceof Dir) != isDir) {
            throw QuiltException.invalid("cannot overwrite " + (old instanceof Dir ? "directory" : "non-directory")
                    + " '" + name + "' with the archive's entry");
        }
        switch (type) {
            case '5' -> {
                if (!(old instanceof Dir)) d.children().put(last, new Dir(new TreeMap<>()));
            }
            case '2' -> d.children().put(last, new Link(link));
            default -> d.children().put(last, new File(data, mode));
        }
    }

    private static QuiltException refused(String name, String why) {
        return QuiltException.invalid("tar entry '" + name + "' refused: " + why);
    }

    private Dir root(Target t) {
        Dir root = roots.get(t.init());
        if (root == null) {
            throw QuiltException.conflict("the container's init has exited; copying files needs a running or"
                    + " paused container");
        }
        return root;
    }

    /** Resolves {@code path} from the root, following symlinks (the last one too when {@code followLast}). */
    private static Node lookup(Dir root, String path, boolean followLast) {
        return resolve(root, root, List.of(path.split("/")), followLast, 0, path);
    }

    private static Node resolve(Dir root, Dir from, List<String> parts, boolean followLast, int depth, String path) {
        if (depth > 40) throw QuiltException.notFound("no such file or directory: " + path);
        List<Dir> stack = new ArrayList<>(List.of(from));
        Node cur = from;
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            if (p.isEmpty() || p.equals(".")) continue;
            if (!(cur instanceof Dir d)) throw QuiltException.notFound("no such file or directory: " + path);
            if (p.equals("..")) {
                if (stack.size() > 1) stack.remove(stack.size() - 1);
                cur = stack.get(stack.size() - 1);
                continue;
            }
            Node n = d.children().get(p);
            if (n == null) throw QuiltException.notFound("no such file or directory: " + path);
            boolean last = i == parts.size() - 1;
            if (n instanceof Link l && (!last || followLast)) {
                List<String> rest = new ArrayList<>(List.of(l.target().split("/")));
                rest.addAll(parts.subList(i + 1, parts.size()));
                Dir base = l.target().startsWith("/") ? root : stack.get(stack.size() - 1);
                return resolve(root, base, rest, followLast, depth + 1, path);
            }
            cur = n;
            if (n instanceof Dir nd) stack.add(nd);
        }
        return cur;
    }

    private static void write(OutputStream out, String name, Node n) throws IOException {
        switch (n) {
            case Dir d -> {
                header(out, name + "/", '5', 0755, 0, "");
                for (var e : d.children().entrySet()) write(out, name + "/" + e.getKey(), e.getValue());
            }
            case File f -> {
                header(out, name, '0', f.mode(), f.data().length, "");
                out.write(f.data());
                out.write(new byte[(512 - f.data().length % 512) % 512]);
            }
            case Link l -> header(out, name, '2', 0777, 0, l.target());
        }
    }

    private static void header(OutputStream out, String name, char type, int mode, long size, String link)
            throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(n);
            body.write(0);
            header(out, "././@LongLink", 'L', 0644, body.size(), "");
            out.write(body.toByteArray());
            out.write(new byte[(512 - body.size() % 512) % 512]);
            n = Arrays.copyOf(n, 100);
        }
        System.arraycopy(n, 0, h, 0, n.length);
        put(h, 100, octal(mode, 7));
        put(h, 108, octal(0, 7));
        put(h, 116, octal(0, 7));
        put(h, 124, octal(size, 11));
        put(h, 136, octal(0, 11));
        h[156] = (byte) type;
        put(h, 157, link);
        put(h, 257, "ustar");
        put(h, 263, "00");
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, octal(sum, 6) + "\0 ");
        out.write(h);
    }

    private static String octal(long v, int width) {
        String s = Long.toOctalString(v);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }

    private static String field(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
