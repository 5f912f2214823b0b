package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /containers/{id}/archive} on the real kernel: tar in and out byte for byte, docker's layout and stat,
 * and the docker cp escapes (CVE-2018-15664's class): a container-made symlink to "/", entries with "..", an
 * absolute name, and a symlink entry followed by a file through it; none may write on the host.
 */
class ArchiveRoutesIT {
    static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    static Path root;
    static Quilt quilt;
    static Served served;
    static ApiClient api;
    static long uidBase;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-archive-routes");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        // the test's own subordinate ids (as UsernsIT): the host's /etc/subuid is never read
        uidBase = (1L << 31) + java.util.concurrent.ThreadLocalRandom.current().nextLong(1 << 14) * 65536;
        Files.writeString(root.resolve("subuid"), "containers:" + uidBase + ":65536\n");
        Files.writeString(root.resolve("subgid"), "containers:" + uidBase + ":65536\n");
        quilt.env.put("QUILT_SUBUID_FILE", root.resolve("subuid").toString());
        quilt.env.put("QUILT_SUBGID_FILE", root.resolve("subgid").toString());
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "files", "-e", MARK,
                "--", "sleep", "2147483647");
        assertEquals(0, r.exit(), r.err());
        served = Served.start(quilt, root);
        api = served.client();
    }

    @AfterAll
    static void down() throws Exception {
        try {
            quilt.run("rm", "-f", "files");
            for (String c : new String[] {"mapped", "done", "ro"}) quilt.run("rm", "-f", c);
            if (served != null) served.close();
        } finally {
            quilt.close(MARK);
        }
    }

    /** An entry of a test tar: a file's bytes, a directory (null data), or a symlink (link set). */
    record E(String name, byte[] data, String link) {
        static E file(String name, byte[] data) {
            return new E(name, data, null);
        }

        static E dir(String name) {
            return new E(name, null, null);
        }

        static E symlink(String name, String target) {
            return new E(name, null, target);
        }
    }

    /** Names are kept as given: "../x" and "/abs" too (preserveAbsolutePath). */
    static byte[] tar(E... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (E e : entries) {
                TarArchiveEntry te;
                if (e.link() != null) {
                    te = new TarArchiveEntry(e.name(), TarArchiveEntry.LF_SYMLINK, true);
                    te.setLinkName(e.link());
                } else if (e.data() == null) {
                    te = new TarArchiveEntry(e.name().endsWith("/") ? e.name() : e.name() + "/", true);
                } else {
                    te = new TarArchiveEntry(e.name(), true);
                    te.setSize(e.data().length);
                }
                te.setModTime(1_700_000_000_000L);
                t.putArchiveEntry(te);
                if (e.data() != null && e.link() == null) t.write(e.data());
                t.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    /** name → bytes (directories: empty, with their '/'), in the tar's order. */
    static Map<String, byte[]> untar(byte[] tar) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                m.put(e.isDirectory() && !e.getName().endsWith("/") ? e.getName() + "/" : e.getName(),
                        e.isDirectory() ? new byte[0] : in.readAllBytes());
            }
        }
        return m;
    }

    static ApiClient.Response put(String path, byte[] tar) throws IOException {
        return api.request("PUT", "/v1.41/containers/files/archive?path=" + path, "application/x-tar", tar);
    }

    static ApiClient.Response get(String container, String path) throws IOException {
        return api.get("/v1.41/containers/" + container + "/archive?path=" + path);
    }

    static JsonNode stat(ApiClient.Response r) throws IOException {
        String h = r.header(ArchiveHeader.NAME);
        assertTrue(h != null, "the stat header: " + r.headers());
        return ApiClient.JSON.readTree(Base64.getDecoder().decode(h));
    }

    /** Docker's header name, as clients read it (lower case here: the test client keys headers so). */
    static final class ArchiveHeader {
        static final String NAME = "X-Docker-Container-Path-Stat";
    }

    static String message(ApiClient.Response r) throws IOException {
        return r.json().get("message").asText();
    }

    @Test
    void aThousandSmallFilesAndTwentyMegabytesGoInAndComeBackByteForByte() throws Exception {
        Random random = new Random(15);
        E[] entries = new E[1002];
        entries[0] = E.dir("bundle");
        for (int i = 0; i < 1000; i++) {
            byte[] d = new byte[random.nextInt(300)];
            random.nextBytes(d);
            entries[i + 1] = E.file(String.format("bundle/f%04d", i), d);
        }
        byte[] big = new byte[20 << 20];
        random.nextBytes(big);
        entries[1001] = E.file("bundle/big.bin", big);
        ApiClient.Response r = put("/tmp", tar(entries));
        assertEquals(200, r.status(), r.text());

        ApiClient.Response back = get("files", "/tmp/bundle");
        assertEquals(200, back.status(), back.text());
        assertEquals("application/x-tar", back.header("Content-Type"));
        Map<String, byte[]> got = untar(back.body());
        assertTrue(got.containsKey("bundle/"), "the top entry is the base name: " + got.keySet().iterator().next());
        assertEquals(1002, got.size());
        for (int i = 1; i < entries.length; i++) {
            assertArrayEquals(entries[i].data(), got.get(entries[i].name()), entries[i].name());
        }

        ApiClient.Response one = get("files", "/tmp/bundle/f0007");
        Map<String, byte[]> single = untar(one.body());
        assertEquals(java.util.List.of("f0007"), java.util.List.copyOf(single.keySet()));
        assertArrayEquals(entries[8].data(), single.get("f0007"));
        JsonNode s = stat(one);
        assertEquals("f0007", s.get("name").asText());
        assertEquals(entries[8].data().length, s.get("size").asLong());
        assertEquals(0644, s.get("mode").asLong() & 0777);
    }

    @Test
    void headGivesTheStatOnlyWithGosModeBits() throws Exception {
        ApiClient.Response h = api.head("/v1.41/containers/files/archive?path=/tmp");
        assertEquals(200, h.status());
        assertEquals(0, h.body().length);
        JsonNode s = stat(h);
        assertEquals("tmp", s.get("name").asText());
        assertTrue((s.get("mode").asLong() & (1L << 31)) != 0, "os.ModeDir: " + s);
        assertTrue(s.get("mtime").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), s.toString());
        assertEquals(0, quilt.run("exec", "files", "--", "ln", "-s", "/etc/hostname", "/tmp/link").exit());
        JsonNode l = stat(api.head("/v1.41/containers/files/archive?path=/tmp/link"));
        assertEquals("/etc/hostname", l.get("linkTarget").asText());
        assertTrue((l.get("mode").asLong() & (1L << 27)) != 0, "os.ModeSymlink: " + l);
    }

    @Test
    void aSymlinkTheContainerMadeToRootIsTheContainersRoot() throws Exception {
        assertEquals(0, quilt.run("exec", "files", "--", "ln", "-s", "/", "/evil").exit());
        String name = "escape-" + UUID.randomUUID();
        ApiClient.Response r = put("/evil/tmp", tar(E.file(name, "inside".getBytes(StandardCharsets.UTF_8))));
        assertEquals(200, r.status(), r.text());
        assertFalse(Files.exists(Path.of("/tmp", name)), "nothing on the host's /tmp");
        Quilt.Result cat = quilt.run("exec", "files", "--", "cat", "/tmp/" + name);
        assertEquals("inside", cat.out(), cat.err());
        ApiClient.Response g = get("files", "/evil/etc/hostname");
        assertEquals(200, g.status());
        assertFalse(Arrays.equals(Files.readAllBytes(Path.of("/etc/hostname")), untar(g.body()).get("hostname"))
                && !new String(untar(g.body()).get("hostname"), StandardCharsets.UTF_8).contains("files"),
                "the container's hostname, not the host's");
    }

    @Test
    void escapingEntriesAreRefusedByNameAndWriteNothingOnTheHost() throws Exception {
        String id = UUID.randomUUID().toString();
        assertEquals(0, quilt.run("exec", "files", "--", "mkdir", "-p", "/tmp/a/b").exit());

        ApiClient.Response dots = put("/tmp/a/b", tar(E.file("../../../../../../tmp/dots-" + id, new byte[] {1})));
        assertEquals(400, dots.status(), dots.text());
        assertTrue(message(dots).contains("dots-" + id) && message(dots).contains("refused"), dots.text());
        assertFalse(Files.exists(Path.of("/tmp/dots-" + id)));

        ApiClient.Response abs = put("/tmp", tar(E.file("/tmp/abs-" + id, new byte[] {1})));
        assertEquals(400, abs.status(), abs.text());
        assertTrue(message(abs).contains("abs-" + id), abs.text());
        assertFalse(Files.exists(Path.of("/tmp/abs-" + id)));

        Path hostDir = Files.createTempDirectory("quilt-archive-target");
        try {
            ApiClient.Response through = put("/tmp", tar(E.symlink("out-" + id, hostDir.toString()),
                    E.file("out-" + id + "/thru", new byte[] {1})));
            assertEquals(400, through.status(), through.text());
            assertTrue(message(through).contains("out-" + id + "/thru"), through.text());
            try (var s = Files.list(hostDir)) {
                assertEquals(0, s.count(), "nothing written through the link on the host");
            }
        } finally {
            Files.delete(hostDir);
        }
        assertFalse(message(dots).contains("Exception"), dots.text());
    }

    @Test
    void refusalsAreDockersStatuses() throws Exception {
        ApiClient.Response missing = get("files", "/no/such/path");
        assertEquals(404, missing.status());
        assertEquals("Could not find the file /no/such/path in container files", message(missing));
        assertEquals(404, api.head("/v1.41/containers/files/archive?path=/nope").status());
        ApiClient.Response putMissing = put("/no/such/dir", tar(E.file("x", new byte[] {1})));
        assertEquals(404, putMissing.status(), putMissing.text());
        ApiClient.Response notDir = put("/etc/hostname", tar(E.file("x", new byte[] {1})));
        assertEquals(400, notDir.status(), notDir.text());
        assertTrue(message(notDir).contains("not a directory"), notDir.text());
        ApiClient.Response noPath = api.get("/v1.41/containers/files/archive");
        assertEquals(400, noPath.status());
        assertTrue(message(noPath).startsWith("path"), noPath.text());
        assertEquals(404, get("nosuchcontainer", "/").status());
        ApiClient.Response junk = put("/tmp", "not a tar at all, just words".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, junk.status(), junk.text());

        Quilt.Result done = quilt.run("run", "-d", "--network", "none", "--name", "done", "-e", MARK, "--", "true");
        assertEquals(0, done.exit(), done.err());
        assertEquals(0, quilt.run("wait", "done").exit());
        ApiClient.Response stopped = get("done", "/etc");
        assertEquals(409, stopped.status(), stopped.text());
        assertTrue(message(stopped).contains("running or paused"), stopped.text());
        assertEquals(0, quilt.run("rm", "done").exit());

        Quilt.Result ro = quilt.run("run", "-d", "--network", "none", "--read-only", "--name", "ro", "-e", MARK,
                "--", "sleep", "2147483647");
        assertEquals(0, ro.exit(), ro.err());
        try {
            ApiClient.Response denied = api.request("PUT", "/v1.41/containers/ro/archive?path=/etc",
                    "application/x-tar", tar(E.file("nope", new byte[] {1})));
            assertEquals(403, denied.status(), denied.text());
            assertTrue(message(denied).contains("read-only"), denied.text());
            ApiClient.Response tmpfs = api.request("PUT", "/v1.41/containers/ro/archive?path=/tmp",
                    "application/x-tar", tar(E.file("fine", new byte[] {1})));
            assertEquals(200, tmpfs.status(), tmpfs.text());
        } finally {
            assertEquals(0, quilt.run("rm", "-f", "ro").exit());
        }
    }

    @Test
    void anExistingFileIsReplacedAndNoOverwriteDirNonDirRefusesADirectoryForAFile() throws Exception {
        assertEquals(200, put("/tmp", tar(E.file("replace-me", "one".getBytes(StandardCharsets.UTF_8)))).status());
        assertEquals(200, put("/tmp", tar(E.file("replace-me", "two!".getBytes(StandardCharsets.UTF_8)))).status());
        assertEquals("two!", new String(untar(get("files", "/tmp/replace-me").body()).get("replace-me"),
                StandardCharsets.UTF_8));
        assertEquals(0, quilt.run("exec", "files", "--", "mkdir", "-p", "/tmp/keepdir").exit());
        ApiClient.Response r = api.request("PUT", "/v1.41/containers/files/archive?path=/tmp&noOverwriteDirNonDir=1",
                "application/x-tar", tar(E.file("keepdir", new byte[] {1})));
        assertEquals(400, r.status(), r.text());
        assertTrue(message(r).contains("cannot overwrite directory 'keepdir'"), r.text());
        ApiClient.Response bad = api.request("PUT", "/v1.41/containers/files/archive?path=/tmp&copyUIDGID=maybe",
                "application/x-tar", tar(E.file("x", new byte[] {1})));
        assertEquals(400, bad.status(), bad.text());
        assertTrue(message(bad).contains("copyUIDGID"), bad.text());
    }

    @Test
    void inAUserNamespaceOwnersAreTheContainersAndCopyUidGidKeepsTheTars() throws Exception {
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--userns", "auto", "--name", "mapped", "-e",
                MARK, "--", "sleep", "2147483647");
        assertEquals(0, r.exit(), r.err());
        Path upper = root.resolve("data/containers").resolve(r.out().strip()).resolve("upper");
        TarArchiveEntry kept = new TarArchiveEntry("kept");
        kept.setIds(1000, 1000);
        kept.setSize(1);
        TarArchiveEntry rooted = new TarArchiveEntry("rooted");
        rooted.setIds(1000, 1000);
        rooted.setSize(1);
        for (boolean copy : new boolean[] {true, false}) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
                t.putArchiveEntry(copy ? kept : rooted);
                t.write(1);
                t.closeArchiveEntry();
            }
            ApiClient.Response p = api.request("PUT", "/v1.41/containers/mapped/archive?path=/tmp&copyUIDGID="
                    + copy, "application/x-tar", b.toByteArray());
            assertEquals(200, p.status(), p.text());
        }
        // on the host: the container's ids moved by its range; inside: the tar's (or its root's)
        assertEquals(uidBase + 1000, (int) Files.getAttribute(upper.resolve("tmp/kept"), "unix:uid") & 0xffffffffL);
        assertEquals(uidBase, (int) Files.getAttribute(upper.resolve("tmp/rooted"), "unix:uid") & 0xffffffffL);
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(
                api.get("/v1.41/containers/mapped/archive?path=/tmp/kept").body()))) {
            assertEquals(1000, in.getNextEntry().getLongUserId());
        }
        assertEquals(0, quilt.run("rm", "-f", "mapped").exit());
    }

    @Test
    void gzippedBodiesAndTarsPaddedPastTheirEndAreTaken() throws Exception {
        byte[] plain = tar(E.file("zipped.txt", "squeezed".getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(z)) {
            g.write(plain);
        }
        assertEquals(200, put("/tmp", z.toByteArray()).status());
        assertEquals("squeezed", new String(untar(get("files", "/tmp/zipped.txt").body()).get("zipped.txt"),
                StandardCharsets.UTF_8));
        // tar(1) pads an archive to a 10 KiB record; a client may send more zeros still
        byte[] padded = Arrays.copyOf(tar(E.file("padded.txt", new byte[] {1})), 1 << 20);
        ApiClient.Response r = put("/tmp", padded);
        assertEquals(200, r.status(), r.text());
    }

    @Test
    void aPausedContainerStillServesFiles() throws Exception {
        assertEquals(0, quilt.run("pause", "files").exit());
        try {
            ApiClient.Response g = get("files", "/etc/hostname");
            assertEquals(200, g.status(), g.text());
            assertEquals(200, put("/tmp", tar(E.file("while-paused", new byte[] {7}))).status());
        } finally {
            assertEquals(0, quilt.run("unpause", "files").exit());
        }
        assertEquals(200, api.head("/v1.41/containers/files/archive?path=/tmp/while-paused").status());
    }
}
