package dev.quilt.linux.state;

import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.StateStore;
import dev.quilt.ports.StateStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FsStateStoreTest extends StateStoreContract {
    @TempDir
    Path root;

    private FsStateStore store;

    @Override
    protected StateStore store() {
        if (store == null) store = new FsStateStore(LinuxPaths.under(root));
        return store;
    }

    private Path dir(String id) {
        return LinuxPaths.under(root).containerState(ContainerId.of(id));
    }

    private List<String> runEntries() throws Exception {
        try (var s = Files.list(LinuxPaths.under(root).run())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theMonitorsExitFileIsRead() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Files.writeString(dir("c1").resolve("exit.json"), "{\"exitCode\":137,\"signal\":9,\"exitedAt\":\"2026-01-01T00:00:00.000000001Z\"}\n");
        assertEquals(Optional.of(ExitStatus.killedBy(9)), store().recordedExit(ContainerId.of("c1")).map(r -> r.status()));
    }

    @Test
    void theLastRunsFilesGoAndTheRecordAndLockStay() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Files.writeString(dir("c1").resolve("exit.json"), "{\"exitCode\":3,\"signal\":0,\"exitedAt\":\"2026-01-01T00:00:00Z\"}\n");
        Files.writeString(dir("c1").resolve("pids.json"), "{}");
        Files.writeString(dir("c1").resolve(".exit.json.tmp.4242"), "reserved");
        Files.writeString(dir("c1").resolve(".pids.json.tmp.4242"), "reserved");
        Files.writeString(dir("c1").resolve("exec.fifo"), "");
        Files.createDirectories(dir("c1").resolve("etc"));
        store().clearLastRun(ContainerId.of("c1"));
        try (var s = Files.list(dir("c1"))) {
            assertEquals(List.of("etc", "lock", "state.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(Optional.empty(), store().recordedExit(ContainerId.of("c1")));
    }

    @Test
    void noTemporaryFilesAreLeftBehind() throws Exception {
        store().create(sample("c1", Optional.empty()));
        store().save(sample("c1", Optional.empty()));
        try (var files = Files.list(dir("c1"))) {
            assertEquals(List.of("lock", "state.json"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "a container is born with its lock");
        }
    }

    @Test
    void stateJsonSpeaksOciWords() throws Exception {
        store().create(sample("c1", Optional.of("web")));
        String json = Files.readString(dir("c1").resolve("state.json"));
        assertTrue(json.contains("\"id\":\"c1\"") && json.contains("\"status\":\"creating\""), json);
    }

    @Test
    void aRecordRewrittenByAnotherProcessIsSeenAsItIsNowEvenAtTheSameSize() throws Exception {
        store().create(sample("c1", Optional.of("web")));
        Path state = dir("c1").resolve("state.json");
        String before = Files.readString(state);
        ContainerRecord first = store().read(ContainerId.of("c1")).orElseThrow();
        assertEquals(first, store().read(ContainerId.of("c1")).orElseThrow()); // the same bytes: the same record
        // another process's write (a monitor's, a CLI's): the same length, one word changed
        String after = before.replace("\"status\":\"creating\"", "\"status\":\"running\" ");
        assertEquals(before.length(), after.length());
        Files.writeString(state, after);
        ContainerRecord now = store().read(ContainerId.of("c1")).orElseThrow();
        assertEquals(dev.quilt.domain.Status.RUNNING,
                assertInstanceOf(ContainerRecord.Readable.class, now).container().status());
        // and a damaged file is said as damaged, not served from memory
        Files.writeString(state, "{");
        assertInstanceOf(ContainerRecord.Broken.class, store().read(ContainerId.of("c1")).orElseThrow());
    }

    /** The reason a user reads: one line, naming the file, no Java text. */
    private static void plain(String reason, String file) {
        assertTrue(reason.startsWith(file), reason);
        assertFalse(reason.contains("\n"), reason);
        for (String java : List.of("Exception", "java.", "jackson", "Source: ", "REDACTED")) {
            assertFalse(reason.contains(java), "Java text in: " + reason);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "truncated at 100 bytes|TRUNCATE|state.json ends early at byte 100 (truncated?)",
            "empty|                         |state.json is empty",
            "blank|'   '                    |state.json is empty",
            "garbage|garbage\u0001\u00ff    |state.json is not valid JSON at line 1, column 10",
            "an array|[1,2]                  |state.json holds a JSON array, not an object",
            "a string|\"x\"                  |state.json holds a JSON string, not an object",
            "a number|42                     |state.json holds a JSON number, not an object",
            "null|null                       |state.json holds JSON null, not an object",
            "more after it|{}{}              |state.json has more after its object at line 1, column 3",
            "no spec|{\"id\":\"c1\"}         |state.json: field 'spec' is missing or not an object",
            "the wrong status|STATUS         |state.json: field 'status' is 'zombie', not one of creating, created, running, stopped",
            "a bad time|TIME                 |state.json: field 'created' is 'yesterday', not a time like 2026-01-01T00:00:00Z",
            "a bad id|BADID                  |state.json: invalid container id '../x'",
            "another's record|OTHER          |state.json: it is the record of container 'c2'"})
    void aDamagedStateJsonIsABrokenRecordOfItsOwn(String what, String content, String reason) throws Exception {
        store().create(sample("c1", Optional.of("web")));
        store().claimName(ContainerName.of("web"), ContainerId.of("c1"));
        store().create(sample("good", Optional.empty()));
        Path file = dir("c1").resolve("state.json");
        String json = Files.readString(file);
        byte[] bytes = switch (content == null ? "" : content) {
            case "TRUNCATE" -> java.util.Arrays.copyOf(json.getBytes(StandardCharsets.UTF_8), 100);
            case "STATUS" -> json.replace("\"creating\"", "\"zombie\"").getBytes(StandardCharsets.UTF_8);
            case "TIME" -> json.replace("\"2026-01-01T00:00:00Z\"", "\"yesterday\"").getBytes(StandardCharsets.UTF_8);
            case "BADID" -> json.replace("\"id\":\"c1\"", "\"id\":\"../x\"").getBytes(StandardCharsets.UTF_8);
            case "OTHER" -> json.replace("\"id\":\"c1\"", "\"id\":\"c2\"").getBytes(StandardCharsets.UTF_8);
            default -> content == null ? new byte[0] : content.getBytes(StandardCharsets.ISO_8859_1);
        };
        Files.write(file, bytes);

        ContainerRecord.Broken broken = assertInstanceOf(ContainerRecord.Broken.class,
                store().read(ContainerId.of("c1")).orElseThrow(), what);
        assertTrue(broken.reason().startsWith(reason), broken.reason());
        plain(broken.reason(), "state.json");
        List<ContainerRecord> all = store().list();
        assertEquals(List.of(ContainerId.of("good"), ContainerId.of("c1")), all.stream().map(ContainerRecord::id).toList(),
                "the good one first, the broken one listed too");
        assertInstanceOf(ContainerRecord.Readable.class, all.get(0));
        BrokenRecordException e = assertThrows(BrokenRecordException.class, () -> store().load(ContainerId.of("c1")));
        assertEquals("container 'c1' has a broken record (" + broken.reason() + "); remove it with 'quilt rm -f c1'",
                e.getMessage());

        store().remove(ContainerId.of("c1"));
        assertEquals(List.of(".names", "good"), runEntries(), "directory and name gone, nothing half-removed");
        assertEquals(Optional.empty(), store().byName(ContainerName.of("web")));
    }

    @Test
    void aContainerDirectoryWithoutStateJsonIsBroken() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Files.delete(dir("c1").resolve("state.json"));
        assertEquals(List.of(new ContainerRecord.Broken(ContainerId.of("c1"), "state.json is missing")), store().list());
        assertEquals(List.of(ContainerId.of("c1")), store().ids());
        Files.delete(dir("c1").resolve("lock"));
        Files.createDirectory(dir("c1").resolve("state.json"));
        ContainerRecord.Broken b = assertInstanceOf(ContainerRecord.Broken.class, store().read(ContainerId.of("c1")).orElseThrow());
        assertEquals("state.json cannot be read: is a directory", b.reason());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "exit.json|garbage|exit.json is not valid JSON at line 1, column 8",
            "exit.json|{\"exitCode\":1}|exit.json: field 'signal' is missing or not a number",
            "exit.json|{\"exitCode\":1,\"signal\":0,\"exitedAt\":\"soon\"}|exit.json: field 'exitedAt' is not a time",
            "pids.json|{\"monitorPid\":1|pids.json ends early at byte 15 (truncated?)",
            "pids.json|{\"monitorPid\":0,\"monitorStartTime\":1,\"initPid\":2,\"initStartTime\":3}|pids.json: pid must be positive: 0"})
    void aDamagedMonitorFileBreaksTheRecord(String file, String content, String reason) throws Exception {
        store().create(sample("c1", Optional.empty()));
        Files.writeString(dir("c1").resolve(file), content);
        BrokenRecordException e = assertThrows(BrokenRecordException.class, () -> {
            if (file.equals("exit.json")) store().recordedExit(ContainerId.of("c1"));
            else store().recordedPids(ContainerId.of("c1"));
        });
        assertEquals(new ContainerRecord.Broken(ContainerId.of("c1"), reason), e.broken());
        plain(e.broken().reason(), file);
    }

    @Test
    void straysAreNeitherContainersNorTouched() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Path run = LinuxPaths.under(root).run();
        Files.createDirectory(run.resolve("lost+found")); // no container ID
        Files.createDirectories(run.resolve("STRAY").resolve("inside")); // an ID's shape, but no lock or record
        Files.writeString(run.resolve("c2"), "a file, not a directory");
        Files.createSymbolicLink(run.resolve("c3"), dir("c1")); // a link to a container is not one
        Files.createSymbolicLink(run.resolve("dangling"), run.resolve("nowhere"));
        assertEquals(List.of(ContainerId.of("c1")), store().ids());
        assertEquals(List.of(ContainerId.of("c1")), store().list().stream().map(ContainerRecord::id).toList());
        assertEquals(List.of("STRAY", "c2", "c3", "dangling", "lost+found"),
                store().strays().stream().map(s -> Path.of(s).getFileName().toString()).toList());
        assertTrue(store().read(ContainerId.of("STRAY")).isEmpty());
        assertTrue(store().read(ContainerId.of("c3")).isEmpty());
        QuiltException e = assertThrows(QuiltException.class, () -> store().lock(ContainerId.of("STRAY")));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        store().remove(ContainerId.of("STRAY"));
        store().remove(ContainerId.of("c3"));
        assertTrue(Files.isDirectory(run.resolve("STRAY").resolve("inside")), "what quilt did not make stays");
        assertTrue(Files.isSymbolicLink(run.resolve("c3")));
        assertTrue(Files.isDirectory(dir("c1")));
        assertFalse(Files.exists(run.resolve("STRAY").resolve("lock")), "and gets no lock file");
    }

    @Test
    void aNameLinkThatIsNoContainerIdIsNoName() throws Exception {
        Path names = Files.createDirectories(LinuxPaths.under(root).names());
        Files.createSymbolicLink(names.resolve("odd"), Path.of("../not an id"));
        Files.writeString(names.resolve("plain"), "x");
        assertEquals(Optional.empty(), store().byName(ContainerName.of("odd")));
        assertEquals(Optional.empty(), store().byName(ContainerName.of("plain")));
    }

    /** Taking a lock never creates anything: a lock file that is gone means the container is. */
    @Test
    void aLockIsNeverMadeForAContainerThatIsGone() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Files.delete(dir("c1").resolve("lock"));
        Files.delete(dir("c1").resolve("state.json"));
        QuiltException e = assertThrows(QuiltException.class, () -> store().lock(ContainerId.of("c1")));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        try (var left = Files.list(dir("c1"))) {
            assertEquals(List.of(), left.toList(), "no lock file made");
        }
    }

    @Test
    void aRecordFromBeforeLocksWereBornWithItGetsOne() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Files.delete(dir("c1").resolve("lock"));
        try (StateStore.Lock held = store().lock(ContainerId.of("c1"))) {
            assertTrue(Files.exists(dir("c1").resolve("lock")));
        }
    }

    /**
     * A remover holds the lock while another thread waits for it, over and over:
     * whichever gets it first, the waiter either held it before the removal or
     * hears the container is gone, and nothing of it is left: no directory, no
     * lock file, no work directory. (Threads of one JVM queue as processes do.)
     */
    @Test
    void aWaiterForTheLockOfARemovedContainerLeavesNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 200; i++) {
                ContainerId id = ContainerId.of("c" + i);
                store().create(sample(id.value(), Optional.empty()));
                Future<String> waiter = pool.submit(() -> {
                    try (StateStore.Lock held = store().lock(id)) {
                        return "held";
                    } catch (QuiltException e) {
                        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind(), e.getMessage());
                        return "gone";
                    }
                });
                Future<?> remover = pool.submit(() -> {
                    try (StateStore.Lock held = store().lock(id)) {
                        store().remove(id);
                    }
                    return null;
                });
                remover.get();
                String outcome = waiter.get();
                assertTrue(List.of("held", "gone").contains(outcome));
                assertEquals(List.of(), runEntries(), "round " + i + " left something");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
