package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process side of confinement on the real kernel (native/src/common/confine.c): the
 * capability sets, no_new_privs, rlimits, groups, sysctls, the session keyring, the fds and the
 * cwd a command gets, for run and for exec, with defaults and with the flags that loosen them.
 * Every container carries a marker; nothing of it may outlive the test.
 */
class ConfinementIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** podman's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP */
    private static final long DEFAULT_CAPS = 0x800405fbL;
    private static final int CAP_CHOWN = 0, CAP_NET_RAW = 13, CAP_SYS_ADMIN = 21;
    private static Path root;
    private static Quilt quilt;
    private static final String MARKER = "QUILT_IT=" + UUID.randomUUID();

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-confine-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARKER);
    }

    /** {@code run --network none -e MARKER FLAGS... -- sh -c SCRIPT} */
    private static Quilt.Result run(List<String> flags, String script) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--network", "none", "-e", MARKER));
        args.addAll(flags);
        args.addAll(List.of("--", "sh", "-c", script));
        return quilt.run(args.toArray(String[]::new));
    }

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    /** The fields of /proc/self/status as the command saw them. */
    private static Map<String, String> status(String out) {
        Map<String, String> m = new TreeMap<>();
        for (String line : out.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) m.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return m;
    }

    private static long hex(Map<String, String> status, String field) {
        assertTrue(status.containsKey(field), field + " in " + status);
        return Long.parseUnsignedLong(status.get(field), 16);
    }

    private static void assertSets(Map<String, String> s, long expected, String what) {
        assertEquals(Long.toHexString(expected), Long.toHexString(hex(s, "CapEff")), what + ": CapEff");
        assertEquals(Long.toHexString(expected), Long.toHexString(hex(s, "CapPrm")), what + ": CapPrm");
        assertEquals(Long.toHexString(expected), Long.toHexString(hex(s, "CapBnd")), what + ": CapBnd");
        assertEquals(0, hex(s, "CapInh"), what + ": CapInh");
        assertEquals(0, hex(s, "CapAmb"), what + ": CapAmb");
    }

    /** Our own bounding set: what --privileged can give (podman's rule). */
    private static long ownBounding() throws IOException {
        return hex(status(Files.readString(Path.of("/proc/self/status"))), "CapBnd");
    }

    private static JsonNode inspect(String ref) throws Exception {
        return JSON.readTree(ok(quilt.run("inspect", ref))).get("security");
    }

    private static final String STATUS = "grep -E '^(Cap|NoNewPrivs|Groups)' /proc/self/status";

    @Test
    void aDefaultContainerHasPodmansCapabilitiesAndNoNewPrivileges() throws Exception {
        Map<String, String> s = status(ok(run(List.of("--name", "defaults"), STATUS)));
        assertSets(s, DEFAULT_CAPS, "default");
        assertEquals("1", s.get("NoNewPrivs"));
        assertEquals("", s.get("Groups"), "no supplementary group of the caller's");
        JsonNode sec = inspect("defaults");
        assertEquals(11, sec.get("capabilities").get("effective").size(), sec.toString());
        assertTrue(sec.get("capabilities").get("bounding").toString().contains("CAP_NET_BIND_SERVICE"));
        assertEquals(0, sec.get("capabilities").get("ambient").size());
        assertTrue(sec.get("noNewPrivileges").asBoolean());
        assertEquals("default", sec.get("seccomp").asText());
        assertTrue(sec.get("maskedPaths").toString().contains("/proc/kcore"), sec.toString());
        assertTrue(sec.get("readonlyPaths").toString().contains("/proc/sys"), sec.toString());
        assertFalse(sec.get("privileged").asBoolean());
    }

    @Test
    void capAddAndCapDropChangeEverySet() throws Exception {
        Map<String, String> s = status(ok(run(List.of("--cap-add", "NET_RAW,cap_sys_admin", "--cap-drop", "chown"),
                STATUS)));
        assertSets(s, (DEFAULT_CAPS | 1L << CAP_NET_RAW | 1L << CAP_SYS_ADMIN) & ~(1L << CAP_CHOWN), "adjusted");
        assertSets(status(ok(run(List.of("--cap-drop", "ALL"), STATUS))), 0, "none");
    }

    @Test
    void privilegedGetsEveryCapabilityWeHaveAndNoNoNewPrivileges() throws Exception {
        Map<String, String> s = status(ok(run(List.of("--name", "priv", "--privileged"), STATUS)));
        assertSets(s, ownBounding(), "privileged");
        assertEquals("0", s.get("NoNewPrivs"));
        JsonNode sec = inspect("priv");
        assertTrue(sec.get("privileged").asBoolean());
        assertEquals("unconfined", sec.get("seccomp").asText());
        assertEquals(0, sec.get("maskedPaths").size());
        assertEquals(0, sec.get("readonlyPaths").size());
    }

    /**
     * {@code --cap-add ALL} is every capability quilt itself holds, as --privileged is; one named on its
     * own that quilt does not hold (this CI host withholds SYS_RESOURCE; another may withhold none)
     * is one line naming it, and no container.
     */
    @Test
    void capAddAllIsWhatWeHaveAndACapabilityWeLackIsOneLine() throws Exception {
        assertSets(status(ok(run(List.of("--cap-add", "ALL"), STATUS))), ownBounding(), "--cap-add ALL");
        assertSets(status(ok(run(List.of("--cap-drop", "ALL", "--cap-add", "CHOWN,NET_RAW"), STATUS))),
                1L << CAP_CHOWN | 1L << CAP_NET_RAW, "--cap-drop ALL --cap-add CHOWN,NET_RAW");
        List<String> before = quilt.run("ps", "-a", "-q").lines();
        for (dev.quilt.domain.Capability c : dev.quilt.domain.Capability.values()) {
            if ((ownBounding() >> c.number() & 1) != 0) continue;
            Quilt.Result r = run(List.of("--cap-add", c.name()), "true");
            assertEquals(125, r.exit(), r.err());
            assertEquals("quilt: capability " + c.name() + " is not in quilt's own bounding set, so no container can "
                    + "have it here: leave it out of --cap-add\n", r.err());
        }
        assertEquals(before, quilt.run("ps", "-a", "-q").lines(), "a refusal leaves no container");
    }

    @Test
    void noNewPrivilegesCanBeTurnedOffAndOn() throws Exception {
        assertEquals("0", status(ok(run(List.of("--security-opt", "no-new-privileges=false"), STATUS))).get("NoNewPrivs"));
        assertEquals("1", status(ok(run(List.of("--privileged", "--security-opt", "no-new-privileges"), STATUS)))
                .get("NoNewPrivs"));
    }

    /**
     * busybox's su dies with "must be suid to work properly" when its setuid bit did not make it root;
     * without no_new_privs the same binary does become root (and asks for a password): the contrast
     * shows the check can fail.
     */
    @Test
    void aSetuidBinaryAfterUserDoesNotRegainRoot() throws Exception {
        for (boolean nnp : new boolean[] {true, false}) {
            String name = "suid-" + nnp;
            ok(quilt.run("run", "-d", "--network", "none", "-e", MARKER, "--name", name, "--security-opt",
                    "no-new-privileges=" + nnp, "--", "sleep", "600"));
            ok(quilt.run("exec", name, "--", "sh", "-c", "mkdir /s && cp /bin/busybox /s/busybox && chmod 4755 /s/busybox"));
            Quilt.Result su = quilt.run("exec", "-u", "1000", name, "--", "/s/busybox", "su", "-c", "id -u", "root");
            assertEquals(nnp, su.err().contains("must be suid to work properly"), "no_new_privs " + nnp + ": " + su);
            ok(quilt.run("rm", "-f", name));
        }
    }

    @Test
    void execGetsTheContainersSetsAndItsFlagsAdjustThem() throws Exception {
        ok(quilt.run("run", "-d", "--network", "none", "-e", MARKER, "--name", "ex", "--cap-add", "NET_RAW", "--",
                "sleep", "600"));
        long container = DEFAULT_CAPS | 1L << CAP_NET_RAW;
        Map<String, String> plain = status(ok(quilt.run("exec", "ex", "--", "sh", "-c", STATUS)));
        assertSets(plain, container, "exec");
        assertEquals("1", plain.get("NoNewPrivs"));
        assertSets(status(ok(quilt.run("exec", "--privileged", "ex", "--", "sh", "-c", STATUS))), ownBounding(),
                "exec --privileged");
        assertSets(status(ok(quilt.run("exec", "--cap-add", "sys_admin", "--cap-drop", "NET_RAW", "ex", "--", "sh", "-c",
                STATUS))), DEFAULT_CAPS | 1L << CAP_SYS_ADMIN, "exec --cap-add --cap-drop");
        Map<String, String> user = status(ok(quilt.run("exec", "-u", "1000", "ex", "--", "sh", "-c", STATUS)));
        assertEquals(0, hex(user, "CapEff"), "a non-root user keeps no capability");
        assertEquals(0, hex(user, "CapPrm"));
        assertEquals(Long.toHexString(container), Long.toHexString(hex(user, "CapBnd")));
        ok(quilt.run("rm", "-f", "ex"));
    }

    @Test
    void ulimitsAreApplied() throws Exception {
        String out = ok(run(List.of("--ulimit", "nofile=1024:4096", "--ulimit", "nproc=100:200", "--ulimit", "core=0"),
                "ulimit -n; ulimit -Hn; ulimit -Su; ulimit -Hu; ulimit -c"));
        assertEquals(List.of("1024", "4096", "100", "200", "0"), List.of(out.trim().split("\n")));
        ok(quilt.run("run", "-d", "--network", "none", "-e", MARKER, "--name", "ul", "--ulimit", "core=-1", "--",
                "sleep", "600"));
        JsonNode r = inspect("ul").get("rlimits").get(0);
        assertEquals("RLIMIT_CORE", r.get("type").asText());
        assertEquals(-1, r.get("soft").asLong());
        assertEquals("unlimited", ok(quilt.run("exec", "ul", "--", "sh", "-c", "ulimit -c")).trim());
        ok(quilt.run("rm", "-f", "ul"));
    }

    @Test
    void anRlimitTheKernelRefusesIsOneLineAndNoContainer() throws Exception {
        // above fs.nr_open (at most 2^31) no process may raise it, CAP_SYS_RESOURCE or not
        long over = 1L << 32;
        Quilt.Result r = run(List.of("--name", "toomany", "--ulimit", "nofile=" + over), "true");
        assertEquals(125, r.exit(), r.toString());
        assertEquals("quilt: rlimit \"RLIMIT_NOFILE\": operation not permitted (a hard limit above quilt's own needs "
                + "CAP_SYS_RESOURCE, and nofile cannot pass fs.nr_open)\n", r.err());
        assertEquals(1, quilt.run("inspect", "toomany").exit(), "no container is left");
    }

    @Test
    void groupAddGivesExactlyThoseGroups() throws Exception {
        String out = ok(run(List.of("-u", "1000:1000", "--group-add", "10", "--group-add", "20"), "id"));
        assertEquals("uid=1000 gid=1000 groups=10,20", out.trim());
    }

    @Test
    void sysctlsAreWrittenInTheContainersNamespacesOnly() throws Exception {
        String hostShm = Files.readString(Path.of("/proc/sys/kernel/shmmax"));
        String hostPort = Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"));
        String out = ok(run(List.of("--sysctl", "kernel.shmmax=123456", "--sysctl",
                "net.ipv4.ip_unprivileged_port_start=80"), "cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_unprivileged_port_start"));
        assertEquals(List.of("123456", "80"), List.of(out.trim().split("\n")));
        assertEquals(hostShm, Files.readString(Path.of("/proc/sys/kernel/shmmax")));
        assertEquals(hostPort, Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")));
        // what the kernel refuses inside is one line that says which way
        Quilt.Result none = run(List.of("--sysctl", "net.ipv4.nosuch=1"), "true");
        assertEquals(125, none.exit());
        assertEquals("quilt: sysctl \"net.ipv4.nosuch=1\": no such file or directory (no such sysctl)\n", none.err());
        Quilt.Result bad = run(List.of("--sysctl", "net.ipv4.ip_forward=banana"), "true");
        assertEquals(125, bad.exit());
        assertEquals("quilt: sysctl \"net.ipv4.ip_forward=banana\": invalid argument (the kernel refused the value)\n",
                bad.err());
    }

    /** /proc/keys is masked inside; the host sees the container's own keyring, named as runc names it. */
    @Test
    void eachContainerJoinsAFreshSessionKeyring() throws Exception {
        String id = ok(quilt.run("run", "-d", "--network", "none", "-e", MARKER, "--", "sleep", "600")).trim();
        String keys = Files.readString(Path.of("/proc/keys"));
        assertTrue(keys.contains(" keyring   _ses." + id + ":"), keys);
        ok(quilt.run("rm", "-f", id));
    }

    @Test
    void theCommandGetsNoFdButStdio() throws Exception {
        // "; true": the shell stays (no exec of ls in its place), and its fds are listed, not ls's own
        assertEquals(List.of("0", "1", "2"), ok(run(List.of(), "ls /proc/$$/fd; true")).lines().toList());
        ok(quilt.run("run", "-d", "--network", "none", "-e", MARKER, "--name", "fds", "--", "sleep", "600"));
        assertEquals(List.of("0", "1", "2"), ok(quilt.run("exec", "fds", "--", "sh", "-c", "ls /proc/$$/fd; true"))
                .lines().toList());
        ok(quilt.run("rm", "-f", "fds"));
    }

    /** CVE-2024-21626: a cwd through an fd is refused (every fd is closed before chdir; magic links are not followed). */
    @Test
    void aCwdThroughAnFdIsRefused() throws Exception {
        for (int fd = 3; fd < 8; fd++) {
            Quilt.Result r = run(List.of("-w", "/proc/self/fd/" + fd), "pwd");
            assertEquals(125, r.exit(), r.toString());
            assertTrue(r.err().startsWith("quilt: chdir \"/proc/self/fd/" + fd + "\": "), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
        ok(quilt.run("run", "-d", "--network", "none", "-e", MARKER, "--name", "cwd", "--", "sleep", "600"));
        for (int fd = 3; fd < 8; fd++) {
            Quilt.Result r = quilt.run("exec", "-w", "/proc/self/fd/" + fd, "cwd", "--", "pwd");
            assertTrue(r.exit() != 0 && r.out().isEmpty(), r.toString());
            assertTrue(r.err().startsWith("quilt: chdir \"/proc/self/fd/" + fd + "\": "), r.err());
        }
        ok(quilt.run("rm", "-f", "cwd"));
    }

    /** The file is read when the container is made; inspect names it. */
    @Test
    void aSeccompProfileFileIsNamedByInspect() throws Exception {
        Path profile = root.resolve("profile.json");
        Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n");
        ok(run(List.of("--name", "prof", "--security-opt", "seccomp=" + profile), "true"));
        assertEquals(profile.toString(), inspect("prof").get("seccomp").asText());
        ok(run(List.of("--name", "unconf", "--security-opt", "seccomp=unconfined"), "true"));
        assertEquals("unconfined", inspect("unconf").get("seccomp").asText());
    }

    /** Each bad flag: one line, non-zero, nothing made. */
    @Test
    void badFlagsAreOneLineEach() throws Exception {
        String[][] cases = {
            {"--cap-add", "NET_NOPE"}, {"--cap-drop", "bogus"}, {"--security-opt", "label=disable"},
            {"--security-opt", "apparmor=unconfined"}, {"--security-opt", "nonsense"},
            {"--security-opt", "seccomp=/nonexistent/profile.json"}, {"--security-opt", "no-new-privileges=maybe"},
            {"--group-add", "wheel"}, {"--ulimit", "bogus=1"}, {"--ulimit", "nofile=x"}, {"--ulimit", "nofile=10:5"},
            {"--sysctl", "kernel.hostname=x"}, {"--sysctl", "vm.swappiness=0"}, {"--sysctl", "nokey"},
            {"--network", "host", "--sysctl", "net.ipv4.ip_forward=1"},
        };
        int before = quilt.run("ps", "-aq").lines().size();
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("run", "-e", MARKER));
            if (!c[0].equals("--network")) args.addAll(List.of("--network", "none"));
            args.addAll(List.of(c));
            args.addAll(List.of("--", "true"));
            Quilt.Result r = quilt.run(args.toArray(String[]::new));
            assertTrue(r.exit() != 0, String.join(" ", c) + ": " + r);
            assertEquals(1, r.err().lines().count(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().startsWith("quilt: ") && !r.err().contains("Exception"), r.err());
        }
        assertEquals(before, quilt.run("ps", "-aq").lines().size(), "nothing was made");
    }
}
