package dev.quilt.linux.cgroup;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.CgroupsContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The v2 backend on a temp-dir tree with v2's files and rules: the same contract as v1 on the real kernel. */
class CgroupsV2FixtureTest extends CgroupsContract {
    @TempDir
    Path dir;

    private Path root;
    private V2FixtureFiles files;
    private final Members members = new Members();

    @BeforeEach
    void tree() throws IOException {
        NativeLibrary.load(dir.resolve("native"));
        root = Files.createDirectory(dir.resolve("cgroup"));
        files = new V2FixtureFiles(root);
    }

    @AfterEach
    void noStrays() {
        members.killAll();
    }

    @Override
    protected Cgroups cgroups() {
        Cgroups c = LinuxCgroups.probe(root, dir.resolve("no-mountinfo"), "quilt-test", files);
        assertTrue(c instanceof CgroupsV2, "a tree with cgroup.controllers at the top is v2");
        return c;
    }

    @Override
    protected Member join(ContainerId id, Cgroups.Placement placement) {
        return members.start(pid -> files.write(Path.of(placement.unified().orElseThrow()).resolve("cgroup.procs"), pid));
    }

    @Test
    void writesTheV2FilesAndDelegatesControllers() {
        ContainerId id = newId();
        Cgroups c = cgroups();
        Resources r = Resources.fromFlags("256m", "1g", "1.5", 1024, "64");
        Cgroups.Placement p = c.create(id, r);
        Path d = root.resolve("quilt-test").resolve(id.value());
        assertEquals(Optional.of(d.toString()), p.unified());
        assertEquals("268435456", files.read(d.resolve("memory.max")).strip());
        assertEquals(Long.toString((1L << 30) - (256L << 20)), files.read(d.resolve("memory.swap.max")).strip(),
                "v2 counts swap alone");
        assertEquals("150000 100000", files.read(d.resolve("cpu.max")).strip());
        assertEquals("39", files.read(d.resolve("cpu.weight")).strip());
        assertEquals("64", files.read(d.resolve("pids.max")).strip());
        for (Path level : new Path[] {root, root.resolve("quilt-test")}) {
            String on = files.read(level.resolve("cgroup.subtree_control"));
            for (String ctl : CgroupsV2.CONTROLLERS) assertTrue(on.contains(ctl), level + ": " + on);
        }
        c.remove(id, java.time.Duration.ofSeconds(5));
        assertFalse(Files.exists(d));
    }

    @Test
    void anAbsoluteCgroupsPathIsFromTheRootAndRemovalTakesTheLeafOnly() {
        ContainerId id = newId();
        Cgroups c = cgroups();
        Optional<String> path = Optional.of("/pods/p1/c1");
        Cgroups.Placement p = c.create(id, Resources.DEFAULT, dev.quilt.domain.Security.DEFAULT, path);
        Path d = root.resolve("pods/p1/c1");
        assertEquals(Optional.of(d.toString()), p.unified());
        for (Path level : new Path[] {root.resolve("pods"), root.resolve("pods/p1")}) {
            String on = files.read(level.resolve("cgroup.subtree_control"));
            for (String ctl : CgroupsV2.CONTROLLERS) assertTrue(on.contains(ctl), level + ": " + on);
        }
        assertEquals(Optional.of(d.toString()), c.placement(id, path).unified());
        assertTrue(c.usage(id, path).isPresent());
        assertEquals(Cgroups.Placement.NONE, c.placement(id), "not in quilt's own place");
        Member m = join(id, p);
        c.remove(id, path, java.time.Duration.ofSeconds(5));
        assertTrue(m.awaitGone(java.time.Duration.ofSeconds(5)), "what ran in it is killed");
        assertFalse(Files.exists(d));
        assertTrue(Files.isDirectory(root.resolve("pods/p1")), "the directories on the way are left, as runc leaves them");
        assertTrue(c.usage(id, path).isEmpty());
    }

    @Test
    void aRelativeCgroupsPathIsUnderTheParentAndGoesWhole() {
        ContainerId id = newId();
        Cgroups c = cgroups();
        Optional<String> path = Optional.of("pod1/c1");
        c.create(id, Resources.DEFAULT, dev.quilt.domain.Security.DEFAULT, path);
        assertTrue(Files.isDirectory(root.resolve("quilt-test/pod1/c1")));
        c.remove(id, path, java.time.Duration.ofSeconds(5));
        assertFalse(Files.exists(root.resolve("quilt-test")), "the parent and what was made on the way under it go");
    }

    @Test
    void aCgroupsPathThatExistsOrClimbsIsRefusedAndNothingIsMade() throws IOException {
        Cgroups c = cgroups();
        files.mkdir(root.resolve("theirs"));
        QuiltException e = assertThrows(QuiltException.class, () -> c.create(newId(), Resources.DEFAULT,
                dev.quilt.domain.Security.DEFAULT, Optional.of("/theirs")));
        assertTrue(e.getMessage().startsWith("cgroup " + root.resolve("theirs") + " exists already"), e.getMessage());
        assertTrue(Files.isDirectory(root.resolve("theirs")), "someone else's cgroup is left alone");
        assertThrows(QuiltException.class, () -> c.create(newId(), Resources.DEFAULT, dev.quilt.domain.Security.DEFAULT,
                Optional.of("/a/../../b")));
        assertFalse(Files.exists(root.resolve("b")));
    }

    @Test
    void aMissingControllerIsNamed() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu io\n");
        QuiltException e = assertThrows(QuiltException.class, () -> cgroups().create(newId(), Resources.DEFAULT));
        assertTrue(e.getMessage().contains("lacks the memory, pids controller(s)"), e.getMessage());
    }

    @Test
    void aLimitTheKernelRefusesLeavesNoCgroup() {
        ContainerId id = newId();
        V2FixtureFiles refusing = new V2FixtureFiles(root) {
            @Override
            public void write(Path file, String value) {
                if (file.getFileName().toString().equals("pids.max")) throw failed("write", file, new IOException("invalid argument"));
                super.write(file, value);
            }
        };
        Cgroups c = new CgroupsV2(root, "quilt-test", refusing);
        assertThrows(QuiltException.class, () -> c.create(id, Resources.DEFAULT));
        assertFalse(c.present().contains(id), "half-made cgroup left");
    }

    @Test
    void theParentGoesWithTheLastContainerAndComesBackWithTheNext() {
        Cgroups c = cgroups();
        Path parent = root.resolve("quilt-test");
        ContainerId a = newId();
        ContainerId b = newId();
        c.create(a, Resources.DEFAULT);
        c.create(b, Resources.DEFAULT);
        c.remove(a, java.time.Duration.ofSeconds(5));
        assertTrue(Files.isDirectory(parent), "b is still under it");
        c.remove(b, java.time.Duration.ofSeconds(5));
        assertFalse(Files.exists(parent), "gone with the last one");
        c.removeParentIfUnused(); // nothing there: nothing to do
        c.create(a, Resources.DEFAULT);
        assertTrue(Files.isDirectory(parent.resolve(a.value())), "made again, controllers delegated again");
        assertTrue(files.read(parent.resolve("cgroup.subtree_control")).contains("memory"));
        c.remove(a, java.time.Duration.ofSeconds(5));
        assertFalse(Files.exists(parent));
    }
}
