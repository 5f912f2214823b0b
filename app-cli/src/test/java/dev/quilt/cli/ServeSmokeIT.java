package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract's server answers the first things a client asks, Docker's way. */
class ServeSmokeIT {
    /** A marker no other process has (not the class name: maven's own environment names the test it runs). */
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static Path root;
    static Quilt quilt;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-serve-smoke");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
    }

    @AfterAll
    static void down() throws Exception {
        quilt.close(MARK);
    }

    @Test
    void pingVersionAndErrorsAreDockers() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            ApiClient c = s.client();
            ApiClient.Response ping = c.get("/_ping");
            assertEquals(200, ping.status());
            assertEquals("OK", ping.text());
            assertEquals("1.41", ping.header("Api-Version"));
            assertEquals("1.41", c.get("/v1.41/version").json().get("ApiVersion").asText());
            ApiClient.Response tooNew = c.get("/v1.99/version");
            assertEquals(400, tooNew.status());
            assertTrue(tooNew.json().get("message").asText().contains("too new"), tooNew.text());
            assertEquals(404, c.get("/v1.41/no/such/path").status());
            assertEquals(0, s.stop());
            assertTrue(!Files.exists(s.socket()), "the socket is removed on a clean stop");
        }
    }
}
