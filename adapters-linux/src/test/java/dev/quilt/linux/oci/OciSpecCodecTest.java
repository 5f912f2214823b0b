package dev.quilt.linux.oci;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.oci.OciConversion;
import dev.quilt.domain.oci.OciConversion.EngineSpec;
import dev.quilt.domain.oci.OciSeccomp;
import dev.quilt.domain.oci.OciSeccompJson;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.linux.JsonCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciSpecCodecTest {
    static final String RUNC = "runc-1.1.5-spec.json";
    static final String PODMAN = "podman-4.3.1-create.json";
    static final String CONTAINERD = "containerd-1.6.20-ctr-oci-spec.json";

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = OciSpecCodecTest.class.getResourceAsStream("/oci/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {RUNC, PODMAN, CONTAINERD})
    void eachFixtureReadsWritesAndReadsBackEqual(String name) throws IOException {
        RuntimeSpec spec = OciSpecCodec.read(fixture(name));
        assertEquals("1.0.2-dev", spec.ociVersion());
        RuntimeSpec again = OciSpecCodec.read(OciSpecCodec.write(spec));
        assertEquals(spec, again);
    }

    @Test
    void runcSpecConvertsToTheEngine() throws IOException {
        EngineSpec e = OciConversion.toEngine(OciSpecCodec.read(fixture(RUNC)), "config.json");
        assertEquals(List.of("sh"), e.process().args());
        assertTrue(e.process().terminal());
        assertEquals("runc", e.hostname().orElseThrow().value());
        assertEquals("rootfs", e.root().path());
        assertTrue(e.root().readonly());
        assertTrue(e.security().readonlyRootfs());
        assertEquals(Set.of(Namespace.PID, Namespace.NETWORK, Namespace.IPC, Namespace.UTS, Namespace.MOUNT),
                e.namespaces());
        assertEquals(NetworkMode.NONE, e.network());
        Set<Capability> runcCaps = Set.of(Capability.AUDIT_WRITE, Capability.KILL, Capability.NET_BIND_SERVICE);
        assertEquals(new Capabilities(runcCaps, runcCaps, runcCaps, Set.of(), runcCaps), e.security().capabilities());
        assertTrue(e.security().noNewPrivileges());
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 1024, 1024)), e.security().rlimits());
        assertEquals(Seccomp.UNCONFINED, e.security().seccomp());
        assertEquals(List.of(), e.security().mounts()); // all of runc's mounts are the engine's own
        assertTrue(e.security().maskedPaths().containsAll(List.of("/proc/kcore", "/sys/firmware")));
        assertTrue(e.security().readonlyPaths().containsAll(List.of("/proc/sys", "/proc/sysrq-trigger")));
    }

    @Test
    void podmanBundleConvertsToTheEngine() throws IOException {
        RuntimeSpec spec = OciSpecCodec.read(fixture(PODMAN));
        EngineSpec e = OciConversion.toEngine(spec, "config.json");
        assertEquals(List.of("echo", "hi"), e.process().args());
        assertTrue(e.process().env().containsAll(List.of("container=podman", "HOME=/root")));
        assertEquals(Optional.of(022), e.security().umask());
        assertEquals(Capabilities.of(EnumSet.of(Capability.AUDIT_WRITE,
                Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FOWNER, Capability.FSETID, Capability.KILL,
                Capability.MKNOD, Capability.NET_BIND_SERVICE, Capability.NET_RAW, Capability.SETFCAP,
                Capability.SETGID, Capability.SETPCAP, Capability.SETUID, Capability.SYS_CHROOT)),
                e.security().capabilities());
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 20000, 20000), new Rlimit("RLIMIT_NPROC", 32768, 32768)),
                e.security().rlimits());
        assertEquals(Optional.of(2048L), e.resources().pids());
        assertTrue(e.cgroupsPath().orElseThrow().startsWith("/libpod_parent/libpod-"));
        // its /etc and /dev/shm binds are extra mounts; /proc, /dev, /sys… are the engine's own
        assertEquals(List.of("/etc/hosts", "/dev/shm", "/run/.containerenv", "/etc/hostname"),
                e.security().mounts().stream().map(MountSpec::destination).toList());
        assertTrue(e.security().mounts().stream().allMatch(m -> m.type().equals("bind")));
        // the seccomp object travels as its JSON text, and reads back as the same profile
        Seccomp.Profile p = (Seccomp.Profile) e.security().seccomp();
        assertEquals("config.json", p.origin());
        OciSeccomp original = spec.linux().orElseThrow().seccomp().orElseThrow();
        assertEquals(original, OciSpecCodec.readSeccomp(p.json(), "profile"));
        assertEquals(Optional.of(38L), original.defaultErrnoRet());
        assertEquals(19, original.syscalls().size());
    }

    @Test
    void containerdSpecConvertsToTheEngine() throws IOException {
        EngineSpec e = OciConversion.toEngine(OciSpecCodec.read(fixture(CONTAINERD)), "config.json");
        assertEquals(List.of(), e.process().args()); // ctr fills them in at run
        assertEquals(Optional.empty(), e.hostname());
        assertEquals(Optional.of("/default"), e.cgroupsPath());
        assertEquals(List.of(new MountSpec("/run", "tmpfs", "tmpfs",
                List.of("nosuid", "strictatime", "mode=755", "size=65536k"))), e.security().mounts());
        assertTrue(e.security().capabilities().bounding().containsAll(Set.of(Capability.NET_RAW, Capability.MKNOD)));
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 1024, 1024)), e.security().rlimits());
    }

    // --- unknown fields: the spec says a runtime ignores them, at every level

    @ParameterizedTest
    @ValueSource(strings = {RUNC, PODMAN, CONTAINERD})
    void unknownFieldsAreIgnoredAtEveryLevel(String name) throws IOException {
        Map<String, Object> tree = JsonCodec.read(fixture(name));
        int added = addUnknown(tree);
        assertTrue(added > 10, "objects: " + added);
        assertEquals(OciSpecCodec.read(fixture(name)), OciSpecCodec.read(JsonCodec.write(tree)));
    }

    /** Puts an unknown field of each JSON kind into every object of the tree; returns how many objects. */
    @SuppressWarnings("unchecked")
    static int addUnknown(Object node) {
        int n = 0;
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : List.copyOf(m.entrySet())) {
                // annotations and sysctl are maps of the user's data, not objects with fields
                if (!e.getKey().equals("annotations") && !e.getKey().equals("sysctl")) n += addUnknown(e.getValue());
            }
            Map<String, Object> mm = (Map<String, Object>) m;
            mm.put("xUnknownText", "?");
            mm.put("xUnknownObject", new LinkedHashMap<>(Map.of("a", List.of(1L, "b"))));
            mm.put("xUnknownNumber", 7L);
            n++;
        } else if (node instanceof List<?> l) {
            for (Object v : l) n += addUnknown(v);
        }
        return n;
    }

    @Test
    void intelRdtPersonalityAndOtherSectionsAreIgnored() {
        String json = """
                {"ociVersion":"1.2.0","root":{"path":"rootfs"},
                 "linux":{"intelRdt":{"closID":"x"},"personality":{"domain":"LINUX"},"timeOffsets":{"boottime":{}},
                          "resources":{"hugepageLimits":[{"pageSize":"2MB","limit":1}],"network":{"classID":1},
                                       "rdma":{"mlx":{}},"unified":{"io.max":"x"}}},
                 "windows":{"layerFolders":[]},"vm":{"hypervisor":{}},"process":{"cwd":"/","user":{"uid":0,"gid":0},
                 "scheduler":{"policy":"SCHED_OTHER"},"ioPriority":{"class":"IOPRIO_CLASS_IDLE"},"execCPUAffinity":{}}}
                """;
        RuntimeSpec spec = OciSpecCodec.read(json.getBytes(StandardCharsets.UTF_8));
        assertTrue(spec.linux().orElseThrow().resources().isPresent());
        assertEquals("/", spec.process().orElseThrow().cwd());
    }

    @Test
    void nullIsAnAbsentField() {
        String json = """
                {"ociVersion":"1.2.0","hostname":null,"mounts":null,"root":{"path":"rootfs","readonly":null},
                 "process":{"cwd":"/","user":{"uid":0,"gid":0,"additionalGids":null},"args":null,"capabilities":null},
                 "linux":{"namespaces":null,"seccomp":null,"sysctl":{"a":null}}}
                """;
        RuntimeSpec spec = OciSpecCodec.read(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), spec.hostname());
        assertEquals(List.of(), spec.mounts());
        assertEquals(Optional.empty(), spec.process().orElseThrow().capabilities());
        assertEquals(Map.of(), spec.linux().orElseThrow().sysctl());
    }

    @Test
    void uint64ValuesKeepTheirHighBit() {
        String json = """
                {"ociVersion":"1.2.0","process":{"cwd":"/","user":{"uid":4294967295,"gid":0},
                  "rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615}]},
                 "linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],
                   "action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_MASKED_EQ"}]}]}}}
                """;
        RuntimeSpec spec = OciSpecCodec.read(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new Rlimit("RLIMIT_CORE", -1, -1)), spec.process().orElseThrow().rlimits());
        assertEquals(4294967295L, spec.process().orElseThrow().user().uid());
        assertEquals(-1L, spec.linux().orElseThrow().seccomp().orElseThrow().syscalls().get(0).args().get(0).value());
        String out = new String(OciSpecCodec.write(spec), StandardCharsets.UTF_8);
        assertTrue(out.contains("18446744073709551615") && !out.contains("-1"), out);
        assertEquals(spec, OciSpecCodec.read(out.getBytes(StandardCharsets.UTF_8)));
    }

    // --- every bad field is one line naming it

    /** A mutation of the runc fixture: set {@code path} to {@code value} (null removes it), and the line expected. */
    record Mutation(String path, Object value, String line) {
        @Override
        public String toString() {
            return path + " = " + value;
        }
    }

    static final Object REMOVE = new Object();

    static Stream<Mutation> mutations() {
        return Stream.of(
                new Mutation("ociVersion", REMOVE, "config.json: ociVersion is missing"),
                new Mutation("ociVersion", 1L, "config.json: ociVersion is 1, not text"),
                new Mutation("ociVersion", "", "config.json: ociVersion must not be empty (e.g. 1.2.0)"),
                new Mutation("process", "x", "config.json: process is \"x\", not an object"),
                new Mutation("process.terminal", "yes", "config.json: process.terminal is \"yes\", not true or false"),
                new Mutation("process.consoleSize", Map.of("height", 1L), "config.json: process.consoleSize.width is missing"),
                new Mutation("process.consoleSize", Map.of("height", -1L, "width", 1L),
                        "config.json: process.consoleSize.height is -1, not a number from 0 to 4294967295"),
                new Mutation("process.user", REMOVE, "config.json: process.user is missing"),
                new Mutation("process.user.uid", REMOVE, "config.json: process.user.uid is missing"),
                new Mutation("process.user.uid", -1L, "config.json: process.user.uid is -1, not a number from 0 to 4294967295"),
                new Mutation("process.user.gid", "0", "config.json: process.user.gid is \"0\", not a number"),
                new Mutation("process.user.umask", 512L, "config.json: process.user.umask is 512, not a number from 0 to 511 (0777)"),
                new Mutation("process.user.additionalGids", List.of(1L, "x"),
                        "config.json: process.user.additionalGids[1] is \"x\", not a number"),
                new Mutation("process.args", "sh", "config.json: process.args is \"sh\", not a list"),
                new Mutation("process.args", List.of("sh", 1L), "config.json: process.args[1] is 1, not text"),
                new Mutation("process.env", List.of(Map.of()), "config.json: process.env[0] is an object, not text"),
                new Mutation("process.cwd", REMOVE, "config.json: process.cwd is missing"),
                new Mutation("process.cwd", "tmp", "config.json: process.cwd: 'tmp' is not an absolute path"),
                new Mutation("process.capabilities.bounding", List.of("CAP_KILL", "CAP_NOPE"),
                        "config.json: process.capabilities.bounding[1]: unknown capability 'CAP_NOPE': see capabilities(7), e.g. NET_ADMIN"),
                new Mutation("process.capabilities.effective", List.of("KILL"),
                        "config.json: process.capabilities.effective[0]: 'KILL' is not a capability: use the CAP_ form, e.g. CAP_NET_ADMIN"),
                new Mutation("process.capabilities.ambient", "CAP_KILL",
                        "config.json: process.capabilities.ambient is \"CAP_KILL\", not a list"),
                new Mutation("process.rlimits[0].hard", "x", "config.json: process.rlimits[0].hard is \"x\", not a number"),
                new Mutation("process.rlimits[0].soft", REMOVE, "config.json: process.rlimits[0].soft is missing"),
                new Mutation("process.rlimits[0].type", "NOFILE",
                        "config.json: process.rlimits[0].type: 'NOFILE' is not a resource limit (RLIMIT_AS, RLIMIT_CORE, "
                                + "RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, "
                                + "RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, "
                                + "RLIMIT_SIGPENDING, RLIMIT_STACK)"),
                new Mutation("process.rlimits", List.of(Map.of("type", "RLIMIT_CORE", "soft", 0L, "hard", 0L),
                        Map.of("type", "RLIMIT_CORE", "soft", 1L, "hard", 1L)),
                        "config.json: process: rlimit RLIMIT_CORE is listed twice"),
                new Mutation("process.rlimits[0].soft", 2048L,
                        "config.json: process.rlimits[0]: RLIMIT_NOFILE: the soft limit 2048 is above the hard limit 1024"),
                new Mutation("process.noNewPrivileges", 1L, "config.json: process.noNewPrivileges is 1, not true or false"),
                new Mutation("process.oomScoreAdj", 1001L, "config.json: process.oomScoreAdj is 1001, not a number from -1000 to 1000"),
                new Mutation("process.apparmorProfile", List.of(), "config.json: process.apparmorProfile is a list, not text"),
                new Mutation("root.path", REMOVE, "config.json: root.path is missing"),
                new Mutation("root.path", "", "config.json: root: root.path must not be empty (e.g. rootfs)"),
                new Mutation("root.readonly", "true", "config.json: root.readonly is \"true\", not true or false"),
                new Mutation("hostname", 5L, "config.json: hostname is 5, not text"),
                new Mutation("mounts", Map.of(), "config.json: mounts is an object, not a list"),
                new Mutation("mounts[1].destination", REMOVE, "config.json: mounts[1].destination is missing"),
                new Mutation("mounts[1].options", List.of(true), "config.json: mounts[1].options[0] is true, not text"),
                new Mutation("mounts[1].uidMappings", List.of(Map.of("containerID", 0L, "hostID", 1000L)),
                        "config.json: mounts[1].uidMappings[0].size is missing"),
                new Mutation("linux.namespaces[2].type", "pidd",
                        "config.json: linux.namespaces[2].type: 'pidd' is not a namespace type (pid, network, mount, ipc, uts, user, cgroup, time)"),
                new Mutation("linux.namespaces[2].path", "ns/net",
                        "config.json: linux.namespaces[2]: namespace path 'ns/net' is not an absolute path"),
                new Mutation("linux.namespaces[3].type", "pid", "config.json: linux: a namespace type is listed twice"),
                new Mutation("linux.uidMappings", List.of(Map.of("containerID", 0L, "hostID", "x", "size", 1L)),
                        "config.json: linux.uidMappings[0].hostID is \"x\", not a number"),
                new Mutation("linux.devices", List.of(Map.of("path", "/dev/fuse", "type", "x")),
                        "config.json: linux.devices[0].type is \"x\", not c, b, u or p"),
                new Mutation("linux.devices", List.of(Map.of("path", "/dev/fuse", "type", "c", "major", 10L)),
                        "config.json: linux.devices[0]: a device of type c needs a major and a minor number"),
                new Mutation("linux.devices", List.of(Map.of("path", "dev/fuse", "type", "c", "major", 10L, "minor", 229L)),
                        "config.json: linux.devices[0]: device path 'dev/fuse' is not an absolute path"),
                new Mutation("linux.resources.devices[0].allow", REMOVE, "config.json: linux.resources.devices[0].allow is missing"),
                new Mutation("linux.resources.devices[0].access", "rwx",
                        "config.json: linux.resources.devices[0]: access 'rwx' is not made of r, w and m"),
                new Mutation("linux.resources.devices[0].type", "d",
                        "config.json: linux.resources.devices[0].type is \"d\", not a, c or b"),
                new Mutation("linux.resources.memory", Map.of("limit", "1g"),
                        "config.json: linux.resources.memory.limit is \"1g\", not a number"),
                new Mutation("linux.resources.memory", Map.of("swappiness", 101L),
                        "config.json: linux.resources.memory: swappiness 101 is not between 0 and 100"),
                new Mutation("linux.resources.cpu", Map.of("quota", 9223372036854775807L, "cpus", 3L),
                        "config.json: linux.resources.cpu.cpus is 3, not text"),
                new Mutation("linux.resources.pids", Map.of(), "config.json: linux.resources.pids.limit is missing"),
                new Mutation("linux.resources.blockIO", Map.of("weight", 5L),
                        "config.json: linux.resources.blockIO: weight 5 is not between 10 and 1000"),
                new Mutation("linux.sysctl", Map.of("net.ipv4.ip_forward", 1L), "config.json: linux.sysctl[\"net.ipv4.ip_forward\"] is 1, not text"),
                new Mutation("linux.seccomp", Map.of(), "config.json: linux.seccomp.defaultAction is missing"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_MAYBE"),
                        "config.json: linux.seccomp.defaultAction: 'SCMP_ACT_MAYBE' is not a seccomp action (SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO", "architectures", List.of("x86_64")),
                        "config.json: linux.seccomp.architectures[0]: 'x86_64' is not an architecture (e.g. SCMP_ARCH_X86_64)"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO", "flags", List.of("LOG")),
                        "config.json: linux.seccomp.flags[0]: 'LOG' is not a seccomp flag (e.g. SECCOMP_FILTER_FLAG_LOG)"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO",
                                "syscalls", List.of(Map.of("action", "SCMP_ACT_ALLOW"))),
                        "config.json: linux.seccomp.syscalls[0].names is missing"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO",
                                "syscalls", List.of(Map.of("names", List.of("read"), "action", "ALLOW"))),
                        "config.json: linux.seccomp.syscalls[0].action: 'ALLOW' is not a seccomp action (SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO",
                                "syscalls", List.of(Map.of("names", List.of("Read"), "action", "SCMP_ACT_ALLOW"))),
                        "config.json: linux.seccomp.syscalls[0].names[0]: 'Read' is not a syscall name"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO",
                                "syscalls", List.of(Map.of("names", List.of("read"), "action", "SCMP_ACT_ALLOW",
                                        "args", List.of(Map.of("index", 6L, "value", 0L, "op", "SCMP_CMP_EQ"))))),
                        "config.json: linux.seccomp.syscalls[0].args[0].index is 6, not a number from 0 to 5"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO",
                                "syscalls", List.of(Map.of("names", List.of("read"), "action", "SCMP_ACT_ALLOW",
                                        "args", List.of(Map.of("index", 0L, "value", -1L, "op", "SCMP_CMP_EQ"))))),
                        "config.json: linux.seccomp.syscalls[0].args[0].value is -1, not a number from 0 to 18446744073709551615"),
                new Mutation("linux.seccomp", Map.of("defaultAction", "SCMP_ACT_ERRNO",
                                "syscalls", List.of(Map.of("names", List.of("read"), "action", "SCMP_ACT_ALLOW",
                                        "args", List.of(Map.of("index", 0L, "value", 1L, "op", "EQ"))))),
                        "config.json: linux.seccomp.syscalls[0].args[0].op: 'EQ' is not a comparison (SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)"),
                new Mutation("linux.maskedPaths", List.of(1L), "config.json: linux.maskedPaths[0] is 1, not text"),
                new Mutation("linux.rootfsPropagation", "shareded",
                        "config.json: linux: rootfsPropagation 'shareded' is not one of shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable"),
                new Mutation("hooks", Map.of("prestart", List.of(Map.of("path", "hook"))),
                        "config.json: hooks.prestart[0]: hook path 'hook' is not an absolute path"),
                new Mutation("hooks", Map.of("poststop", List.of(Map.of("path", "/bin/true", "timeout", 0L))),
                        "config.json: hooks.poststop[0].timeout is 0, not a number of seconds above 0"),
                new Mutation("hooks", Map.of("createRuntime", List.of(Map.of("args", List.of()))),
                        "config.json: hooks.createRuntime[0].path is missing"),
                new Mutation("annotations", Map.of("a", 1L), "config.json: annotations[\"a\"] is 1, not text"),
                new Mutation("annotations", List.of(), "config.json: annotations is a list, not an object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutations")
    void eachBadFieldIsOneLineNamingIt(Mutation m) throws IOException {
        Map<String, Object> tree = JsonCodec.read(fixture(RUNC));
        set(tree, m.path(), m.value() == REMOVE ? null : m.value());
        byte[] json = JsonCodec.write(tree);
        QuiltException e = assertThrows(QuiltException.class, () -> OciSpecCodec.read(json));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertEquals(m.line(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /**
     * Every value in each fixture, replaced by one of the wrong kind (an object for a
     * scalar or list, text for an object), is refused with one line that names its path.
     */
    @ParameterizedTest
    @ValueSource(strings = {RUNC, PODMAN, CONTAINERD})
    void everyFieldOfTheFixturesIsNamedWhenItIsBad(String name) throws IOException {
        Map<String, Object> tree = JsonCodec.read(fixture(name));
        List<String> paths = new ArrayList<>();
        collect(tree, "", false, paths);
        assertTrue(paths.size() > 40, "paths: " + paths.size());
        for (String path : paths) {
            Map<String, Object> copy = JsonCodec.read(fixture(name));
            Object wrong = get(copy, path) instanceof Map<?, ?> ? "x" : new LinkedHashMap<>(Map.of("x", 1L));
            replace(copy, path, wrong);
            QuiltException e = assertThrows(QuiltException.class, () -> OciSpecCodec.read(JsonCodec.write(copy)), path);
            String shown = path.replaceAll("\\.\\[\"", "[\"");
            assertTrue(e.getMessage().startsWith("config.json: " + shown + " is "), path + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    /** Paths of every value below {@code node}; map entries of annotations and sysctl as {@code .["k"]}. */
    static void collect(Object node, String path, boolean dataMap, List<String> out) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                String p = dataMap ? path + ".[\"" + k + "\"]" : path.isEmpty() ? k : path + "." + k;
                out.add(p);
                collect(e.getValue(), p, k.equals("annotations") || k.equals("sysctl"), out);
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                out.add(path + "[" + i + "]");
                collect(l.get(i), path + "[" + i + "]", false, out);
            }
        }
    }

    static List<Object> steps(String path) {
        List<Object> steps = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[\"(.*?)\"\\]|\\[(\\d+)\\]|([^.\\[]+)").matcher(path);
        while (m.find()) {
            if (m.group(1) != null) steps.add(m.group(1));
            else if (m.group(2) != null) steps.add(Integer.parseInt(m.group(2)));
            else steps.add(m.group(3));
        }
        return steps;
    }

    @SuppressWarnings("unchecked")
    static Object get(Object node, String path) {
        for (Object s : steps(path)) {
            node = s instanceof Integer i ? ((List<Object>) node).get(i) : ((Map<String, Object>) node).get(s);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    static void replace(Object root, String path, Object value) {
        List<Object> steps = steps(path);
        Object parent = root;
        for (Object s : steps.subList(0, steps.size() - 1)) {
            parent = s instanceof Integer i ? ((List<Object>) parent).get(i) : ((Map<String, Object>) parent).get(s);
        }
        Object last = steps.get(steps.size() - 1);
        if (last instanceof Integer i) ((List<Object>) parent).set(i, value);
        else ((Map<String, Object>) parent).put((String) last, value);
    }

    @Test
    void aFractionIsNotANumberOfTheField() {
        String json = "{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":1.5,\"gid\":0}}}";
        assertEquals("config.json: process.user.uid is 1.5, not a number from 0 to 4294967295",
                assertThrows(QuiltException.class, () -> OciSpecCodec.read(json.getBytes(StandardCharsets.UTF_8))).getMessage());
    }

    static Stream<Object[]> brokenFiles() {
        return Stream.of(
                new Object[]{"", "config.json is empty"},
                new Object[]{"  \n", "config.json is empty"},
                new Object[]{"[]", "config.json holds a JSON array, not an object"},
                new Object[]{"{\"ociVersion\":\"1\"", "config.json ends early at byte 17 (truncated?)"},
                new Object[]{"{\"ociVersion\" \"1\"}", "config.json is not valid JSON at line 1, column 15"},
                new Object[]{"{} {}", "config.json has more after its object at line 1, column 4"},
                new Object[]{"[".repeat(100), "config.json holds a JSON array, not an object"},
                new Object[]{"{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}", "config.json nests deeper than 64 levels"});
    }

    @ParameterizedTest
    @MethodSource("brokenFiles")
    void aBrokenFileIsOneLine(String text, String line) {
        assertEquals(line, assertThrows(QuiltException.class, () -> OciSpecCodec.read(text.getBytes(StandardCharsets.UTF_8))).getMessage());
    }

    @Test
    void aMissingFileIsOneLine(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        assertEquals(dir.resolve("config.json") + " does not exist: give a bundle with a config.json",
                assertThrows(QuiltException.class, () -> OciSpecCodec.read(dir.resolve("config.json"))).getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"ociVersion\":5}");
        assertEquals("config.json: ociVersion is 5, not text",
                assertThrows(QuiltException.class, () -> OciSpecCodec.read(dir.resolve("config.json"))).getMessage());
    }

    /** Sets (or with null removes) the value at a path like {@code linux.namespaces[2].type}. */
    @SuppressWarnings("unchecked")
    static void set(Map<String, Object> tree, String path, Object value) {
        List<Object> steps = new ArrayList<>();
        for (String part : path.split("\\.")) {
            int b = part.indexOf('[');
            steps.add(b < 0 ? part : part.substring(0, b));
            while (b >= 0) {
                int e = part.indexOf(']', b);
                steps.add(Integer.parseInt(part.substring(b + 1, e)));
                b = part.indexOf('[', e);
            }
        }
        Object node = tree;
        for (int i = 0; i < steps.size() - 1; i++) {
            Object s = steps.get(i);
            Object next = s instanceof Integer idx ? ((List<Object>) node).get(idx) : ((Map<String, Object>) node).get(s);
            if (next == null) {
                next = new LinkedHashMap<String, Object>();
                ((Map<String, Object>) node).put((String) s, next);
            }
            if (next instanceof List<?> l && !(l instanceof ArrayList)) {
                next = new ArrayList<>(l);
                if (s instanceof Integer idx) ((List<Object>) node).set(idx, next);
                else ((Map<String, Object>) node).put((String) s, next);
            }
            node = next;
        }
        Object last = steps.get(steps.size() - 1);
        if (last instanceof Integer idx) ((List<Object>) node).set(idx, value);
        else if (value == null) ((Map<String, Object>) node).remove(last);
        else ((Map<String, Object>) node).put((String) last, value);
    }

    @Test
    void theSeccompTextTheDomainWritesReadsBack() {
        OciSeccomp s = new OciSeccomp("SCMP_ACT_ERRNO", Optional.of(1L), List.of("SCMP_ARCH_X86_64"),
                List.of("SECCOMP_FILTER_FLAG_LOG"), Optional.of("/run/l\"s\\n"), Optional.of("m\u0001d"),
                List.of(new OciSeccomp.Syscall(List.of("personality"), "SCMP_ACT_ALLOW", Optional.empty(),
                        List.of(new OciSeccomp.Arg(0, Long.MIN_VALUE, -2, "SCMP_CMP_MASKED_EQ")))));
        assertEquals(s, OciSpecCodec.readSeccomp(OciSeccompJson.render(s), "x"));
    }

    /** runc exec --process FILE: the process object alone, as containerd's shim and conmon write it. */
    @Test
    void aProcessFileIsReadOnItsOwnAndItsBadFieldsAreNamed() {
        var p = OciSpecCodec.readProcess("""
                {"terminal": true, "user": {"uid": 1000, "gid": 1001, "additionalGids": [5]},
                 "args": ["sh"], "env": ["A=1"], "cwd": "/tmp", "noNewPrivileges": true,
                 "capabilities": {"bounding": ["CAP_KILL"]}, "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 9, "soft": 8}],
                 "future": {"x": 1}}
                """.getBytes(StandardCharsets.UTF_8), "p.json");
        assertTrue(p.terminal());
        assertEquals(List.of("sh"), p.args());
        assertEquals(1000, p.user().uid());
        assertEquals(List.of(5L), p.user().additionalGids());
        assertEquals(Set.of(Capability.KILL), p.capabilities().orElseThrow().bounding());
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 8, 9)), p.rlimits());
        assertTrue(p.noNewPrivileges());
        assertEquals("p.json: cwd is missing", assertThrows(QuiltException.class, () -> OciSpecCodec.readProcess(
                "{\"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0}}".getBytes(StandardCharsets.UTF_8),
                "p.json")).getMessage());
        assertEquals("p.json: user is missing", assertThrows(QuiltException.class, () -> OciSpecCodec.readProcess(
                "{\"args\": [\"sh\"], \"cwd\": \"/\"}".getBytes(StandardCharsets.UTF_8), "p.json")).getMessage());
        assertEquals("p.json: env[0] is 3, not text", assertThrows(QuiltException.class, () -> OciSpecCodec.readProcess(
                "{\"env\": [3], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}".getBytes(StandardCharsets.UTF_8),
                "p.json")).getMessage());
        assertTrue(assertThrows(QuiltException.class, () -> OciSpecCodec.readProcess(Path.of("/nonexistent/p.json")))
                .getMessage().startsWith("process file /nonexistent/p.json does not exist"));
    }
}
