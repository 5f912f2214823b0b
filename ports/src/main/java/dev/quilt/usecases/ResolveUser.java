package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.UserNames;
import dev.quilt.ports.ContainerFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A {@code User} that names a user or group ({@code nobody}, {@code nobody:nogroup}, {@code 1000:nogroup}) as the
 * uid and gid of a running container: its {@code /etc/passwd} and {@code /etc/group} are read through
 * {@link ContainerFiles}, resolved inside the container's own root (a symlink the container made cannot send the
 * read to a host file), and looked up by {@link UserNames}, as dockerd has runc look names up in the container.
 * Numbers only ({@code UID}, {@code UID:GID}) read nothing. A file that is missing, not a regular file, or over
 * {@value #MAX_BYTES} bytes counts as one with no entries.
 */
public final class ResolveUser {
    /** The most of {@code /etc/passwd} or {@code /etc/group} read (tar headers included). */
    public static final int MAX_BYTES = 4 << 20;

    private final ContainerFiles files;

    public ResolveUser(ContainerFiles files) {
        this.files = files;
    }

    /** {@code spec} in container {@code c}; a name needs it running. Invalid input names what was not found. */
    public User resolve(Container c, String spec) {
        if (UserNames.numeric(spec)) return User.parse(spec);
        String[] parts = UserNames.checked(spec);
        if (c.status() != Status.RUNNING || c.init().isEmpty()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; a user name is looked up in a running one");
        }
        ContainerFiles.Target t = new ContainerFiles.Target(c.init().get(), c.spec().namespaces().contains(Namespace.USER));
        boolean user = !parts[0].matches("[0-9]+");
        boolean group = parts.length == 2 && !parts[1].matches("[0-9]+");
        String passwd = user ? read(t, "/etc/passwd").orElse("") : "";
        String groups = group ? read(t, "/etc/group").orElse("") : "";
        return UserNames.resolve(spec, passwd, groups);
    }

    /** The text of a regular file of the container, or empty when it is missing, not regular, or too large. */
    private Optional<String> read(ContainerFiles.Target t, String path) {
        Capped tar = new Capped();
        try {
            files.get(t, path, tar);
        } catch (QuiltException e) {
            if (e.kind() == QuiltException.Kind.NOT_FOUND) return Optional.empty();
            throw e;
        } catch (Capped.Full e) {
            return Optional.empty();
        }
        return firstRegularFile(tar.toByteArray()).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * The content of the first entry of a tar (ustar, with pax or GNU long-name entries before it) when that entry
     * is a regular file; empty for anything else (a symlink, a directory, a short or broken archive).
     */
    static Optional<byte[]> firstRegularFile(byte[] tar) {
        int at = 0;
        while (at + 512 <= tar.length) {
            byte[] h = Arrays.copyOfRange(tar, at, at + 512);
            boolean zero = true;
            for (byte b : h) zero &= b == 0;
            if (zero) return Optional.empty();
            long size = octal(h, 124, 12);
            char type = (char) h[156];
            int body = at + 512;
            if (size < 0 || body + size > tar.length) return Optional.empty();
            switch (type) {
                case 'x', 'g', 'L', 'K' -> at = body + (int) ((size + 511) / 512 * 512); // metadata of the next entry
                case '0', '\0', '7' -> {
                    return Optional.of(Arrays.copyOfRange(tar, body, body + (int) size));
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static long octal(byte[] h, int off, int len) {
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            int c = h[i] & 0xff;
            if (c == 0 || c == ' ') {
                if (any) break;
                continue;
            }
            if (c < '0' || c > '7') return -1;
            v = v * 8 + (c - '0');
            any = true;
            if (v > MAX_BYTES) return -1;
        }
        return v;
    }

    /** A buffer that refuses to grow past {@link #MAX_BYTES}. */
    private static final class Capped extends OutputStream {
        static final class Full extends RuntimeException {
            Full() {
                super("over " + MAX_BYTES + " bytes", null, false, false);
            }
        }

        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        @Override
        public void write(int x) {
            if (b.size() >= MAX_BYTES) throw new Full();
            b.write(x);
        }

        @Override
        public void write(byte[] x, int off, int len) {
            if (b.size() + len > MAX_BYTES) throw new Full();
            b.write(x, off, len);
        }

        byte[] toByteArray() {
            return b.toByteArray();
        }

        @Override
        public void close() throws IOException {
            b.close();
        }
    }
}
