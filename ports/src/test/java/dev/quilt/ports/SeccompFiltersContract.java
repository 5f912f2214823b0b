package dev.quilt.ports;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Seccomp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every SeccompFilters must do; run against the fake and the Linux adapter. */
public abstract class SeccompFiltersContract {
    /** An OCI {@code linux.seccomp}: everything allowed but two calls. */
    protected static final String SMALL_PROFILE = """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["swapon", "swapoff"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """;

    protected abstract SeccompFilters filters();

    private static int instructions(byte[] program) {
        assertEquals(0, program.length % 8, "a program is whole struct sock_filter entries: " + program.length);
        return program.length / 8;
    }

    @Test
    void unconfinedHasNoProgram() {
        assertEquals(Optional.empty(), filters().program(Seccomp.UNCONFINED, Capabilities.DEFAULT));
        assertEquals(Optional.empty(), filters().program(Seccomp.UNCONFINED, Capabilities.ALL));
    }

    @Test
    void theDefaultProfileIsAProgram() {
        byte[] p = filters().program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        assertTrue(instructions(p) > 0);
    }

    @Test
    void theSameChoiceAndCapabilitiesGiveTheSameProgram() {
        SeccompFilters f = filters();
        byte[] a = f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        byte[] b = f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        assertArrayEquals(a, b);
    }

    @Test
    void capabilitiesChangeTheDefaultProgram() {
        SeccompFilters f = filters();
        byte[] plain = f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        byte[] admin = f.program(Seccomp.DEFAULT, Capabilities.DEFAULT.adjusted(List.of("SYS_ADMIN"), List.of()))
                .orElseThrow();
        assertFalse(Arrays.equals(plain, admin), "CAP_SYS_ADMIN's includes (mount, unshare, ...) are in its program");
    }

    @Test
    void aCallerCannotChangeWhatOthersGet() {
        SeccompFilters f = filters();
        byte[] a = f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        byte[] copy = a.clone();
        Arrays.fill(a, (byte) 0);
        assertArrayEquals(copy, f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow());
    }

    @Test
    void aGivenProfileIsAProgram() {
        byte[] p = filters().program(new Seccomp.Profile("small.json", SMALL_PROFILE), Capabilities.DEFAULT).orElseThrow();
        assertTrue(instructions(p) > 0);
    }

    @Test
    void aProfileThatIsNotJsonIsOneLineNamingIt() {
        QuiltException e = assertThrows(QuiltException.class,
                () -> filters().program(new Seccomp.Profile("/tmp/broken.json", "{\"defaultAction\": "), Capabilities.DEFAULT));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("seccomp profile '/tmp/broken.json'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
