package dev.quilt.domain;

import dev.quilt.domain.TreeResolver.Node;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TreeResolverTest {
    /** A tree as a map from path to node; missing paths are Missing. */
    private static TreeResolver.TreeView tree(Map<String, Node> nodes) {
        return components -> nodes.getOrDefault(String.join("/", components), new Node.Missing());
    }

    @Test
    void aSymlinkToAnAbsolutePathIsNotFollowed() {
        var t = tree(Map.of("etc", new Node.Symlink("/etc")));
        QuiltException e = assertThrows(QuiltException.class,
                () -> TreeResolver.resolveParent(ArchivePath.parse("etc/passwd"), "etc/passwd", t));
        assertEquals("refused archive entry 'etc/passwd': it goes through symlink 'etc' to the absolute path '/etc'",
                e.getMessage());
    }

    @Test
    void aRelativeSymlinkThatClimbsOutIsRefused() {
        var t = tree(Map.of("a", new Node.Directory(), "a/up", new Node.Symlink("../../x")));
        assertThrows(QuiltException.class, () -> TreeResolver.resolveParent(ArchivePath.parse("a/up/f"), "a/up/f", t));
    }

    @Test
    void symlinksThatStayInsideAreFollowed() {
        var t = tree(Map.of("usr", new Node.Directory(), "usr/lib", new Node.Directory(), "lib", new Node.Symlink("usr/lib")));
        assertEquals(List.of("usr", "lib", "libc.so"),
                TreeResolver.resolveParent(ArchivePath.parse("lib/libc.so"), "lib/libc.so", t).components());
    }

    @Test
    void theEntryItselfIsNeverFollowed() {
        var t = tree(Map.of("passwd", new Node.Symlink("/etc/passwd")));
        assertEquals(List.of("passwd"), TreeResolver.resolveParent(ArchivePath.parse("passwd"), "passwd", t).components());
    }

    @Test
    void climbingOutOfAMissingDirectoryDoesNotSkipTheNextLink() {
        // found by the property below: x -> nosuch/../y, y -> /etc, then x/passwd
        var t = tree(Map.of("x", new Node.Symlink("nosuch/../y"), "y", new Node.Symlink("/etc")));
        QuiltException e = assertThrows(QuiltException.class,
                () -> TreeResolver.resolveParent(ArchivePath.parse("x/passwd"), "x/passwd", t));
        assertTrue(e.getMessage().contains("absolute path '/etc'"), e.getMessage());
    }

    @Test
    void loopsEndWithAClearError() {
        var t = tree(Map.of("a", new Node.Symlink("b"), "b", new Node.Symlink("a")));
        assertTrue(assertThrows(QuiltException.class, () -> TreeResolver.resolveParent(ArchivePath.parse("a/x"), "a/x", t))
                .getMessage().contains("too many symlinks"));
    }

    @Test
    void hardlinksMustPointAtSomethingInside() {
        var t = tree(Map.of("bin", new Node.Directory(), "bin/sh", new Node.File()));
        assertEquals(List.of("bin", "sh"), TreeResolver.resolveLinkTarget(ArchivePath.parse("bin/sh"), "x", t).components());
        assertThrows(QuiltException.class, () -> TreeResolver.resolveLinkTarget(ArchivePath.parse("etc/shadow"), "x", t));
        assertThrows(QuiltException.class, () -> TreeResolver.resolveLinkTarget(ArchivePath.parse("bin"), "x", t));
    }

    /** A random small tree (jqwik supplies the seed, so a failure replays). */
    static Map<String, Node> randomTree(long seed) {
        java.util.Random r = new java.util.Random(seed);
        String[] names = {"a", "b", "c"};
        String[] targets = {"a", "b", "..", "../..", "/", "/etc", "a/b", "../a", ".", "c/.."};
        Map<String, Node> m = new HashMap<>();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            StringBuilder p = new StringBuilder(names[r.nextInt(3)]);
            for (int d = r.nextInt(3); d > 0; d--) p.append('/').append(names[r.nextInt(3)]);
            int kind = r.nextInt(3);
            m.put(p.toString(), kind == 0 ? new Node.Directory() : kind == 1 ? new Node.File()
                    : new Node.Symlink(targets[r.nextInt(targets.length)]));
        }
        return m;
    }

    @Property(tries = 1000)
    void resolutionNeverLeavesTheTreeNorPassesThroughALink(@ForAll long seed, @ForAll("entryNames") String entry) {
        Map<String, Node> nodes = randomTree(seed);
        var t = tree(nodes);
        try {
            ArchivePath resolved = TreeResolver.resolveParent(ArchivePath.parse(entry), entry, t);
            assertFalse(resolved.components().contains(".."));
            assertFalse(resolved.components().contains("."));
            // every directory on the way is a real directory or missing: never a symlink, never a file
            for (int i = 1; i < resolved.components().size(); i++) {
                Node n = t.lookup(resolved.components().subList(0, i));
                if (n instanceof Node.Missing) break; // below it, mkdir makes the rest
                assertTrue(n instanceof Node.Directory, "through " + n + " in " + nodes);
            }
        } catch (QuiltException e) {
            assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        }
    }

    @Provide
    Arbitrary<String> entryNames() {
        return Arbitraries.of("a", "b", "c", "..", ".").list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("/", l));
    }
}
