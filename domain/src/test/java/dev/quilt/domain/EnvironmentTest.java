package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EnvironmentTest {
    private final Hostname h = new Hostname("box");

    @Test
    void defaultsThenUserEntriesLastWins() {
        List<String> env = Environment.build(h, List.of("A=1", "PATH=/x", "A=2", "B=x=y"), k -> Optional.empty());
        assertEquals(List.of("PATH=/x", "HOSTNAME=box", "A=2", "B=x=y"), env);
    }

    @Test
    void homeIsNotADefaultTheInitTakesItFromPasswd() {
        assertEquals(List.of("PATH=" + Environment.DEFAULT_PATH, "HOSTNAME=box"),
                Environment.build(h, List.of(), k -> Optional.empty()));
        assertEquals("HOME=/mine", Environment.build(h, List.of("HOME=/mine"), k -> Optional.empty()).get(2));
    }

    @Test
    void anExecWithATerminalGetsTermXtermUnlessOneIsGiven() {
        List<String> base = List.of("PATH=/bin", "A=1");
        assertEquals(List.of("TERM=xterm", "PATH=/bin", "A=1"), Environment.forExec(base, List.of(), k -> Optional.empty(), true));
        assertEquals(List.of("PATH=/bin", "A=1"), Environment.forExec(base, List.of(), k -> Optional.empty(), false));
        assertEquals(List.of("TERM=vt100", "PATH=/bin", "A=1"),
                Environment.forExec(base, List.of("TERM=vt100"), k -> Optional.empty(), true));
        assertEquals(List.of("TERM=dumb", "PATH=/bin"),
                Environment.forExec(List.of("PATH=/bin", "TERM=dumb"), List.of(), k -> Optional.empty(), true));
    }

    @Test
    void aBareKeyTakesTheCallersValueOrNothing() {
        List<String> env = Environment.build(h, List.of("K", "MISSING"), k -> k.equals("K") ? Optional.of("v") : Optional.empty());
        assertEquals("K=v", env.get(env.size() - 1));
        assertEquals(3, env.size());
    }

    @Test
    void badNamesAreRefused() {
        assertEquals("invalid environment variable '=x': use KEY=VALUE",
                assertThrows(QuiltException.class, () -> Environment.build(h, List.of("=x"), k -> Optional.empty())).getMessage());
        assertThrows(QuiltException.class, () -> Environment.build(h, List.of("A B=1"), k -> Optional.empty()));
    }

    @Test
    void hostnamesFollowRfc1123() {
        new Hostname("a-b.c");
        assertThrows(QuiltException.class, () -> new Hostname("-a"));
        assertThrows(QuiltException.class, () -> new Hostname("a_b"));
        assertThrows(QuiltException.class, () -> new Hostname("a".repeat(65)));
        assertEquals("my-box", Hostname.from("my_box").value());
    }

    @Test
    void usersAreNumeric() {
        assertEquals(new User(1000, 1000), User.parse("1000"));
        assertEquals(new User(1, 2), User.parse("1:2"));
        assertThrows(QuiltException.class, () -> User.parse("root"));
        assertThrows(QuiltException.class, () -> User.parse("-1"));
    }
}
