package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --userns} on the real kernel (issue 13): the container's root is an
 * unprivileged host uid from the subordinate ids of {@code containers}, the
 * image's files are its root's through an idmapped mount, files it makes in a
 * volume are the host uid's, exec joins it, two containers get disjoint ranges
 * and a removed one gives its range back; a missing subordinate-id entry and
 * bad flags are one line. The subordinate-id files are the test's own (through
 * QUILT_SUBUID_FILE / QUILT_SUBGID_FILE): the host's /etc/subuid is never read
 * or touched. Containers run with --network none and a marker.
 */
class UsernsIT {
    private static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    private static final long SIZE = 65536;
    private static Path root;
    private static Quilt quilt;
    private static long uidBase, gidBase;

    /** A base for a test's subordinate ids, far from any real user's: 2^31 and up, 2^16-aligned. */
    static long randomBase() {
        return (1L << 31) + ThreadLocalRandom.current().nextLong(1 << 14) * SIZE;
    }

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-userns-it-");
        quilt = new Quilt(root);
        uidBase = randomBase();
        gidBase = uidBase + 4 * SIZE; // another range than the uids', so a mix-up shows
        // room for two containers of the default size; a third has to wait for a removal
        Path subuid = root.resolve("subuid"), subgid = root.resolve("subgid");
        Files.writeString(subuid, "# the test's own\nsomeoneelse:100000:65536\ncontainers:" + uidBase + ":" + 2 * SIZE + "\n");
        Files.writeString(subgid, "containers:" + gidBase + ":" + 2 * SIZE + "\n");
        quilt.env.put("QUILT_SUBUID_FILE", subuid.toString());
        quilt.env.put("QUILT_SUBGID_FILE", subgid.toString());
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    private static Quilt.Result run(List<String> flags, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--network", "none", "-e", MARK));
        args.addAll(flags);
        args.add("--");
        args.addAll(List.of(command));
        return quilt.run(args.toArray(String[]::new));
    }

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    private static String squeeze(String s) {
        return s.trim().replaceAll("[ \t]+", " ");
    }

    private static void oneLine(Quilt.Result r, String text) throws Exception {
        oneLineBeside(r, text, List.of());
    }

    /** The refusal in one line, and nothing left of it beside the containers {@code running} lists. */
    private static void oneLineBeside(Quilt.Result r, String text, List<String> running) throws Exception {
        assertEquals(125, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("quilt: ") && r.err().contains(text), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals(running, Leaks.containers(root), "a refused run leaves no container");
    }

    @Test
    void theContainersRootIsASubordinateUidAndTheImageIsItsThroughAnIdmappedMount() throws Exception {
        // inside a root of 0700: the mapped root reaches it through the fd the init opened as the host's root
        Path vol = Files.createDirectory(root.resolve("vol-" + UUID.randomUUID()));
        // the host's root owns it: writable by all, or the container's root (not the host's) could not write
        Files.setPosixFilePermissions(vol, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String out = ok(run(List.of("--rm", "--userns", "auto", "-v", vol + ":/data"), "sh", "-c",
                "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; stat -c '%u %g' /bin/busybox /etc /; "
                        + "touch /data/made /made-in-layer && stat -c %u /made-in-layer"));
        assertEquals(List.of("0", "0", "0 " + uidBase + " " + SIZE, "0 " + gidBase + " " + SIZE, "0 0", "0 0", "0 0",
                "0"), out.lines().map(UsernsIT::squeeze).toList());
        assertEquals((int) uidBase, Files.getAttribute(vol.resolve("made"), "unix:uid"));
        assertEquals((int) gidBase, Files.getAttribute(vol.resolve("made"), "unix:gid"));
        assertEquals(List.of(), Leaks.containers(root), "--rm leaves nothing");
    }

    @Test
    void theInitRunsAsTheBaseUidExecJoinsAndTwoContainersGetDisjointRangesGivenBackAtRm() throws Exception {
        String a = "a-" + UUID.randomUUID().toString().substring(0, 8), b = "b-" + a.substring(2);
        try {
            ok(run(List.of("-d", "--name", a, "--userns", "auto"), "sleep", "600"));
            ok(run(List.of("-d", "--name", b, "--userns", "auto:size=" + SIZE), "sleep", "600"));
            String inspect = ok(quilt.run("inspect", a));
            int initPid = Integer.parseInt(inspect.replaceAll("(?s).*\"pid\" : (\\d+),.*", "$1"));
            String status = Files.readString(Path.of("/proc", String.valueOf(initPid), "status"));
            String uids = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
            assertEquals("Uid: " + uidBase + " " + uidBase + " " + uidBase + " " + uidBase, squeeze(uids));
            assertTrue(inspect.contains("\"mode\" : \"private\"") && inspect.contains("0:" + uidBase + ":" + SIZE),
                    inspect);

            String exec = ok(quilt.run("exec", a, "sh", "-c", "id -u; cat /proc/self/uid_map; stat -c %u /proc/1"));
            assertEquals(List.of("0", "0 " + uidBase + " " + SIZE, "0"), exec.lines().map(UsernsIT::squeeze).toList());
            String other = squeeze(ok(quilt.run("exec", b, "cat", "/proc/self/uid_map")));
            assertEquals("0 " + (uidBase + SIZE) + " " + SIZE, other, "b's range follows a's, sharing no id");

            // both ranges are held: a third container is refused, in one line, with nothing made
            List<String> both = Leaks.containers(root);
            assertEquals(4, both.size(), "two containers, each a state dir and a layer: " + both);
            oneLineBeside(run(List.of("--rm", "--userns", "auto"), "true"),
                    "no " + SIZE + " free subordinate ids for 'containers'", both);
            assertEquals(0, quilt.run("rm", "-f", a).exit());
            String again = squeeze(ok(run(List.of("--rm", "--userns", "auto"), "cat", "/proc/self/uid_map")));
            assertEquals("0 " + uidBase + " " + SIZE, again, "a's range was given back at its removal");
        } finally {
            quilt.run("rm", "-f", a);
            quilt.run("rm", "-f", b);
        }
        assertEquals(List.of(), Leaks.containers(root));
    }

    /**
     * The user namespace owns the network namespace it is cloned with, so sysfs mounts
     * (its own links only); with the host's network, the host's /sys is bound read-only.
     * No traffic: only the links are listed.
     */
    @Test
    void everyNetworkModeAndACreatedContainerWork() throws Exception {
        String bridge = ok(quilt.run("run", "--rm", "-e", MARK, "--userns", "auto", "--", "sh", "-c",
                "cat /proc/self/uid_map; ls /sys/class/net"));
        assertEquals(List.of("0 " + uidBase + " " + SIZE, "eth0", "lo"), bridge.lines().map(UsernsIT::squeeze).toList());
        String host = ok(quilt.run("run", "--rm", "--network", "host", "-e", MARK, "--userns", "auto", "--", "sh", "-c",
                "ls /sys/class/net | grep -cx lo; touch /sys/x 2>/dev/null || echo read-only; cat /proc/self/uid_map"));
        assertEquals(List.of("1", "read-only", "0 " + uidBase + " " + SIZE), host.lines().map(UsernsIT::squeeze).toList());
        String created = ok(quilt.run("create", "--network", "none", "-e", MARK, "--userns", "auto", "--", "sh", "-c",
                "id -u; cat /proc/self/uid_map")).trim();
        try {
            assertEquals(0, quilt.run("start", created).exit());
            assertEquals("0", quilt.run("wait", created).out().trim());
            assertEquals(List.of("0", "0 " + uidBase + " " + SIZE),
                    quilt.run("logs", created).out().lines().map(UsernsIT::squeeze).toList());
        } finally {
            quilt.run("rm", "-f", created);
        }
    }

    @Test
    void explicitMapsAreUsedAsGiven() throws Exception {
        long base = uidBase + 2 * SIZE; // outside the auto ranges: --uidmap is the user's to choose
        String out = ok(run(List.of("--rm", "--uidmap", "0:" + base + ":1000"), "sh", "-c",
                "cat /proc/self/uid_map /proc/self/gid_map; id -u"));
        assertEquals(List.of("0 " + base + " 1000", "0 " + base + " 1000", "0"),
                out.lines().map(UsernsIT::squeeze).toList());
    }

    @Test
    void withNoSubordinateIdsForContainersItIsOneLineSayingWhatToAdd() throws Exception {
        Path empty = root.resolve("subuid-empty-" + UUID.randomUUID());
        Files.writeString(empty, "someoneelse:100000:65536\n");
        String ours = quilt.env.put("QUILT_SUBUID_FILE", empty.toString());
        try {
            oneLine(run(List.of("--rm", "--userns", "auto"), "true"), "no subordinate ids for 'containers' in " + empty
                    + ": add a line 'containers:100000:65536'");
        } finally {
            quilt.env.put("QUILT_SUBUID_FILE", ours);
        }
    }

    /**
     * ramfs takes no idmapped mount (the kernel's EINVAL): a root whose data dir is a
     * ramfs of the test's own, unmounted whatever happens.
     */
    @Test
    void whereTheFileSystemRefusesAnIdmappedMountItIsOneLineAndNothingIsLeft() throws Exception {
        Path other = Files.createTempDirectory("quilt-userns-ramfs-it-");
        Path data = Files.createDirectory(other.resolve("data"));
        assertEquals(0, Quilt.sh("mount -t ramfs -o mode=0700 quilt-it-ramfs " + data));
        try {
            Quilt q = new Quilt(other, quilt.bridge, quilt.subnet);
            q.env.putAll(quilt.env);
            try {
                Quilt.Result r = q.run("run", "--rm", "--network", "none", "-e", MARK, "--userns", "auto", "--", "true");
                assertEquals(125, r.exit(), r.err());
                assertEquals(1, r.err().lines().count(), r.err());
                assertTrue(r.err().startsWith("quilt: --userns needs idmapped mounts, which the file system of "
                        + data + "/images/") && r.err().contains("does not support: invalid argument"), r.err());
                assertEquals(List.of(), Leaks.containers(other), "a refused run leaves no container");
                // and without --userns the same root works
                assertEquals("ok\n", ok(q.run("run", "--rm", "--network", "none", "-e", MARK, "--", "echo", "ok")));
            } finally {
                for (String id : q.run("ps", "-aq").lines()) q.run("rm", "-f", id);
                assertEquals(List.of(), Leaks.cgroups(other), "cgroups left");
            }
        } finally {
            assertEquals(0, Quilt.sh("umount " + data));
            AtomicFiles.deleteTree(other);
        }
    }

    @Test
    void badFlagsAreOneLineEach() throws Exception {
        oneLine(run(List.of("--rm", "--userns", "keep-id"), "true"), "--userns 'keep-id' is not supported");
        oneLine(run(List.of("--rm", "--userns", "auto:size=0"), "true"), "must be between 1 and");
        oneLine(run(List.of("--rm", "--uidmap", "1:100000:10"), "true"), "must map the container's root");
        oneLine(run(List.of("--rm", "--uidmap", "0:x:10"), "true"), "is not CONTAINER:HOST:SIZE");
        oneLine(run(List.of("--rm", "--userns", "auto", "--uidmap", "0:100000:10"), "true"), "do not go together");
        oneLine(run(List.of("--rm", "--userns", "auto", "--device", "/dev/null:/dev/mynull"), "true"),
                "--device does not go with --userns");
    }
}
