package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageLayersTest {
    private static ImageLayers.Entry dir(String p) {
        return new ImageLayers.Entry(ArchivePath.parse(p), true);
    }

    private static ImageLayers.Entry file(String p) {
        return new ImageLayers.Entry(ArchivePath.parse(p), false);
    }

    /** path → layer, in the result's order. */
    private static Map<String, Integer> result(ImageLayers l) {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        for (ImageLayers.Kept k : l.result()) m.put(k.path().relative(), k.layer());
        return m;
    }

    @Test
    void laterLayersReplaceEarlierEntriesAndParentsComeFirst() {
        ImageLayers l = new ImageLayers();
        l.apply(List.of(dir("etc/"), file("etc/hosts"), file("etc/passwd"), dir("bin"), file("bin/sh")));
        l.apply(List.of(dir("etc"), file("etc/hosts"), file("a")));
        assertEquals(List.of("a", "bin", "bin/sh", "etc", "etc/hosts", "etc/passwd"),
                new ArrayList<>(result(l).keySet()));
        assertEquals(Map.of("a", 1, "bin", 0, "bin/sh", 0, "etc", 1, "etc/hosts", 1, "etc/passwd", 0),
                new TreeMap<>(result(l)));
    }

    @Test
    void aWhiteoutRemovesTheNameAndAllUnderItButNotItsNeighbours() {
        ImageLayers l = new ImageLayers();
        l.apply(List.of(dir("etc"), file("etc/motd"), dir("usr"), dir("usr/share"), file("usr/share/doc"),
                dir("usr/sharex"), file("usr/sharex/y")));
        l.apply(List.of(file("etc/.wh.motd"), file("usr/.wh.share")));
        assertEquals(List.of("etc", "usr", "usr/sharex", "usr/sharex/y"), new ArrayList<>(result(l).keySet()));
    }

    @Test
    void anOpaqueDirectoryHidesWhatWasBelowButKeepsItsOwnLayersEntries() {
        ImageLayers l = new ImageLayers();
        l.apply(List.of(dir("var"), dir("var/cache"), file("var/cache/a"), dir("var/cache/d"), file("var/cache/d/b"),
                file("var/log")));
        l.apply(List.of(dir("var/cache"), file("var/cache/.wh..wh..opq"), file("var/cache/new")));
        assertEquals(Map.of("var", 0, "var/cache", 1, "var/cache/new", 1, "var/log", 0), new TreeMap<>(result(l)));
    }

    @Test
    void aLayerMayRemoveAPathAndMakeItAnew() {
        ImageLayers l = new ImageLayers();
        l.apply(List.of(dir("opt"), dir("opt/app"), file("opt/app/old")));
        l.apply(List.of(file("opt/.wh.app"), dir("opt/app"), file("opt/app/new")));
        assertEquals(Map.of("opt", 0, "opt/app", 1, "opt/app/new", 1), new TreeMap<>(result(l)));
    }

    @Test
    void aFileReplacingADirectoryTakesItsContentsWithIt() {
        ImageLayers l = new ImageLayers();
        l.apply(List.of(dir("x"), file("x/inside")));
        l.apply(List.of(file("x")));
        assertEquals(Map.of("x", 1), new TreeMap<>(result(l)));
    }

    @Test
    void aWhiteoutOfWhatNoLayerHadIsNothingAndIsNotInTheResult() {
        ImageLayers l = new ImageLayers();
        l.apply(List.of(dir("d"), file("d/.wh.ghost"), file("d/.wh..wh..opq")));
        assertEquals(Map.of("d", 0), new TreeMap<>(result(l)));
    }

    @Test
    void escapingNamesAreRefusedBeforeAnyPlan() {
        assertThrows(QuiltException.class, () -> file("../../x"));
        assertThrows(QuiltException.class, () -> file("/abs"));
    }
}
