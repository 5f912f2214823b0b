package dev.quilt.cri;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The harness waits as the product does: on events (a line read, an inotify event, a pidfd)
 * bounded by deadlines, never by sleeping and looking again. app-cli's ArchitectureTest checks
 * the product's classes; this module's are test classes, so it checks them here.
 */
class NoSleepTest {
    private final JavaClasses harness = new ClassFileImporter()
            .importPath(java.nio.file.Path.of("target", "test-classes", "dev", "quilt", "cri"));

    @Test
    void nothingSleeps() {
        noClasses().should().callMethod(Thread.class, "sleep", long.class)
                .orShould().callMethod(Thread.class, "sleep", long.class, int.class)
                .orShould().callMethod(Thread.class, "sleep", java.time.Duration.class)
                .orShould().callMethod(java.util.concurrent.TimeUnit.class, "sleep", long.class)
                .orShould().callMethod(java.util.concurrent.locks.LockSupport.class, "parkNanos", long.class)
                .orShould().callMethod(java.util.concurrent.locks.LockSupport.class, "parkNanos", Object.class, long.class)
                .orShould().callMethod(ProcessHandle.class, "onExit")
                .check(harness);
    }
}
