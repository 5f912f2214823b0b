package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** image import / ls / rm, and running a container from an imported image. */
class ImageIT {
    private static Path root;
    private static Quilt quilt;

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-image-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        List<String> network = quilt.teardown();
        AtomicFiles.deleteTree(root);
        assertEquals(List.of(), network, "network left behind");
    }

    @Test
    void importRunAndRemoveAnImage() throws Exception {
        // an image of our own: busybox, two applets and a file, gzipped
        byte[] busybox = Files.readAllBytes(Files.exists(Path.of("/bin/busybox")) ? Path.of("/bin/busybox") : Path.of("/usr/bin/busybox"));
        Path tar = root.resolve("img.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tar))) {
            out.write(withBinary(busybox));
        }
        Quilt.Result imp = quilt.run("image", "import", tar.toString(), "--name", "mini");
        assertEquals(0, imp.exit(), imp.err());
        String digest = imp.out().strip();
        assertTrue(digest.startsWith("sha256:"), digest);

        Quilt.Result run = quilt.run("run", "--rm", "mini", "--", "/bin/cat", "/hello.txt");
        assertEquals(0, run.exit(), run.err());
        assertEquals("hello from the image\n", run.out());

        Quilt.Result byPrefix = quilt.run("run", "--rm", digest.substring(7, 19), "--", "/bin/sh", "-c", "exit 4");
        assertEquals(4, byPrefix.exit(), byPrefix.err());

        Quilt.Result ls = quilt.run("image", "ls");
        assertTrue(ls.out().contains("mini") && ls.out().contains(digest.substring(7, 19)), ls.out());
        Quilt.Result json = quilt.run("image", "ls", "--json");
        assertTrue(json.out().contains("\"digest\" : \"" + digest + "\""), json.out());

        Quilt.Result rm = quilt.run("image", "rm", "mini");
        assertEquals(0, rm.exit(), rm.err());
        assertFalse(quilt.run("image", "ls").out().contains("mini"));
        assertFalse(Files.exists(root.resolve("data/images").resolve(digest.substring(7))));
        Quilt.Result gone = quilt.run("image", "rm", "mini");
        assertEquals(1, gone.exit());
        assertEquals("quilt: image 'mini' not found; 'quilt image ls' lists them\n", gone.err());
    }

    /** One line on stderr, quilt's own words, no Java exception text. */
    private static void oneLine(Quilt.Result r, int exit, String expected) {
        assertEquals(exit, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertEquals("quilt: " + expected + "\n", r.err());
        for (String java : List.of("Exception", "java.", "\tat ", "File name too long")) {
            assertFalse(r.err().contains(java), r.err());
        }
    }

    @Test
    void aNameTooLongForLinuxIsRefusedByName() throws Exception {
        Path tar = Files.write(root.resolve("long.tar"),
                new dev.quilt.ports.TestTars().dir("d").longNamedFile("d/" + "n".repeat(300), "x").bytes());
        oneLine(quilt.run("image", "import", tar.toString(), "--name", "long"), 1,
                "refused archive entry 'd/" + "n".repeat(78) + "...': it has a name of 300 bytes; Linux allows 255");
        assertFalse(quilt.run("image", "ls").out().contains("long"));
        try (var left = Files.list(root.resolve("data/images"))) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList());
        }
    }

    @Test
    void aBrokenImageJsonIsOneLineAndTheImageCanGo() throws Exception {
        Path tar = Files.write(root.resolve("small.tar"), new dev.quilt.ports.TestTars().file("f", "x").bytes());
        Quilt.Result imp = quilt.run("image", "import", tar.toString(), "--name", "damaged");
        assertEquals(0, imp.exit(), imp.err());
        String hex = imp.out().strip().substring("sha256:".length());
        Files.writeString(root.resolve("data/images").resolve(hex).resolve("image.json"), "{\"digest\": garbage");
        String broken = "image '" + hex.substring(0, 12) + "' cannot be read (image.json is not valid JSON at line 1,"
                + " column 19); remove it with 'quilt image rm " + hex.substring(0, 12) + "'";
        Path other = Files.write(root.resolve("other.tar"), new dev.quilt.ports.TestTars().file("g", "y").bytes());
        assertEquals(0, quilt.run("image", "import", other.toString(), "--name", "intact").exit());
        // the others are listed, the broken one is a line on stderr (as ps does with a broken record)
        Quilt.Result listed = quilt.run("image", "ls");
        assertEquals(0, listed.exit(), listed.err());
        assertEquals("quilt: " + broken + "\n", listed.err());
        assertTrue(listed.out().contains("intact") && !listed.out().contains("damaged"), listed.out());
        oneLine(quilt.run("run", "--rm", "--network", "none", "damaged", "--", "true"), 125, broken);
        Quilt.Result rm = quilt.run("image", "rm", hex.substring(0, 12));
        assertEquals(0, rm.exit(), rm.err());
        assertEquals("sha256:" + hex + "\n", rm.out());
        Quilt.Result ls = quilt.run("image", "ls");
        assertEquals(0, ls.exit(), ls.err());
        assertFalse(ls.out().contains("damaged"), ls.out());
    }

    private static byte[] withBinary(byte[] busybox) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            dir(tar, "bin/");
            var bb = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("bin/busybox");
            bb.setMode(0100755);
            bb.setSize(busybox.length);
            tar.putArchiveEntry(bb);
            tar.write(busybox);
            tar.closeArchiveEntry();
            for (String applet : new String[] {"sh", "cat"}) {
                var l = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("bin/" + applet,
                        org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
                l.setLinkName("busybox");
                tar.putArchiveEntry(l);
                tar.closeArchiveEntry();
            }
            byte[] hello = "hello from the image\n".getBytes();
            var h = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("hello.txt");
            h.setSize(hello.length);
            tar.putArchiveEntry(h);
            tar.write(hello);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private static void dir(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar, String name) throws IOException {
        var d = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
        d.setMode(040755);
        tar.putArchiveEntry(d);
        tar.closeArchiveEntry();
    }
}
