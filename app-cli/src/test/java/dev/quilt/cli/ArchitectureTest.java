package dev.quilt.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The hexagon's dependency direction, as a test: app-cli -> adapters -> ports -> domain. */
class ArchitectureTest {
    private final JavaClasses quilt = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")) // the contract tests' jar
            .importPackages("dev.quilt");

    @Test
    void theDomainIsPureJava() {
        classes().that().resideInAPackage("dev.quilt.domain..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.quilt.domain..", "java..")
                .check(quilt);
    }

    @Test
    void theDomainDoesNoIo() {
        noClasses().that().resideInAPackage("dev.quilt.domain..")
                .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.nio..", "java.net..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.System")
                .check(quilt);
    }

    /** Nothing waits by sleeping and looking again: waits are on events, bounded by deadlines. */
    @Test
    void nothingSleeps() {
        noClasses().should().callMethod(Thread.class, "sleep", long.class)
                .orShould().callMethod(Thread.class, "sleep", long.class, int.class)
                .orShould().callMethod(Thread.class, "sleep", java.time.Duration.class)
                .orShould().callMethod(java.util.concurrent.TimeUnit.class, "sleep", long.class)
                .orShould().callMethod(java.util.concurrent.locks.LockSupport.class, "parkNanos", long.class)
                .orShould().callMethod(java.util.concurrent.locks.LockSupport.class, "parkNanos", Object.class, long.class)
                .check(quilt);
    }

    @Test
    void portsAndUseCasesKnowOnlyTheDomain() {
        classes().that().resideInAnyPackage("dev.quilt.ports..", "dev.quilt.usecases..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.quilt.domain..", "dev.quilt.ports..",
                        "dev.quilt.usecases..", "java..")
                .check(quilt);
    }

    @Test
    void adaptersDoNotKnowEachOtherOrTheFaces() {
        noClasses().that().resideInAPackage("dev.quilt.linux..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.quilt.fake..", "dev.quilt.cli..")
                .check(quilt);
        noClasses().that().resideInAPackage("dev.quilt.fake..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.quilt.linux..", "dev.quilt.cli..")
                .check(quilt);
    }

    @Test
    void onlyTheLinuxAdapterTouchesJni() {
        // the wiring module hands the loaded library to the adapters, nothing more
        noClasses().that().resideOutsideOfPackage("dev.quilt.linux..")
                .and().haveNameNotMatching("dev\\.quilt\\.cli\\.(LinuxModule|DaggerQuiltComponent|runc\\.DaggerRuncComponent).*")
                .should().dependOnClassesThat().resideInAPackage("dev.quilt.linux.jni..")
                .check(quilt);
    }
}
