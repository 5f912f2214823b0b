package dev.quilt.linux.image;

import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.SystemClock;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ImageStoreContract;
import dev.quilt.ports.TestTars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FsImageStoreTest extends ImageStoreContract {
    @TempDir
    Path root;

    private FsImageStore store;

    @Override
    protected ImageStore store() {
        if (store == null) store = new FsImageStore(LinuxPaths.under(root), new SystemClock(), false);
        return store;
    }

    private Image importBytes(byte[] tar) {
        return store().importTar(new ByteArrayInputStream(tar), Optional.of(new ImageName("t")), ImageStore.ImportProgress.NONE);
    }

    private Path rootfs(Image i) {
        return LinuxPaths.under(root).imageRootfs(i.digest());
    }

    /** After a refused import: no image, no temp directory, nothing outside the store. */
    private void assertNothingImported() throws IOException {
        assertTrue(store().list().isEmpty());
        try (var entries = Files.list(LinuxPaths.under(root).images())) {
            assertEquals(java.util.List.of(), entries.filter(p -> !p.getFileName().toString().equals(".names")).toList());
        }
    }

    @Test
    void gzipAndPlainOfOneTarAreOneImage() throws IOException {
        byte[] tar = rootfs("x");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar);
        }
        Image plain = importBytes(tar);
        Image zipped = importBytes(gz.toByteArray());
        assertEquals(plain.digest(), zipped.digest());
        assertEquals("x", Files.readString(rootfs(plain).resolve("bin/marker")));
    }

    @Test
    void dotDotIsRefused() throws IOException {
        QuiltException e = assertThrows(QuiltException.class,
                () -> importBytes(new TestTars().file("ok", "1").file("../escape", "pwned").bytes()));
        assertEquals("refused archive entry '../escape': it climbs out with '..'", e.getMessage());
        assertFalse(Files.exists(root.resolve("data/images/escape")));
        assertNothingImported();
    }

    @Test
    void absolutePathsAreRefused() throws IOException {
        Path victim = root.resolve("abs-victim");
        QuiltException e = assertThrows(QuiltException.class,
                () -> importBytes(new TestTars().file(victim.toString(), "pwned").bytes()));
        assertTrue(e.getMessage().endsWith("it is an absolute path"), e.getMessage());
        assertFalse(Files.exists(victim));
        assertNothingImported();
    }

    @Test
    void aFileThroughASymlinkToAHostDirectoryIsRefused() throws IOException {
        Path hostDir = Files.createDirectory(root.resolve("host-etc"));
        QuiltException e = assertThrows(QuiltException.class, () -> importBytes(new TestTars()
                .symlink("etc", hostDir.toString()).file("etc/passwd", "pwned").bytes()));
        assertTrue(e.getMessage().contains("goes through symlink 'etc' to the absolute path"), e.getMessage());
        assertFalse(Files.exists(hostDir.resolve("passwd")));
        assertNothingImported();
    }

    @Test
    void aFileThroughARelativeSymlinkThatClimbsOutIsRefused() throws IOException {
        QuiltException e = assertThrows(QuiltException.class, () -> importBytes(new TestTars()
                .dir("a/").symlink("a/up", "../../../..").file("a/up/pwned", "x").bytes()));
        assertTrue(e.getMessage().contains("leaves the image"), e.getMessage());
        assertNothingImported();
    }

    @Test
    void aLinkThatClimbsOutOfAMissingDirectoryIntoAnEscapingLinkIsRefused() throws IOException {
        Path hostDir = Files.createDirectory(root.resolve("host-etc2"));
        assertThrows(QuiltException.class, () -> importBytes(new TestTars().symlink("y", hostDir.toString())
                .symlink("x", "nosuch/../y").file("x/passwd", "pwned").bytes()));
        assertFalse(Files.exists(hostDir.resolve("passwd")));
        assertNothingImported();
    }

    @Test
    void aHardlinkToAHostFileIsRefused() throws IOException {
        Path hostFile = Files.writeString(root.resolve("host-secret"), "secret");
        QuiltException e = assertThrows(QuiltException.class, () -> importBytes(new TestTars()
                .hardlink("stolen", hostFile.toString()).bytes()));
        assertTrue(e.getMessage().endsWith("it is an absolute path"), e.getMessage());
        QuiltException up = assertThrows(QuiltException.class, () -> importBytes(new TestTars()
                .hardlink("stolen", "../../../host-secret").bytes()));
        assertTrue(up.getMessage().contains("'..'"), up.getMessage());
        assertEquals(1L, (long) (Integer) Files.getAttribute(hostFile, "unix:nlink"));
        assertNothingImported();
    }

    @Test
    void aFileOverASymlinkReplacesTheLinkAndNotItsTarget() throws IOException {
        Path hostFile = Files.writeString(root.resolve("host-file"), "original");
        Image i = importBytes(new TestTars().symlink("f", hostFile.toString()).file("f", "new").bytes());
        assertEquals("original", Files.readString(hostFile));
        assertFalse(Files.isSymbolicLink(rootfs(i).resolve("f")));
        assertEquals("new", Files.readString(rootfs(i).resolve("f")));
    }

    @Test
    void symlinksInsideTheImageAreKeptAndFollowed() throws IOException {
        Image i = importBytes(new TestTars().dir("usr/").dir("usr/lib/").symlink("lib", "usr/lib")
                .file("lib/libx.so", "elf").symlink("mtab", "/proc/mounts").hardlink("usr/lib/liby.so", "lib/libx.so").bytes());
        Path r = rootfs(i);
        assertEquals("elf", Files.readString(r.resolve("usr/lib/libx.so")));
        assertEquals("/proc/mounts", Files.readSymbolicLink(r.resolve("mtab")).toString());
        assertTrue(Files.isSymbolicLink(r.resolve("lib")));
        assertEquals(2, (int) (Integer) Files.getAttribute(r.resolve("usr/lib/liby.so"), "unix:nlink", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void notATarIsOneClearLine() throws IOException {
        QuiltException e = assertThrows(QuiltException.class, () -> importBytes("hello, world\n".repeat(100).getBytes()));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertNothingImported();
        QuiltException gz = assertThrows(QuiltException.class, () -> importBytes(new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}));
        assertEquals(QuiltException.Kind.INVALID_INPUT, gz.kind());
    }

    @Test
    void aNameLongerThanLinuxAllowsIsRefusedByNameNotByJavaText() throws IOException {
        QuiltException e = assertThrows(QuiltException.class,
                () -> importBytes(new TestTars().dir("d").longNamedFile("d/" + "n".repeat(300), "x").bytes()));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertEquals("refused archive entry 'd/" + "n".repeat(78) + "...': it has a name of 300 bytes; Linux allows 255",
                e.getMessage());
        assertNothingImported();
        QuiltException link = assertThrows(QuiltException.class,
                () -> importBytes(new TestTars().symlink("l", "").bytes()));
        assertEquals("refused archive entry 'l': its link target is empty", link.getMessage());
        assertNothingImported();
    }

    @Test
    void aBrokenImageJsonIsNamedAndTheImageCanStillBeRemoved() throws IOException {
        Image good = importBytes(new TestTars().file("a", "1").bytes());
        Image bad = store().importTar(new ByteArrayInputStream(new TestTars().file("b", "2").bytes()),
                Optional.of(new ImageName("bad")), ImageStore.ImportProgress.NONE);
        Path meta = LinuxPaths.under(root).images().resolve(bad.digest().hex()).resolve("image.json");
        String shortHex = bad.digest().hex().substring(0, 12);
        for (String damage : new String[] {"", "{\"digest\":", "[]", "{\"digest\":\"sha256:" + "0".repeat(64) + "\"}"}) {
            Files.writeString(meta, damage);
            QuiltException e = assertThrows(QuiltException.class, () -> store().find("bad"));
            assertTrue(e.getMessage().startsWith("image '" + shortHex + "' cannot be read (image.json"), e.getMessage());
            assertTrue(e.getMessage().endsWith("); remove it with 'quilt image rm " + shortHex + "'"), e.getMessage());
            assertFalse(e.getMessage().contains("Exception") || e.getMessage().contains("\n"), e.getMessage());
            assertEquals(Optional.of(bad.digest()), store().resolve("bad"));
            assertEquals(Optional.of(bad.digest()), store().resolve(shortHex));
            assertEquals(Optional.of(good.digest()), store().find(good.digest().value()).map(Image::digest), "the others are fine");
            java.util.List<String> unreadable = new java.util.ArrayList<>();
            assertEquals(java.util.List.of(good.digest()), store().list(unreadable::add).stream().map(Image::digest).toList(),
                    "a list shows the others");
            assertEquals(java.util.List.of(e.getMessage()), unreadable);
        }
        store().remove(bad.digest());
        assertEquals(java.util.List.of(good.digest()), store().list().stream().map(Image::digest).toList());
    }
}
