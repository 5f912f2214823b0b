package dev.quilt.cli;

import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Whatever fails, the user reads one line and no Java exception's class or message. */
class FailuresTest {
    @Test
    void quiltsOwnErrorsSayWhatTheySay() {
        assertEquals("no container 'x'", Failures.describe(QuiltException.notFound("no container 'x'")));
    }

    @Test
    void aFileTheSystemRefusedIsNamedWithTheSystemsReason() {
        assertEquals("cannot use /run/quilt/x: no such file or directory",
                Failures.describe(new UncheckedIOException(new NoSuchFileException("/run/quilt/x"))));
        assertEquals("cannot use /run/quilt/y: permission denied",
                Failures.describe(new AccessDeniedException("/run/quilt/y", null, "Permission denied")));
        assertEquals("i/o error: no space left on device",
                Failures.describe(new UncheckedIOException(new IOException("No space left on device"))));
    }

    @Test
    void anythingElseIsAFaultOfQuiltsWithoutJavaText() {
        for (Throwable t : List.of(new IllegalStateException("boom in FooBar"), new NullPointerException(),
                new java.util.ConcurrentModificationException(), new StackOverflowError(), new ExceptionInInitializerError("x"),
                new UnsatisfiedLinkError("libquilt.so"), new UncheckedIOException(new java.io.EOFException("eof")))) {
            String line = Failures.describe(t);
            assertEquals("internal error (a fault in quilt, not in what you asked); run the command again with --debug"
                    + " to see where, and report it", line, t.toString());
            assertFalse(line.contains(t.getClass().getSimpleName()));
        }
        assertEquals("out of memory; give the JVM more with JAVA_TOOL_OPTIONS=-Xmx... or free some",
                Failures.describe(new OutOfMemoryError("Java heap space")));
    }

    @Test
    void aMultiLineMessageIsOneLine() {
        assertEquals("a b", Failures.describe(QuiltException.invalid("a\nb")));
    }
}
