package dev.quilt.cli;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A state root of a test class's own with {@code quilt serve} on it, the set-up the serve ITs share (JUnit 5
 * extension): {@code @RegisterExtension static final ServedRoot SERVER = new ServedRoot("quilt-exec-routes");}.
 * Before the class's tests (and before its own {@code @BeforeAll} methods) it makes the root under the temp dir,
 * a {@link Quilt} on it whose processes carry the class's {@link #mark} ({@code QUILT_IT=<uuid>}, so its
 * {@code close} finds what the class made), runs {@code setUp} with the CLI (containers the server should find
 * already there), then starts the server and a client of its socket. After them it stops the server, which must
 * exit 0 (SIGTERM: it drains and exits cleanly), runs {@code tearDown} and, whatever failed, {@link Quilt#close}
 * with the mark: it checks that nothing of the class's is left.
 */
final class ServedRoot implements BeforeAllCallback, AfterAllCallback {
    /** CLI work on the root before the server starts, or after it stopped. */
    @FunctionalInterface
    interface Step {
        void run(Quilt quilt) throws Exception;
    }

    /** {@code QUILT_IT=<uuid>}: in the environment of every container the class makes (-e, Env). */
    final String mark = "QUILT_IT=" + UUID.randomUUID();
    private final String prefix;
    private final Step setUp;
    private final Step tearDown;
    private String[] serveArgs = new String[0];
    Path root;
    Quilt quilt;
    Served served;
    ApiClient api;

    ServedRoot(String prefix) {
        this(prefix, q -> { }, q -> { });
    }

    ServedRoot(String prefix, Step setUp, Step tearDown) {
        this.prefix = prefix;
        this.setUp = setUp;
        this.tearDown = tearDown;
    }

    /** Options for {@code quilt serve} ({@code --request-timeout 1}); before the class's tests run. */
    ServedRoot serving(String... args) {
        serveArgs = args.clone();
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        root = Files.createTempDirectory(prefix);
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", mark.substring(mark.indexOf('=') + 1));
        setUp.run(quilt);
        served = Served.start(quilt, root, serveArgs);
        api = served.client();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (quilt == null) return; // not even the root was made
        try {
            if (served != null) {
                assertEquals(0, served.stop(), served.log());
                served.close();
            }
            tearDown.run(quilt);
        } finally {
            quilt.close(mark);
        }
    }
}
