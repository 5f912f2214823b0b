package dev.quilt.linux.image;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfInfoTest {
    @Test
    void aDynamicBinaryHasAnInterpreter() throws Exception {
        // the JVM's own launcher is dynamically linked everywhere
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        assertTrue(ElfInfo.hasInterpreter(Files.readAllBytes(java)));
    }

    @Test
    void notElfIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ElfInfo.hasInterpreter(new byte[100]));
    }
}
