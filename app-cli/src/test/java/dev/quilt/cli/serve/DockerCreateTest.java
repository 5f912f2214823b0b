package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.Capability;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerRequest;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The create body as a request: every mapped field, every refusal naming its field. */
class DockerCreateTest {
    static JsonNode json(String s) {
        try {
            return ApiJson.MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ContainerRequest req(String body) {
        return DockerCreate.request(json(body), Optional.empty());
    }

    static ApiException refused(String body) {
        return assertThrows(ApiException.class, () -> req(body));
    }

    @Test
    void anEmptyBodyIsQuiltsInitAloneOnTheBridgeWithSecureDefaults() {
        ContainerRequest r = req("{}");
        assertEquals(List.of(), r.args());
        assertTrue(r.init(), "no command: the init alone, a persistent sandbox");
        assertEquals(Optional.empty(), r.image());
        assertEquals(NetworkMode.BRIDGE, r.network());
        assertEquals(User.ROOT, r.user());
        assertEquals("/", r.cwd());
        assertEquals(Optional.of(Resources.DEFAULT_PIDS), r.resources().pids());
        assertTrue(r.security().noNewPrivileges());
        assertFalse(r.security().privileged());
        assertFalse(r.remove());
        assertFalse(r.stdinOpen());
    }

    @Test
    void configFieldsMap() {
        ContainerRequest r = DockerCreate.request(json("{'Image': 'alpine', 'Entrypoint': ['/bin/sh', '-c'],"
                + " 'Cmd': ['sleep 9'], 'Env': ['A=1', 'B=two'], 'WorkingDir': '/tmp', 'User': '1000:100',"
                + " 'Hostname': 'box', 'Labels': {'k': 'v', 'quilt.ttl': '1m'}, 'StopSignal': 'SIGTERM',"
                + " 'Tty': false, 'OpenStdin': false, 'AttachStdout': true, 'ExposedPorts': {'80/tcp': {}},"
                + " 'SomethingNew': 1}"), Optional.of(ContainerName.of("web")));
        assertEquals(Optional.of("alpine"), r.image());
        assertEquals(Optional.of(ContainerName.of("web")), r.name());
        assertEquals(List.of("/bin/sh", "-c", "sleep 9"), r.args(), "Entrypoint then Cmd");
        assertFalse(r.init());
        assertEquals(List.of("A=1", "B=two"), r.env());
        assertEquals("/tmp", r.cwd());
        assertEquals(new User(1000, 100), r.user());
        assertEquals("box", r.hostname().orElseThrow().value());
        assertEquals(Map.of("k", "v", "quilt.ttl", "1m"), r.labels());
    }

    @Test
    void aLoneStringCmdIsOneArgument() {
        assertEquals(List.of("true"), req("{'Cmd': 'true'}").args());
    }

    @Test
    void aUserNameIsRefusedNamingUser() {
        ApiException e = refused("{'User': 'nobody'}");
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("invalid User: 'nobody' is not numeric"), e.getMessage());
        assertEquals(new User(7, 7), req("{'User': '7'}").user());
    }

    @Test
    void healthcheckMapsCmdCmdShellAndNone() {
        ContainerRequest shell = req("{'Cmd': ['sleep', '9'], 'Healthcheck': {'Test': ['CMD-SHELL', 'test -f /x'],"
                + " 'Interval': 2000000000, 'Timeout': 1000000000, 'StartPeriod': 30000000000, 'Retries': 5}}");
        var h = shell.health().orElseThrow();
        assertEquals("test -f /x", h.command());
        assertEquals(Duration.ofSeconds(2), h.interval());
        assertEquals(Duration.ofSeconds(1), h.timeout());
        assertEquals(5, h.retries());
        assertEquals(Duration.ofSeconds(30), shell.ready().timeout(), "StartPeriod is the readiness deadline");
        var cmd = req("{'Healthcheck': {'Test': ['CMD', 'cat', 'a file']}}").health().orElseThrow();
        assertEquals("cat 'a file'", cmd.command());
        assertEquals(Duration.ofSeconds(30), cmd.interval(), "0 or absent is the default");
        assertTrue(req("{'Healthcheck': {'Test': ['NONE']}}").health().isEmpty());
        assertTrue(req("{'Healthcheck': {'Test': []}}").health().isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{'Healthcheck': {'Test': ['WHAT', 'x']}}|invalid Healthcheck: Test must start with CMD",
            "{'Healthcheck': {'Test': ['CMD']}}|invalid Healthcheck: Test [\"CMD\"] needs a command",
            "{'Healthcheck': {'Test': ['CMD-SHELL', 'a', 'b']}}|invalid Healthcheck: Test [\"CMD-SHELL\", ...] takes one",
            "{'Healthcheck': {'Test': ['CMD-SHELL', 'x'], 'Interval': -1}}|invalid Healthcheck.Interval: must be a whole number",
            "{'Healthcheck': {'Test': ['CMD-SHELL', 'x'], 'StartPeriod': -5}}|invalid Healthcheck.StartPeriod: must be a whole number",
            "{'Healthcheck': 3}|invalid Healthcheck: must be an object"})
    void badHealthchecksAreRefused(String body, String start) {
        ApiException e = refused(body);
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void hostConfigResourcesMap() {
        ContainerRequest r = req("{'HostConfig': {'Memory': 67108864, 'MemorySwap': 134217728,"
                + " 'NanoCpus': 1500000000, 'CpuShares': 512, 'PidsLimit': 100}}");
        assertEquals(Optional.of(64L << 20), r.resources().memory());
        assertEquals(Optional.of(128L << 20), r.resources().memorySwap());
        assertEquals(Optional.of(new Cpus(150_000, 100_000)), r.resources().cpus());
        assertEquals(Optional.of(512), r.resources().cpuShares());
        assertEquals(Optional.of(100L), r.resources().pids());
        assertEquals(Optional.empty(), req("{'HostConfig': {'PidsLimit': -1}}").resources().pids());
        assertEquals(Optional.of(Resources.DEFAULT_PIDS), req("{'HostConfig': {'PidsLimit': null}}").resources().pids());
        assertEquals(Optional.empty(), req("{'HostConfig': {'Memory': 67108864, 'MemorySwap': -1}}")
                .resources().memorySwap());
    }

    @Property
    void memoryAloneGivesTwiceAsMuchWithSwap(@ForAll @LongRange(min = Resources.MIN_MEMORY, max = 1L << 40) long memory) {
        Resources r = req("{'HostConfig': {'Memory': " + memory + "}}").resources();
        assertEquals(Optional.of(memory), r.memory());
        assertEquals(Optional.of(memory * 2), r.memorySwap());
    }

    @Property
    void memoryUnderSixMibIsRefusedNamingTheField(@ForAll @LongRange(min = 1, max = Resources.MIN_MEMORY - 1) long memory) {
        ApiException e = refused("{'HostConfig': {'Memory': " + memory + "}}");
        assertTrue(e.getMessage().startsWith("invalid HostConfig.Memory: "), e.getMessage());
    }

    @Property
    void nanoCpusAreAQuotaOverDockersPeriod(@ForAll @LongRange(min = 10_000_000L, max = 1_000_000_000_000L) long nano) {
        Cpus c = req("{'HostConfig': {'NanoCpus': " + nano + "}}").resources().cpus().orElseThrow();
        assertEquals(100_000, c.periodMicros());
        assertEquals(nano / 10_000, c.quotaMicros(), "quota = NanoCpus x period / 1e9");
        assertTrue(DockerContainerJson.nanoCpus(c) <= nano && nano - DockerContainerJson.nanoCpus(c) < 10_000,
                "inspect shows back what was asked, to the quota's precision");
    }

    @Property
    void underOneHundredthOfACpuIsRefused(@ForAll @LongRange(min = 1, max = 9_999_999L) long nano) {
        ApiException e = refused("{'HostConfig': {'NanoCpus': " + nano + "}}");
        assertTrue(e.getMessage().startsWith("invalid HostConfig.NanoCpus: "), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{'HostConfig': {'MemorySwap': 134217728}}|invalid HostConfig.MemorySwap: it needs HostConfig.Memory",
            "{'HostConfig': {'Memory': 67108864, 'MemorySwap': 1000}}|invalid HostConfig.MemorySwap: 1000 is less",
            "{'HostConfig': {'NanoCpus': -1}}|invalid HostConfig.NanoCpus: must not be negative",
            "{'HostConfig': {'CpuShares': 1}}|invalid HostConfig.CpuShares: must be 2 to 262144",
            "{'HostConfig': {'PidsLimit': -2}}|invalid HostConfig.PidsLimit: must be at least 1",
            "{'HostConfig': {'Memory': 'lots'}}|invalid HostConfig.Memory: must be an integer",
            "{'HostConfig': []}|invalid HostConfig: must be an object",
            "{'Cmd': 3}|invalid Cmd: must be a list of strings",
            "{'Env': ['A=1', 2]}|invalid Env: must be a list of strings",
            "{'Labels': {'a': 1}}|invalid Labels: the value of 'a' must be a string",
            "{'Hostname': 'no spaces allowed'}|invalid Hostname: ",
            "{'HostConfig': {'NetworkMode': 'mynet'}}|invalid HostConfig.NetworkMode 'mynet': use bridge, none or host",
            "{'HostConfig': {'NetworkMode': 'container:abc'}}|HostConfig.NetworkMode is not supported by quilt:",
            "{'HostConfig': {'CapAdd': ['NOPE']}}|invalid HostConfig: ",
            "{'HostConfig': {'SecurityOpt': ['apparmor=x']}}|invalid HostConfig: HostConfig.SecurityOpt apparmor=x",
            "{'HostConfig': {'Sysctls': {'kernel.hostname': 'x'}}}|invalid HostConfig: ",
            "{'HostConfig': {'Ulimits': [{'Name': 'nofile'}]}}|invalid HostConfig.Ulimits: each is",
            "{'HostConfig': {'Binds': ['relative:/x']}}|invalid HostConfig: volume source 'relative' must be an absolute",
            "{'HostConfig': {'Binds': ['/no/such/dir/anywhere:/x']}}|invalid HostConfig: volume source '/no/such/dir/anywhere' does not exist",
            "{'HostConfig': {'Tmpfs': {'/x': 'bogus=1'}}}|invalid HostConfig: ",
            "{'HostConfig': {'Devices': [{'PathInContainer': '/dev/x'}]}}|invalid HostConfig.Devices: PathOnHost is required",
            "{'HostConfig': {'Devices': [{'PathOnHost': '/etc/passwd', 'PathInContainer': '/dev/x'}]}}|invalid HostConfig: '/etc/passwd' is not a device node",
            "{'HostConfig': {'GroupAdd': ['wheel']}}|invalid HostConfig: ",
            "{'StopSignal': 'SIGKILL'}|StopSignal is not supported by quilt:",
            "{'StopTimeout': 30}|StopTimeout is not supported by quilt:",
            "{'HostConfig': {'Memory': 99999999999999999999999}}|invalid HostConfig.Memory: must be an integer of 64 bits",
            "{'Healthcheck': {'Test': ['CMD', 'true'], 'Interval': 99999999999999999999999}}|invalid Healthcheck.Interval: "})
    void badFieldsAreRefusedNamingTheField(String body, String start) {
        ApiException e = refused(body);
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }

    @Test
    void everyKnownFieldQuiltCannotHonourIsRefusedWhenSet() {
        for (Map.Entry<String, String> r : DockerCreate.REFUSED.entrySet()) {
            String[] path = r.getKey().split("\\.");
            String value = "true";
            String body = path.length == 1 ? "{'" + path[0] + "': " + value + "}"
                    : "{'" + path[0] + "': {'" + path[1] + "': " + value + "}}";
            ApiException e = refused(body);
            assertEquals(400, e.status());
            assertEquals(r.getKey() + " is not supported by quilt: " + r.getValue(), e.getMessage());
            // its zero value passes: docker's clients send many of them
            String zero = path.length == 1 ? "{'" + path[0] + "': null}" : "{'" + path[0] + "': {'" + path[1] + "': 0}}";
            req(zero);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{'Tty': true}|Tty is not supported by quilt:",
            "{'OpenStdin': true}|OpenStdin is not supported by quilt:",
            "{'HostConfig': {'PortBindings': {'80/tcp': [{'HostPort': '8080'}]}}}|HostConfig.PortBindings is not supported",
            "{'HostConfig': {'RestartPolicy': {'Name': 'always'}}}|HostConfig.RestartPolicy.Name is not supported",
            "{'HostConfig': {'CpuQuota': 50000}}|HostConfig.CpuQuota is not supported by quilt: give HostConfig.NanoCpus",
            "{'HostConfig': {'Links': ['a:b']}}|HostConfig.Links is not supported",
            "{'HostConfig': {'VolumesFrom': ['a']}}|HostConfig.VolumesFrom is not supported",
            "{'HostConfig': {'IpcMode': 'host'}}|HostConfig.IpcMode is not supported",
            "{'HostConfig': {'UsernsMode': 'keep-id'}}|HostConfig.UsernsMode is not supported",
            "{'HostConfig': {'LogConfig': {'Type': 'syslog'}}}|HostConfig.LogConfig.Type is not supported",
            "{'HostConfig': {'LogConfig': {'Type': '', 'Config': {'max-size': '1m'}}}}|HostConfig.LogConfig.Config is not supported",
            "{'HostConfig': {'MemorySwappiness': 10}}|HostConfig.MemorySwappiness is not supported",
            "{'HostConfig': {'Mounts': [{'Type': 'volume'}]}}|HostConfig.Mounts is not supported"})
    void nonZeroUnhonourableValuesAreRefused(String body, String start) {
        ApiException e = refused(body);
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void dockersDefaultValuesPass() {
        // what the docker CLI sends for `docker create alpine` (API 1.41), zeros and all
        ContainerRequest r = req("{'Hostname': '', 'Domainname': '', 'User': '', 'AttachStdin': false,"
                + " 'AttachStdout': true, 'AttachStderr': true, 'Tty': false, 'OpenStdin': false, 'StdinOnce': false,"
                + " 'Env': null, 'Cmd': ['sleep', '9'], 'Image': 'alpine', 'Volumes': {}, 'WorkingDir': '',"
                + " 'Entrypoint': null, 'OnBuild': null, 'Labels': {}, 'HostConfig': {'Binds': null,"
                + " 'ContainerIDFile': '', 'LogConfig': {'Type': '', 'Config': {}}, 'NetworkMode': 'default',"
                + " 'PortBindings': {}, 'RestartPolicy': {'Name': 'no', 'MaximumRetryCount': 0}, 'AutoRemove': false,"
                + " 'VolumeDriver': '', 'VolumesFrom': null, 'CapAdd': null, 'CapDrop': null, 'CgroupnsMode': '',"
                + " 'Dns': [], 'DnsOptions': [], 'DnsSearch': [], 'ExtraHosts': null, 'GroupAdd': null,"
                + " 'IpcMode': '', 'Cgroup': '', 'Links': null, 'OomScoreAdj': 0, 'PidMode': '', 'Privileged': false,"
                + " 'PublishAllPorts': false, 'ReadonlyRootfs': false, 'SecurityOpt': null, 'UTSMode': '',"
                + " 'UsernsMode': '', 'ShmSize': 0, 'ConsoleSize': [0, 0], 'Isolation': '', 'CpuShares': 0,"
                + " 'Memory': 0, 'NanoCpus': 0, 'CgroupParent': '', 'BlkioWeight': 0, 'BlkioWeightDevice': [],"
                + " 'CpuPeriod': 0, 'CpuQuota': 0, 'CpusetCpus': '', 'Devices': [], 'DeviceCgroupRules': null,"
                + " 'DeviceRequests': null, 'KernelMemory': 0, 'MemoryReservation': 0, 'MemorySwap': 0,"
                + " 'MemorySwappiness': null, 'OomKillDisable': false, 'PidsLimit': null, 'Ulimits': null,"
                + " 'MaskedPaths': null, 'ReadonlyPaths': null}, 'NetworkingConfig': {'EndpointsConfig': {}}}");
        assertEquals(List.of("sleep", "9"), r.args());
        assertEquals(NetworkMode.BRIDGE, r.network());
    }

    @Test
    void networkModesMap() {
        assertEquals(NetworkMode.NONE, req("{'HostConfig': {'NetworkMode': 'none'}}").network());
        assertEquals(NetworkMode.HOST, req("{'HostConfig': {'NetworkMode': 'host'}}").network());
        assertEquals(NetworkMode.BRIDGE, req("{'HostConfig': {'NetworkMode': 'bridge'}}").network());
        assertEquals(NetworkMode.NONE, req("{'NetworkDisabled': true}").network());
    }

    /** docker run --tmpfs /x (and docker-py's tmpfs={"/x": ""}) sends an empty option string: a tmpfs all the same. */
    @Test
    void aTmpfsWithNoOptionsIsMounted() {
        var mounts = req("{'HostConfig': {'Tmpfs': {'/scratch': ''}}}").security().mounts();
        assertTrue(mounts.stream().anyMatch(m -> m.destination().equals("/scratch") && m.type().equals("tmpfs")),
                mounts.toString());
    }

    @Test
    void confinementFieldsMap() throws Exception {
        Path dir = Files.createTempDirectory("quilt-bind");
        try {
            ContainerRequest r = req("{'Cmd': ['true'], 'HostConfig': {'CapAdd': ['NET_ADMIN'], 'CapDrop': ['CHOWN'],"
                    + " 'SecurityOpt': ['no-new-privileges=false', 'seccomp=unconfined'], 'GroupAdd': ['10'],"
                    + " 'Ulimits': [{'Name': 'nofile', 'Soft': 1024, 'Hard': 2048}], 'Sysctls': {'net.ipv4.ip_forward': '1'},"
                    + " 'Binds': ['" + dir + ":/data:ro'], 'Tmpfs': {'/scratch': 'size=1m'}, 'ReadonlyRootfs': true,"
                    + " 'Devices': [{'PathOnHost': '/dev/null', 'PathInContainer': '/dev/nothing', 'CgroupPermissions': 'rw'}],"
                    + " 'AutoRemove': true, 'Init': true}}");
            var s = r.security();
            assertTrue(s.capabilities().bounding().contains(Capability.NET_ADMIN));
            assertFalse(s.capabilities().bounding().contains(Capability.CHOWN));
            assertFalse(s.noNewPrivileges());
            assertEquals(Seccomp.UNCONFINED, s.seccomp());
            assertEquals(List.of(10), s.additionalGids());
            assertEquals(1024, s.rlimits().get(0).soft());
            assertEquals(2048, s.rlimits().get(0).hard());
            assertEquals(Map.of("net.ipv4.ip_forward", "1"), s.sysctls());
            assertTrue(s.readonlyRootfs());
            MountSpec bind = s.mounts().stream().filter(m -> m.destination().equals("/data")).findFirst().orElseThrow();
            assertEquals(dir.toString(), bind.source());
            assertTrue(bind.options().contains("ro"));
            assertTrue(s.mounts().stream().anyMatch(m -> m.destination().equals("/scratch") && m.type().equals("tmpfs")
                    && m.options().contains("size=1m")));
            assertTrue(s.mounts().stream().anyMatch(m -> m.destination().equals("/tmp")), "ReadonlyRootfs's tmpfs");
            assertEquals("/dev/nothing", s.devices().get(0).path());
            assertEquals("rw", s.devices().get(0).access());
            assertTrue(r.remove());
            assertTrue(r.init());
            assertTrue(req("{'HostConfig': {'Privileged': true}}").security().privileged());
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void anInlineSeccompProfileIsTheProfile() {
        var s = req("{'HostConfig': {'SecurityOpt': ['seccomp={\\'defaultAction\\': \\'SCMP_ACT_ALLOW\\'}']}}").security();
        assertTrue(s.seccomp() instanceof Seccomp.Profile p && p.origin().equals("api"), s.seccomp().toString());
    }

    @Test
    void theBodyMustBeAnObject() {
        assertEquals(400, assertThrows(ApiException.class, () -> DockerCreate.request(json("[1]"), Optional.empty()))
                .status());
    }

    @Test
    void wordsAreQuotedForTheShellOnlyWhenTheyNeedIt() {
        assertEquals("plain/path-1.0", DockerCreate.quoted("plain/path-1.0"));
        assertEquals("'it'\\''s'", DockerCreate.quoted("it's"));
        assertEquals("''", DockerCreate.quoted(""));
    }
}
