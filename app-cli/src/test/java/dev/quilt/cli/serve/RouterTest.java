package dev.quilt.cli.serve;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker's paths: the optional {@code /v1.NN} prefix, its bounds, {@code {id}} and {@code {name*}} parameters. */
class RouterTest {
    private final Handler start = call -> {};
    private final Handler inspect = call -> {};
    private final Handler image = call -> {};
    private final Router router = new Router()
            .add("POST", "/containers/{id}/start", start)
            .add("GET", "/containers/{id}/json", inspect)
            .add("GET", "/images/{name*}/json", image);

    @Test
    void findsARouteWithOrWithoutTheVersionPrefix() {
        Router.Match bare = router.find("POST", "/containers/web/start").orElseThrow();
        assertSame(start, bare.handler());
        assertEquals(Map.of("id", "web"), bare.params());
        assertEquals(Router.API_VERSION, bare.version());
        Router.Match versioned = router.find("POST", "/v1.40/containers/abc123/start").orElseThrow();
        assertSame(start, versioned.handler());
        assertEquals("abc123", versioned.params().get("id"));
        assertEquals("1.40", versioned.version());
    }

    @Test
    void aParameterIsOneSegmentAndAStarParameterTheRest() {
        assertEquals(Optional.empty(), router.find("POST", "/containers/a/b/start"));
        Router.Match m = router.find("GET", "/v1.41/images/library/debian:12/json").orElseThrow();
        assertSame(image, m.handler());
        assertEquals("library/debian:12", m.params().get("name"));
    }

    @Test
    void aVersionNewerThanOursOrOlderThanTheMinimumIsA400NamingTheBounds() {
        ApiException tooNew = assertThrows(ApiException.class, () -> router.find("GET", "/v1.42/containers/x/json"));
        assertEquals(400, tooNew.status());
        assertTrue(tooNew.getMessage().contains("1.42 is too new") && tooNew.getMessage().contains("1.41"),
                tooNew.getMessage());
        ApiException tooOld = assertThrows(ApiException.class, () -> router.find("GET", "/v1.11/containers/x/json"));
        assertEquals(400, tooOld.status());
        assertTrue(tooOld.getMessage().contains("too old") && tooOld.getMessage().contains(Router.MIN_API_VERSION),
                tooOld.getMessage());
        // versions compare as numbers, not as text: 1.9 is older than 1.12, 2.0 newer than 1.41
        assertThrows(ApiException.class, () -> router.find("GET", "/v1.9/containers/x/json"));
        assertThrows(ApiException.class, () -> router.find("GET", "/v2.0/containers/x/json"));
        assertTrue(router.find("GET", "/v1.12/containers/x/json").isPresent());
    }

    @Test
    void aKnownPathWithAnotherMethodIsKnownSoTheCallerAnswers405() {
        assertEquals(Optional.empty(), router.find("GET", "/containers/web/start"));
        assertTrue(router.knows("/containers/web/start"));
        assertTrue(router.knows("/v1.41/containers/web/start"));
        assertFalse(router.knows("/containers/web/nosuch"));
        assertEquals(Optional.empty(), router.find("GET", "/nosuch"));
    }

    @Test
    void compareOrdersMajorThenMinorAsNumbers() {
        assertTrue(Router.compare("1.9", "1.12") < 0);
        assertTrue(Router.compare("1.41", "1.40") > 0);
        assertTrue(Router.compare("2.0", "1.41") > 0);
        assertEquals(0, Router.compare("1.41", "1.41"));
    }
}
