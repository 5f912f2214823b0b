package dev.quilt.cli;

import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RunArgumentsTest {
    private static RunArguments split(List<String> original, List<String> positional) {
        return RunArguments.split("run", original, positional);
    }

    @Test
    void dashesAloneMeanTheDefaultImage() {
        var a = split(List.of("--root", "/r", "run", "--rm", "--", "echo", "hi"), List.of("echo", "hi"));
        assertEquals(Optional.empty(), a.image());
        assertEquals(List.of("echo", "hi"), a.command());
    }

    @Test
    void anImageBeforeTheDashes() {
        var a = split(List.of("run", "alpine", "--", "sh", "-c", "x"), List.of("alpine", "--", "sh", "-c", "x"));
        assertEquals(Optional.of("alpine"), a.image());
        assertEquals(List.of("sh", "-c", "x"), a.command());
    }

    @Test
    void dockerStyleWithoutDashes() {
        var a = split(List.of("run", "alpine", "ls", "-l"), List.of("alpine", "ls", "-l"));
        assertEquals(Optional.of("alpine"), a.image());
        assertEquals(List.of("ls", "-l"), a.command());
    }

    @Test
    void noCommandIsEmpty() {
        // run fills in /bin/sh, run -d and create Quilt's init
        assertEquals(List.of(), split(List.of("run", "alpine"), List.of("alpine")).command());
        assertEquals(List.of(), split(List.of("run"), List.of()).command());
    }

    @Test
    void twoThingsBeforeTheDashesIsAnError() {
        assertThrows(QuiltException.class, () -> split(List.of("run", "a", "b", "--", "x"), List.of("a", "b", "--", "x")));
    }
}
