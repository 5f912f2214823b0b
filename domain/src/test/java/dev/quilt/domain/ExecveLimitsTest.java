package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecveLimitsTest {
    private static final long ARG_MAX = 2L * 1024 * 1024;

    private static String error(Runnable r) {
        return assertThrows(QuiltException.class, r::run).getMessage();
    }

    @Test
    void twoEnvValuesOf106000BytesAreFine() {
        ExecveLimits.check(List.of("sh", "-c", "echo"), List.of("A=" + "a".repeat(106_000), "B=" + "b".repeat(106_000)),
                ARG_MAX);
    }

    @Test
    void oneStringOverMaxArgStrlenIsNamed() {
        assertEquals("env 'A' is 200002 bytes; the kernel takes at most 131071 per string (MAX_ARG_STRLEN)",
                error(() -> ExecveLimits.check(List.of("true"), List.of("A=" + "x".repeat(200_000)), ARG_MAX)));
        assertEquals("argument 2 of the command is 131072 bytes; the kernel takes at most 131071 per string (MAX_ARG_STRLEN)",
                error(() -> ExecveLimits.check(List.of("echo", "y".repeat(131_072)), List.of(), ARG_MAX)));
        // 131071 bytes and its NUL is what the kernel still takes
        ExecveLimits.check(List.of("echo", "y".repeat(131_071)), List.of("K=" + "v".repeat(131_069)), ARG_MAX);
        // a multi-byte character counts as its bytes
        assertTrue(error(() -> ExecveLimits.check(List.of("true"), List.of("U=" + "é".repeat(70_000)), ARG_MAX))
                .startsWith("env 'U' is 140002 bytes"));
    }

    @Test
    void allTogetherPastArgMaxIsOneLine() {
        List<String> env = Collections.nCopies(20, "K=" + "v".repeat(120_000));
        String e = error(() -> ExecveLimits.check(List.of("true"), env, ARG_MAX));
        assertTrue(e.startsWith("the command and its environment take "), e);
        assertTrue(e.endsWith("the kernel takes at most 2097152 in all (ARG_MAX, a quarter of the stack limit: ulimit -s)"), e);
    }

    /** The refusal says which part it is about, so the API can name its field (Cmd, Env). */
    @Test
    void theRefusalNamesItsPart() {
        ExecveLimits.Refused empty = assertThrows(ExecveLimits.Refused.class,
                () -> ExecveLimits.check(List.of("", "x"), List.of(), ARG_MAX));
        assertEquals(ExecveLimits.Part.PROGRAM, empty.part());
        assertEquals("exec \"\": executable file not found in $PATH (the command's first word is empty)",
                empty.getMessage());
        assertEquals(ExecveLimits.Part.ARGUMENT, assertThrows(ExecveLimits.Refused.class,
                () -> ExecveLimits.check(List.of("echo", "y".repeat(131_072)), List.of(), ARG_MAX)).part());
        assertEquals(ExecveLimits.Part.ENVIRONMENT, assertThrows(ExecveLimits.Refused.class,
                () -> ExecveLimits.check(List.of("true"), List.of("A=" + "x".repeat(200_000)), ARG_MAX)).part());
        assertEquals(ExecveLimits.Part.TOTAL, assertThrows(ExecveLimits.Refused.class,
                () -> ExecveLimits.check(Collections.nCopies(20, "a".repeat(120_000)), List.of(), ARG_MAX)).part());
    }

    @Test
    void argMaxIsAQuarterOfTheStackWithinTheKernelsBounds() {
        assertEquals(2L * 1024 * 1024, ExecveLimits.argMax(OptionalLong.of(8L << 20)));
        assertEquals(ExecveLimits.MAX_ARG_MAX, ExecveLimits.argMax(OptionalLong.empty()));
        assertEquals(ExecveLimits.MAX_ARG_MAX, ExecveLimits.argMax(OptionalLong.of(1L << 40)));
        assertEquals(ExecveLimits.MIN_ARG_MAX, ExecveLimits.argMax(OptionalLong.of(64 * 1024)));
    }

    @Property
    void bytesAreTheUtf8Length(@ForAll String s) {
        String t = s.replaceAll("[\\uD800-\\uDFFF]", "x"); // lone surrogates have no UTF-8 form
        assertEquals(t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, ExecveLimits.bytes(t));
        assertEquals(4, ExecveLimits.bytes("\uD83D\uDE00"), "a character outside the BMP is four bytes");
    }

    @Property
    void whatPassesFitsTheKernelsSum(@ForAll @LongRange(min = 1, max = 400) long kib) {
        List<String> env = List.of("K=" + "v".repeat((int) (kib * 1024 / 4)), "L=" + "w".repeat((int) (kib * 1024 / 4)));
        try {
            ExecveLimits.check(List.of("sh"), env, ExecveLimits.MIN_ARG_MAX);
            long sum = 0;
            for (String s : env) sum += s.length() + 1 + 8;
            assertTrue(sum <= ExecveLimits.MIN_ARG_MAX, "passed with " + sum);
        } catch (QuiltException e) {
            assertTrue(e.getMessage().contains("MAX_ARG_STRLEN") || e.getMessage().contains("ARG_MAX"), e.getMessage());
        }
    }
}
