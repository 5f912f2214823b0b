package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 §2a end to end, as root: one bad record, a race or a stray file
 * must not cost other containers. Damaged records are listed as broken and
 * removed with everything of them by rm -f and gc; rm -f racing other commands
 * leaves nothing; a root's parent cgroup goes with its last container.
 */
class BrokenRecordsIT {
    private Path root;
    private Quilt quilt;
    private final String run = UUID.randomUUID().toString();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-broken-it-");
        quilt = new Quilt(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (String id : quilt.run("ps", "-a", "-q").lines()) quilt.run("rm", "-f", id);
            quilt.run("gc");
            assertEquals(List.of(), Leaks.killAll(root, "QUILT_IT=" + run), "processes left behind");
            assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
        } finally {
            List<String> network = quilt.teardown();
            AtomicFiles.deleteTree(root);
            assertEquals(List.of(), network, "network, cgroups left behind");
        }
    }

    private String marker(String who) {
        return "QUILT_IT=" + run + "-" + who + "-end";
    }

    private String detached(String who, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("run", "-d", "-e", marker(who)));
        all.addAll(List.of(args));
        Quilt.Result r = quilt.run(all.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    /** A container that ran and stopped (killed: a command that ends before run -d returns races its readiness). */
    private String stoppedOne(String who) throws Exception {
        String id = detached(who, "--network", "none", "--", "sleep", "1000");
        assertEquals(0, quilt.run("kill", id, "KILL").exit());
        assertEquals("137", quilt.run("wait", id).out().strip());
        return id;
    }

    private Path dir(String id) {
        return root.resolve("run").resolve(id);
    }

    /** The processes of one container, found by its marker: none once it is removed. */
    private List<String> processesOf(String who) throws Exception {
        return Leaks.processes(root, marker(who)).stream().filter(p -> p.endsWith("(marked)")).toList();
    }

    private List<String> cgroupsOf(String id) throws Exception {
        String parent = LinuxPaths.under(root).cgroupParent();
        List<String> out = new ArrayList<>();
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) if (Files.isDirectory(h.resolve(parent).resolve(id))) out.add(h.toString());
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup", parent, id))) out.add("unified");
        return out;
    }

    private static void noJavaText(String err) {
        for (String java : List.of("Exception", "java.", "\tat ", "jackson", "REDACTED")) {
            assertFalse(err.contains(java), "Java text in: " + err);
        }
    }

    @Test
    void brokenRecordsAreListedAndRemovedWithEverythingOfThemAndNothingElse() throws Exception {
        // two good ones, one running on the bridge and one stopped; six to damage, five of them running
        String good = detached("good", "--name", "good", "--", "sleep", "1000");
        String stopped = stoppedOne("stopped");
        Map<String, String> victims = new LinkedHashMap<>(); // who -> id
        victims.put("cut", detached("cut", "--name", "cut", "--", "sleep", "1000"));
        victims.put("empty", detached("empty", "--network", "none", "--", "sleep", "1000"));
        victims.put("garbage", detached("garbage", "--network", "none", "--", "sleep", "1000"));
        victims.put("array", stoppedOne("array"));
        victims.put("exit", detached("exit", "--network", "none", "--", "sleep", "1000"));
        victims.put("missing", detached("missing", "--", "sleep", "1000"));
        Map<String, String> ips = new HashMap<>();
        for (String who : List.of("cut", "missing")) {
            ips.put(who, Quilt.field(quilt.run("inspect", victims.get(who)).out(), "ipAddress"));
        }

        Path cut = dir(victims.get("cut")).resolve("state.json");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(cut), 100));
        Files.write(dir(victims.get("empty")).resolve("state.json"), new byte[0]);
        Files.write(dir(victims.get("garbage")).resolve("state.json"), "\u0000\u0001garbage".getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir(victims.get("array")).resolve("state.json"), "[]");
        Files.writeString(dir(victims.get("exit")).resolve("exit.json"), "{\"exitCode\":");
        Files.delete(dir(victims.get("missing")).resolve("state.json"));
        Path strayDir = Files.createDirectories(root.resolve("run/lost+found/keep"));
        Path strayFile = Files.writeString(root.resolve("run/NOTES"), "mine");

        // ps -a lists every one; the damaged ones as broken, with the reason on stderr
        Quilt.Result ps = quilt.run("ps", "-a");
        assertEquals(0, ps.exit(), ps.err());
        noJavaText(ps.err());
        assertTrue(ps.out().contains(good.substring(0, 12)) && ps.out().contains("running"), ps.out());
        assertTrue(ps.out().contains(stopped.substring(0, 12)) && ps.out().contains("exited (137)"), ps.out());
        for (String id : victims.values()) {
            assertTrue(ps.out().lines().anyMatch(l -> l.startsWith(id.substring(0, 12)) && l.contains("broken")), ps.out());
        }
        assertEquals(victims.size(), ps.err().lines().count(), ps.err());
        String cutReason = "state.json ends early at byte 100 (truncated?)";
        String shortCut = victims.get("cut").substring(0, 12);
        assertTrue(ps.err().contains("quilt: container '" + shortCut + "' has a broken record (" + cutReason
                + "); remove it with 'quilt rm -f " + shortCut + "'\n"), ps.err());
        assertTrue(ps.err().contains("(state.json is empty)") && ps.err().contains("(state.json is missing)")
                && ps.err().contains("(state.json holds a JSON array, not an object)")
                && ps.err().contains("(exit.json ends early at byte 12 (truncated?))"), ps.err());
        JsonNode json = new ObjectMapper().readTree(quilt.run("ps", "-a", "--json").out());
        Map<String, String> statuses = new HashMap<>();
        json.forEach(c -> statuses.put(c.get("id").asText(), c.get("status").asText()));
        assertEquals("running", statuses.get(good));
        assertEquals("stopped", statuses.get(stopped));
        for (String id : victims.values()) assertEquals("broken", statuses.get(id), id);
        List<String> quiet = quilt.run("ps", "-q").lines();
        assertTrue(quiet.containsAll(victims.values()) && quiet.contains(good) && !quiet.contains(stopped), quiet.toString());

        // inspect says what is wrong; rm without -f will not; the others answer as before
        Quilt.Result inspect = quilt.run("inspect", "cut");
        assertEquals(1, inspect.exit());
        assertEquals("quilt: container '" + shortCut + "' has a broken record (" + cutReason + "); remove it with 'quilt rm -f "
                + shortCut + "'\n", inspect.err());
        Quilt.Result rm = quilt.run("rm", victims.get("exit"));
        assertEquals(1, rm.exit());
        assertTrue(rm.err().startsWith("quilt: container '" + victims.get("exit").substring(0, 12) + "' has a broken record"),
                rm.err());
        assertEquals("running", Quilt.field(quilt.run("inspect", "good").out(), "status"));
        assertEquals(0, quilt.run("exec", "good", "--", "true").exit());

        // rm -f by name: its processes, cgroups, layer, address, link and directory go
        String hostLinkOfCut = "qv" + victims.get("cut").substring(0, 12);
        Quilt.Result rmf = quilt.run("rm", "-f", "cut");
        assertEquals(0, rmf.exit(), rmf.err());
        assertEquals(victims.get("cut") + "\n", rmf.out());
        assertEquals(List.of(), processesOf("cut"));
        assertEquals(List.of(), cgroupsOf(victims.get("cut")));
        assertFalse(Files.exists(dir(victims.get("cut"))));
        assertFalse(Files.exists(root.resolve("data/containers").resolve(victims.get("cut"))));
        assertFalse(Leaks.leases(root).contains(ips.get("cut")), Leaks.leases(root).toString());
        assertTrue(Leaks.links(quilt.bridge).stream().noneMatch(l -> l.contains(hostLinkOfCut + "@")), "veth left");
        assertEquals(1, quilt.run("inspect", "cut").exit(), "the name went too");

        // gc takes the rest of the broken ones, says so, and leaves what quilt did not make
        Quilt.Result gc = quilt.run("gc");
        assertEquals(0, gc.exit(), gc.err());
        noJavaText(gc.err());
        for (String who : List.of("empty", "garbage", "array", "exit", "missing")) {
            String id = victims.get(who);
            assertTrue(gc.out().contains("removed container " + id + " (its record was broken: "), gc.out());
            assertEquals(List.of(), processesOf(who), who);
            assertEquals(List.of(), cgroupsOf(id), who);
            assertFalse(Files.exists(dir(id)), who);
            assertFalse(Files.exists(root.resolve("data/containers").resolve(id)), who);
        }
        assertFalse(Leaks.leases(root).contains(ips.get("missing")), Leaks.leases(root).toString());
        assertTrue(gc.out().contains("left " + strayDir.getParent() + " alone: quilt did not make it"), gc.out());
        assertTrue(gc.out().contains("left " + strayFile + " alone: quilt did not make it"), gc.out());
        assertTrue(Files.exists(strayDir) && Files.exists(strayFile));

        Quilt.Result after = quilt.run("ps", "-a");
        assertEquals(0, after.exit());
        assertEquals("", after.err());
        assertEquals(3, after.lines().size(), after.out()); // header, good, stopped
        assertEquals("running", Quilt.field(quilt.run("inspect", good).out(), "status"));
        assertFalse(processesOf("good").isEmpty(), "the good one still runs");
        Files.delete(strayFile);
        AtomicFiles.deleteTree(strayDir.getParent());
    }

    /**
     * rm -f racing other commands on the same container (inspect, start, which
     * takes its lock, kill): rm -f succeeds, the others fail cleanly or win,
     * and nothing of the container is left, not even its lock file.
     */
    @Test
    void rmRacingOtherCommandsLeavesNothing() throws Exception {
        for (int round = 0; round < 6; round++) {
            String id = detached("race", "--network", "none", "--", "sleep", "1000");
            AtomicBoolean done = new AtomicBoolean();
            List<Quilt.Result> others = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> racers = new ArrayList<>();
            for (String[] verb : List.of(new String[] {"inspect", id}, new String[] {"start", id}, new String[] {"kill", id, "0"})) {
                racers.add(Thread.startVirtualThread(() -> {
                    try {
                        while (!done.get()) others.add(quilt.run(verb));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            Quilt.Result rm = quilt.run("rm", "-f", id);
            done.set(true);
            for (Thread t : racers) t.join();
            assertEquals(0, rm.exit(), "round " + round + ": " + rm.err());
            assertFalse(Files.exists(dir(id)), "round " + round + " left " + dir(id));
            assertEquals(List.of(), Leaks.containers(root), "round " + round);
            for (Quilt.Result r : others) {
                assertTrue(r.err().isEmpty() || r.err().lines().count() == 1, r.err());
                noJavaText(r.err());
            }
        }
        assertEquals(List.of(), processesOf("race"));
    }

    /** The root's parent cgroup, in every hierarchy, goes with its last container and comes back with the next. */
    @Test
    void theParentCgroupGoesWithTheLastContainer() throws Exception {
        String parent = LinuxPaths.under(root).cgroupParent();
        Path memoryParent = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                ? Path.of("/sys/fs/cgroup", parent) : Path.of("/sys/fs/cgroup/memory", parent);
        String a = detached("a", "--network", "none", "--", "sleep", "1000");
        String b = detached("b", "--network", "none", "--", "sleep", "1000");
        assertTrue(Files.isDirectory(memoryParent));
        assertEquals(0, quilt.run("rm", "-f", a).exit());
        assertTrue(Files.isDirectory(memoryParent), "b still lives under it");
        assertEquals(0, quilt.run("rm", "-f", b).exit());
        assertEquals(List.of(), Leaks.cgroups(root), "the last rm took the parent in every hierarchy");

        Quilt.Result again = quilt.run("run", "--rm", "--network", "none", "--", "true");
        assertEquals(0, again.exit(), again.err());
        assertEquals(List.of(), Leaks.cgroups(root), "made again for run --rm, and gone with it");

        String c = stoppedOne("c");
        assertTrue(Files.isDirectory(memoryParent), "a stopped container keeps its cgroup for stats");
        Quilt.Result gc = quilt.run("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertEquals(List.of(), Leaks.cgroups(root), "gc took the stopped one's cgroup and the parent");
        assertEquals("stopped", Quilt.field(quilt.run("inspect", c).out(), "status"));
    }
}
