package dev.quilt.linux.state;

import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.StateStoreContract;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever a record's bytes become (cut short, overwritten, a field swapped
 * for any JSON value), reading it answers: the record, or a broken one whose
 * reason is one line about the file, never a Java exception. The monitor's
 * files likewise.
 */
class CorruptRecordTest {
    /** A way to damage a file's bytes. */
    sealed interface Damage {
        byte[] apply(byte[] good);
    }

    record Cut(int at) implements Damage {
        public byte[] apply(byte[] good) {
            return Arrays.copyOf(good, Math.min(at, good.length));
        }
    }

    record Overwrite(int at, byte[] with) implements Damage {
        public byte[] apply(byte[] good) {
            byte[] out = good.clone();
            for (int i = 0; i < with.length && at + i < out.length; i++) out[at + i] = with[i];
            return out;
        }
    }

    /** Replaces the value of the n-th field (of any depth) with another JSON value. */
    record Swap(int field, String value) implements Damage {
        public byte[] apply(byte[] good) {
            String json = new String(good, StandardCharsets.UTF_8);
            var m = java.util.regex.Pattern.compile("\"[A-Za-z]+\":").matcher(json);
            int n = 0;
            while (m.find()) {
                if (n++ != field) continue;
                int start = m.end();
                int end = valueEnd(json, start);
                return (json.substring(0, start) + value + json.substring(end)).getBytes(StandardCharsets.UTF_8);
            }
            return good;
        }

        private static int valueEnd(String json, int i) {
            int depth = 0;
            boolean quoted = false;
            for (; i < json.length(); i++) {
                char c = json.charAt(i);
                if (quoted) {
                    if (c == '\\') i++;
                    else if (c == '"') quoted = false;
                } else if (c == '"') {
                    quoted = true;
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    if (depth == 0) return i;
                    depth--;
                } else if (c == ',' && depth == 0) {
                    return i;
                }
            }
            return i;
        }
    }

    @Provide
    Arbitrary<Damage> damage() {
        Arbitrary<Damage> cut = Arbitraries.integers().between(0, 2000).map(Cut::new);
        Arbitrary<Damage> overwrite = Combinators.combine(Arbitraries.integers().between(0, 1500),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)).as(Overwrite::new);
        Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.of("null", "true", "0", "-1", "1e99", "99999999999999999999",
                "\"\"", "\"x\"", "[]", "{}", "[1,\"a\"]", "{\"a\":{}}", "\"2026-13-45T99:00:00Z\"", "\"../etc\"", "-9"),
                Arbitraries.strings().ofMaxLength(6).map(s -> "\"" + s.replace("\\", "").replace("\"", "") + "\""));
        Arbitrary<Damage> swap = Combinators.combine(Arbitraries.integers().between(0, 60), values).as(Swap::new);
        return Arbitraries.oneOf(cut, overwrite, swap);
    }

    private static void plain(String reason, String file) {
        assertTrue(reason.startsWith(file), reason);
        assertFalse(reason.contains("\n") || reason.isBlank(), reason);
        for (String java : List.of("Exception", "java.", "jackson", "Source: ", "REDACTED", "null")) {
            assertFalse(reason.contains(java), "Java text in: " + reason);
        }
    }

    @Property(tries = 400)
    void aDamagedRecordIsReadOrBrokenNeverAnError(@ForAll("damage") Damage damage) throws Exception {
        Path root = Files.createTempDirectory("quilt-corrupt-");
        try {
            FsStateStore store = new FsStateStore(LinuxPaths.under(root));
            store.create(StateStoreContract.sample("c1", Optional.of("web")));
            Path file = LinuxPaths.under(root).containerState(ContainerId.of("c1")).resolve("state.json");
            Files.write(file, damage.apply(Files.readAllBytes(file)));
            ContainerRecord r = store.read(ContainerId.of("c1")).orElseThrow();
            if (r instanceof ContainerRecord.Broken b) plain(b.reason(), "state.json");
            assertEquals(List.of(r), store.list());
        } finally {
            AtomicFiles.deleteTree(root);
        }
    }

    @Property(tries = 300)
    void aDamagedMonitorFileIsReadOrBrokenNeverAnError(@ForAll("damage") Damage damage,
                                                       @ForAll boolean exitFile) throws Exception {
        Path root = Files.createTempDirectory("quilt-corrupt-");
        try {
            FsStateStore store = new FsStateStore(LinuxPaths.under(root));
            ContainerId id = ContainerId.of("c1");
            store.create(StateStoreContract.sample("c1", Optional.empty()));
            String name = exitFile ? "exit.json" : "pids.json";
            String good = exitFile
                    ? "{\"exitCode\":3,\"signal\":0,\"oomKilled\":false,\"exitedAt\":\"2026-01-01T00:00:00.5Z\"}\n"
                    : "{\"monitorPid\":41,\"monitorStartTime\":12344,\"initPid\":42,\"initStartTime\":12345}\n";
            Files.write(LinuxPaths.under(root).containerState(id).resolve(name),
                    damage.apply(good.getBytes(StandardCharsets.UTF_8)));
            try {
                if (exitFile) store.recordedExit(id);
                else store.recordedPids(id);
            } catch (BrokenRecordException e) {
                plain(e.broken().reason(), name);
                assertEquals(id, e.broken().id());
            }
        } finally {
            AtomicFiles.deleteTree(root);
        }
    }
}
