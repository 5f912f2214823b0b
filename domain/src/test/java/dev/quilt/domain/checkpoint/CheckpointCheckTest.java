package dev.quilt.domain.checkpoint;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CheckpointCheck}: an intact checkpoint passes, and each kind of damage is its own line naming the file. */
class CheckpointCheckTest {
    private static final Digest IMAGE = Digest.sha256("a".repeat(64));

    private static Digest sha(int seed) {
        byte[] b = new byte[32];
        b[0] = (byte) seed;
        b[1] = (byte) (seed >> 8);
        b[31] = 7;
        return Digest.sha256(HexFormat.of().formatHex(b));
    }

    private static CheckpointManifest manifest(List<CheckpointManifest.FileEntry> files, Optional<Digest> spec,
                                               Optional<Digest> image) {
        return new CheckpointManifest(CheckpointManifest.FORMAT, new CheckpointName("cp1"),
                ContainerId.of("c".repeat(64)), Optional.of(ContainerName.of("web")), Instant.EPOCH, "4.1.1",
                "6.18.0", spec, image, false, false, CheckpointManifest.Externals.NONE, files);
    }

    /** The manifest's files, each with what an intact disk holds. */
    private static List<CheckpointManifest.FileEntry> files(int images) {
        List<CheckpointManifest.FileEntry> out = new ArrayList<>();
        out.add(new CheckpointManifest.FileEntry(CheckpointManifest.CONTAINER, 900, sha(1)));
        out.add(new CheckpointManifest.FileEntry(CheckpointManifest.LAYER, 10240, sha(2)));
        out.add(new CheckpointManifest.FileEntry("criu/pages-1.img", 4096 * 3, sha(3)));
        for (int i = 0; i < images; i++) {
            out.add(new CheckpointManifest.FileEntry("criu/core-" + (i + 1) + ".img", 100 + i, sha(10 + i)));
        }
        return out;
    }

    private static List<CheckpointCheck.Found> intact(List<CheckpointManifest.FileEntry> files) {
        return files.stream().map(e -> new CheckpointCheck.Found(e.path(), e.size(), e.sha256(),
                Optional.of(e.path().equals("criu/pages-1.img") ? 0 : CheckpointCheck.IMG_COMMON_MAGIC))).toList();
    }

    private static List<String> check(CheckpointManifest m, List<CheckpointCheck.Found> found) {
        return CheckpointCheck.problems("web/cp1", Optional.of(m), found, d -> d.equals(IMAGE));
    }

    @Provide
    Arbitrary<Integer> imageCounts() {
        return Arbitraries.integers().between(0, 30);
    }

    @Property
    void anIntactCheckpointHasNoProblem(@ForAll("imageCounts") int images) {
        List<CheckpointManifest.FileEntry> files = files(images);
        CheckpointManifest m = manifest(files, Optional.of(sha(1)), Optional.of(IMAGE));
        assertEquals(List.of(), check(m, intact(files)));
    }

    enum Damage { MISSING, TRUNCATED, FLIPPED, NO_MAGIC }

    @Property
    void eachDamageIsOneLineNamingTheFile(@ForAll("imageCounts") int images, @ForAll Damage damage,
                                          @ForAll("indexes") int pick) {
        List<CheckpointManifest.FileEntry> files = files(images);
        CheckpointManifest m = manifest(files, Optional.of(sha(1)), Optional.of(IMAGE));
        List<CheckpointCheck.Found> found = new ArrayList<>(intact(files));
        int i = damage == Damage.NO_MAGIC ? 3 + pick % Math.max(1, images) : pick % files.size();
        if (damage == Damage.NO_MAGIC && images == 0) return;
        CheckpointCheck.Found f = found.get(i);
        switch (damage) {
            case MISSING -> found.remove(i);
            case TRUNCATED -> found.set(i, new CheckpointCheck.Found(f.path(), f.size() - 1, sha(999), f.head()));
            case FLIPPED -> found.set(i, new CheckpointCheck.Found(f.path(), f.size(), sha(998), f.head()));
            case NO_MAGIC -> found.set(i, new CheckpointCheck.Found(f.path(), f.size(), f.sha256(), Optional.of(0)));
        }
        List<String> problems = check(m, found);
        assertEquals(1, problems.size(), problems.toString());
        String line = problems.get(0);
        assertTrue(line.contains(f.path()), line);
        assertTrue(!line.contains("\n") && line.startsWith("checkpoint 'web/cp1'"), line);
        String expected = switch (damage) {
            case MISSING -> "is missing";
            case TRUNCATED -> "(truncated?)";
            case FLIPPED -> "has changed since the dump";
            case NO_MAGIC -> "is not a CRIU image";
        };
        assertTrue(line.contains(expected), line);
    }

    @Provide
    Arbitrary<Integer> indexes() {
        return Arbitraries.integers().between(0, 1000);
    }

    @Test
    void noManifestIsItsOwnLine() {
        List<String> p = CheckpointCheck.problems("web/cp1", Optional.empty(), List.of(), d -> true);
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("has no manifest.json"), p.get(0));
        assertTrue(p.get(0).contains("quilt checkpoint rm web/cp1"), p.get(0));
    }

    @Test
    void anExtraFileIsNamed() {
        List<CheckpointManifest.FileEntry> files = files(1);
        List<CheckpointCheck.Found> found = new ArrayList<>(intact(files));
        found.add(new CheckpointCheck.Found("criu/evil.img", 1, sha(5), Optional.empty()));
        List<String> p = check(manifest(files, Optional.of(sha(1)), Optional.of(IMAGE)), found);
        assertEquals(List.of("checkpoint 'web/cp1' is damaged: criu/evil.img is not in its manifest (added after the"
                + " dump?); remove it with 'quilt checkpoint rm web/cp1'"), p);
    }

    @Test
    void digestsMustBeThereAndMatch() {
        List<CheckpointManifest.FileEntry> files = files(1);
        assertTrue(check(manifest(files, Optional.empty(), Optional.of(IMAGE)), intact(files)).get(0)
                .contains("has no spec digest"));
        assertTrue(check(manifest(files, Optional.of(sha(1)), Optional.empty()), intact(files)).get(0)
                .contains("has no image digest"));
        assertTrue(check(manifest(files, Optional.of(sha(77)), Optional.of(IMAGE)), intact(files)).get(0)
                .contains("container.json does not match the manifest's spec digest"));
    }

    @Test
    void anImageNotInTheStoreIsSaid() {
        List<CheckpointManifest.FileEntry> files = files(1);
        List<String> p = CheckpointCheck.problems("web/cp1", Optional.of(manifest(files, Optional.of(sha(1)),
                Optional.of(IMAGE))), intact(files), d -> false);
        assertEquals(List.of("checkpoint 'web/cp1' needs image aaaaaaaaaaaa, which is not in the image store; import"
                + " that image again, then restore"), p);
    }

    @Test
    void aNewerFormatIsRefused() {
        CheckpointManifest m = manifest(files(0), Optional.of(sha(1)), Optional.of(IMAGE));
        CheckpointManifest newer = new CheckpointManifest(2, m.name(), m.containerId(), m.containerName(),
                m.created(), m.criuVersion(), m.kernelRelease(), m.specDigest(), m.imageDigest(), false, false,
                m.externals(), m.files());
        assertTrue(check(newer, intact(m.files())).get(0).contains("written by a newer quilt"));
    }

    @Test
    void criuMagicIsExpectedOfItsOwnImagesOnly() {
        assertTrue(CheckpointCheck.hasCriuMagic("criu/core-1.img"));
        assertTrue(!CheckpointCheck.hasCriuMagic("criu/pages-1.img"));
        assertTrue(!CheckpointCheck.hasCriuMagic("criu/tmpfs-dev-5.tar.gz.img"));
        assertTrue(!CheckpointCheck.hasCriuMagic("rootfs-diff.tar"));
        assertTrue(!CheckpointCheck.hasCriuMagic("criu/dump.log"));
    }

    @Test
    void namesAndRefs() {
        assertEquals("20261201T124502.123Z", CheckpointName.at(Instant.parse("2026-12-01T12:45:02.123Z")).value());
        assertEquals(Optional.empty(), CheckpointName.parse(".tmp-1-2-x"));
        CheckpointRef r = CheckpointRef.parse("web/cp1");
        assertEquals("web", r.container());
        assertEquals("cp1", r.name().orElseThrow().value());
        assertEquals(Optional.empty(), CheckpointRef.parse("web").name());
        for (String bad : List.of("", "/x", "x/", "a/b/c", "a/..", "a/.x")) {
            assertThrowsInvalid(bad);
        }
    }

    private static List<CheckpointCheck.Listed> listed(List<CheckpointManifest.FileEntry> files) {
        return files.stream().map(e -> new CheckpointCheck.Listed(e.path(), e.size())).toList();
    }

    /** {@code checkpoint ls}'s check, without hashing: names and sizes against the manifest, short problems. */
    @Property
    void aListingSeesNamesAndSizesButNotContent(@ForAll("imageCounts") int images, @ForAll("indexes") int pick) {
        List<CheckpointManifest.FileEntry> files = files(images);
        CheckpointManifest m = manifest(files, Optional.of(sha(1)), Optional.of(IMAGE));
        assertEquals(List.of(), CheckpointCheck.listed(Optional.of(m), listed(files)));
        CheckpointManifest.FileEntry victim = files.get(pick % files.size());
        List<CheckpointCheck.Listed> cut = new ArrayList<>(listed(files));
        cut.replaceAll(l -> l.path().equals(victim.path()) ? new CheckpointCheck.Listed(l.path(), l.size() - 1) : l);
        assertEquals(victim.path() + " is " + (victim.size() - 1) + " bytes, the manifest says " + victim.size()
                + " (truncated?)", CheckpointCheck.listed(Optional.of(m), cut).get(0));
        List<CheckpointCheck.Listed> gone = listed(files).stream().filter(l -> !l.path().equals(victim.path())).toList();
        assertEquals(victim.path() + " is missing", CheckpointCheck.listed(Optional.of(m), gone).get(0));
        List<CheckpointCheck.Listed> extra = new ArrayList<>(listed(files));
        extra.add(new CheckpointCheck.Listed("criu/zz-extra.img", 8));
        assertEquals("criu/zz-extra.img is not in its manifest (added after the dump?)",
                CheckpointCheck.listed(Optional.of(m), extra).get(0));
        assertEquals(List.of("no manifest.json"), CheckpointCheck.listed(Optional.empty(), listed(files)));
    }

    @Test
    void aManifestPathOutsideTheCheckpointIsDamageForBothChecks() {
        for (String bad : List.of("../../etc/passwd", "/etc/passwd", "criu/../../x", "criu//x", "./x")) {
            List<CheckpointManifest.FileEntry> files = new ArrayList<>(files(1));
            files.add(new CheckpointManifest.FileEntry(bad, 10, sha(99)));
            CheckpointManifest m = manifest(files, Optional.of(sha(1)), Optional.of(IMAGE));
            assertEquals(List.of("its manifest names " + bad + ", outside the checkpoint"),
                    CheckpointCheck.listed(Optional.of(m), listed(files)), bad);
            List<String> full = check(m, intact(files(1)));
            assertEquals(1, full.size(), full.toString());
            assertEquals("checkpoint 'web/cp1' is damaged: its manifest names " + bad + ", outside the checkpoint;"
                    + " remove it with 'quilt checkpoint rm web/cp1'", full.get(0));
        }
    }

    private static void assertThrowsInvalid(String ref) {
        dev.quilt.domain.QuiltException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.quilt.domain.QuiltException.class, () -> CheckpointRef.parse(ref));
        assertEquals(dev.quilt.domain.QuiltException.Kind.INVALID_INPUT, e.kind());
    }
}
