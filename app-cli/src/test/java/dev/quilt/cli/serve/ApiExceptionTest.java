package dev.quilt.cli.serve;

import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each failure's Docker status and one line: Quilt's kinds map onto HTTP; Java's own text never reaches a client. */
class ApiExceptionTest {
    @Test
    void quiltKindsMapOntoDockersStatuses() {
        assertEquals(400, ApiException.of(QuiltException.invalid("bad --memory")).status());
        assertEquals(404, ApiException.of(QuiltException.notFound("no such container: web")).status());
        assertEquals(409, ApiException.of(QuiltException.conflict("container 'web' is running")).status());
        assertEquals(403, ApiException.of(new QuiltException(QuiltException.Kind.PERMISSION, "not root")).status());
        assertEquals(500, ApiException.of(new QuiltException(QuiltException.Kind.SYSTEM, "mount failed")).status());
        assertEquals("no such container: web", ApiException.of(QuiltException.notFound("no such container: web"))
                .getMessage());
    }

    @Test
    void aReferenceToNoContainerIsSaidInDockerdsWordsWhateverTheCliSays() {
        ApiException e = ApiException.of(new NoSuchContainerException("web", "no container 'web'; 'quilt ps -a' lists them"));
        assertEquals(404, e.status());
        assertEquals("No such container: web", e.getMessage());
    }

    @Test
    void aPrefixOfSeveralIdsIsCurrentDockerdsInvalidParameter() {
        ApiException e = ApiException.of(new dev.quilt.domain.AmbiguousContainerException("ab",
                "'ab' is the start of 2 container ids; give more of it, or the name"));
        assertEquals(400, e.status());
        assertEquals("multiple IDs found with provided prefix: ab", e.getMessage());
    }

    @Test
    void anApiExceptionIsItself() {
        ApiException e = ApiException.conflict("busy");
        assertSame(e, ApiException.of(e));
        assertEquals(400, ApiException.badRequest("x").status());
        assertEquals(404, ApiException.notFound("x").status());
    }

    @Test
    void aQuiltMessageOnSeveralLinesBecomesOne() {
        ApiException e = ApiException.of(QuiltException.invalid("first\nsecond"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void anythingElseIsA500WithoutJavasText() {
        ApiException npe = ApiException.of(new NullPointerException("Cannot invoke \"String.length()\""));
        assertEquals(500, npe.status());
        assertFalse(npe.getMessage().contains("String.length"), npe.getMessage());
        assertTrue(npe.getMessage().startsWith("internal error"), npe.getMessage());
        ApiException io = ApiException.of(new UncheckedIOException(new IOException("No space left on device")));
        assertEquals(500, io.status());
        assertEquals("i/o error: no space left on device", io.getMessage());
    }
}
