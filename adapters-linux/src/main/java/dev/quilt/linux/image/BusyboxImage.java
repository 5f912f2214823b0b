package dev.quilt.linux.image;

import dev.quilt.domain.QuiltException;
import dev.quilt.ports.DefaultImageSource;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * The default image, made on this machine from Debian's busybox-static: one
 * static binary, a link per applet, and the few files a shell expects. Made
 * once, the first time a container is run without naming an image.
 */
public final class BusyboxImage implements DefaultImageSource {
    private static final List<Path> CANDIDATES = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));
    private static final String[] DIRS = {"bin", "dev", "etc", "home", "proc", "root", "run", "sbin", "sys", "tmp",
            "usr", "usr/bin", "usr/sbin", "var", "var/tmp"};

    @Override
    public InputStream openTar() {
        Path busybox = CANDIDATES.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() ->
                new QuiltException(QuiltException.Kind.NOT_FOUND, "the default image is made from busybox, which is "
                        + "not installed; run 'apt-get install busybox-static' or name an image"));
        try {
            byte[] binary = Files.readAllBytes(busybox);
            if (ElfInfo.hasInterpreter(binary)) {
                throw new QuiltException(QuiltException.Kind.NOT_FOUND, busybox + " is dynamically linked and cannot"
                        + " run alone in a container; run 'apt-get install busybox-static'");
            }
            return new ByteArrayInputStream(tar(binary, applets(busybox)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TreeSet<String> applets(Path busybox) throws IOException {
        Process p = new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) throw new IOException(busybox + " --list-full failed: " + out.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        TreeSet<String> applets = new TreeSet<>();
        for (String line : out.split("\n")) {
            String a = line.strip();
            if (!a.isEmpty() && !a.equals("bin/busybox") && !a.contains("..")) applets.add(a);
        }
        return applets;
    }

    private static byte[] tar(byte[] binary, TreeSet<String> applets) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(binary.length + (1 << 16));
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String d : DIRS) {
                TarArchiveEntry e = new TarArchiveEntry(d + "/");
                e.setMode(d.equals("tmp") || d.equals("var/tmp") ? 041777 : d.equals("root") ? 040700 : 040755);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "bin/busybox", 0100755, binary);
            for (String a : applets) {
                TarArchiveEntry e = new TarArchiveEntry(a, TarConstants.LF_SYMLINK);
                e.setLinkName("/bin/busybox");
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "etc/passwd", 0100644, ("root:x:0:0:root:/root:/bin/sh\n"
                    + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8));
            file(tar, "etc/group", 0100644, "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, String name, int mode, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
