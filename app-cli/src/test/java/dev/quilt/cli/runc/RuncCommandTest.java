package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.oci.OciSpecCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quilt-runc's command line in process, without a container: the global flags in both spellings, the
 * refusals (each one line on stderr, exit 1, and in {@code --log}), spec and features. The state root is a
 * temp dir of this class's; nothing here needs root or makes a container.
 */
class RuncCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RUNC_SPEC = Path.of("..", "adapters-linux", "src", "test", "resources", "oci",
            "runc-1.1.5-spec.json").toAbsolutePath().normalize();
    private static Path dir;
    private static Path root;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("quilt-runc-test-");
        root = dir.resolve("root");
    }

    @AfterAll
    static void tearDown() throws IOException {
        AtomicFiles.deleteTree(dir);
    }

    private static Result runc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = RuncMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    /** One lowercase line on stderr, exit 1 (runc's code for every failure), nothing on stdout, no Java text. */
    private static void assertRefused(Result r, String expected) {
        assertEquals(1, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("quilt-runc: "), r.toString());
        assertTrue(lines.get(0).contains(expected), "wanted '" + expected + "' in " + r);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.toString());
    }

    /** A call builds only the verb it names: the global flags and their values are stepped over, as picocli reads them. */
    @Test
    void theVerbIsFoundPastTheGlobalFlags() {
        List<Class<?>> state = List.of(RuncVerbs.State.class);
        assertEquals(state, List.copyOf(RuncCommand.verbsFor(new String[] {"state", "x"})));
        assertEquals(state, List.copyOf(RuncCommand.verbsFor(new String[] {"--root", "/run/x", "--log", "/l.json",
                "--log-format", "json", "state", "x"})));
        assertEquals(state, List.copyOf(RuncCommand.verbsFor(new String[] {"--root=/run/x", "--debug", "state", "x"})));
        assertEquals(state, List.copyOf(RuncCommand.verbsFor(new String[] {"--debug", "true", "state", "x"})));
        assertEquals(List.of(RuncVerbs.List.class), List.copyOf(RuncCommand.verbsFor(new String[] {"ls", "-q"})));
        assertEquals(List.of(RuncExecCommand.class), List.copyOf(RuncCommand.verbsFor(new String[] {"exec", "c", "state"})));
        // no verb, or a word that is none: every verb, for the usage or for picocli to say so
        assertEquals(RuncCommand.VERBS.values().size(), RuncCommand.verbsFor(new String[] {"--help"}).size());
        assertEquals(RuncCommand.VERBS.values().size(), RuncCommand.verbsFor(new String[] {"nosuch", "x"}).size());
    }

    @Test
    void unknownIdIsRuncsDoesNotExistForEveryVerbButDeleteForce() {
        for (String verb : List.of("state", "start", "kill", "delete")) {
            assertRefused(runc("--root", root.toString(), verb, "nosuch"), "container \"nosuch\" does not exist");
        }
        Result r = runc("--root=" + root, "delete", "--force", "nosuch");
        assertEquals(new Result(0, "", ""), r);
    }

    @Test
    void badIdsAreRefusedByRuncsRule() {
        for (String id : List.of("a/b", "..", ".", "a b", "x".repeat(256))) {
            assertRefused(runc("--root", root.toString(), "state", id), "invalid container id");
        }
    }

    @Test
    void badSignalIsRefusedBeforeTheContainerIsLookedFor() {
        assertRefused(runc("--root", root.toString(), "kill", "nosuch", "SIGNOPE"), "invalid signal 'SIGNOPE'");
        assertRefused(runc("--root", root.toString(), "kill", "nosuch", "999"), "invalid signal '999'");
    }

    @Test
    void badFlagsAreOneLine() {
        assertRefused(runc("--root", root.toString(), "create", "--bogus", "x"), "unknown option: '--bogus'");
        assertRefused(runc("--root", root.toString(), "create"), "missing required parameter: 'ID'");
        assertRefused(runc("--nonsense", "list"), "unknown option: '--nonsense'");
        assertRefused(runc("--log-format", "yaml", "list"), "--log-format 'yaml' is not a format");
        assertRefused(runc("--rootless=maybe", "list"), "--rootless 'maybe' is not true, false or auto");
        assertRefused(runc("--root", root.toString(), "list", "--format", "yaml"), "invalid format option 'yaml'");
    }

    @Test
    void systemdCgroupAndRootlessTrueAreRefusedInOneLine() {
        assertRefused(runc("--systemd-cgroup", "--root", root.toString(), "list"), "--systemd-cgroup is not supported");
        assertRefused(runc("--rootless=true", "--root", root.toString(), "list"), "--rootless=true is not supported");
        assertEquals(0, runc("--rootless", "false", "--systemd-cgroup=false", "--criu", "/usr/sbin/criu",
                "--root", root.toString(), "list", "-q").exit());
    }

    /** podman asks {@code RUNTIME checkpoint --help} whether the runtime checkpoints at all: exit 0. */
    @Test
    void checkpointAndRestoreAnswerHelp() {
        for (String verb : List.of("checkpoint", "restore")) {
            Result r = runc(verb, "--help");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("--image-path") && r.out().contains("--work-path"), r.toString());
        }
    }

    /** What quilt-runc does not do is refused in one line naming the flag, before the container is looked for. */
    @Test
    void checkpointFlagsQuiltDoesNotDoAreRefusedFirst() {
        String r = root.toString();
        for (List<String> flag : List.of(List.of("--ext-unix-sk"), List.of("--shell-job"),
                List.of("--lazy-pages"), List.of("--auto-dedup"), List.of("--empty-ns", "network"),
                List.of("--manage-cgroups-mode", "full"), List.of("--manage-cgroups-mode=strict"),
                List.of("--pre-dump"), List.of("--parent-path", "../parent"), List.of("--page-server", "h:1"),
                List.of("--status-fd", "4"))) {
            List<String> argv = new java.util.ArrayList<>(List.of("--root", r, "checkpoint", "--image-path", "/tmp/x"));
            argv.addAll(flag);
            argv.add("nosuch");
            String name = flag.get(0).contains("=") ? flag.get(0).substring(0, flag.get(0).indexOf('=')) : flag.get(0);
            assertRefused(runc(argv.toArray(String[]::new)), name);
            assertRefused(runc(argv.toArray(String[]::new)), "is not supported: ");
        }
        assertRefused(runc("--root", r, "checkpoint", "--manage-cgroups-mode", "loose", "nosuch"),
                "invalid --manage-cgroups-mode 'loose': use soft");
    }

    @Test
    void restoreFlagsQuiltDoesNotDoAreRefusedFirst() {
        String r = root.toString();
        Map<List<String>, String> refused = Map.of(
                List.of("--console-socket", "/tmp/s"), "--console-socket is not supported: ",
                List.of("--lsm-profile", "apparmor:x"), "--lsm-profile is not supported: ",
                List.of("--lsm-mount-context", "system_u:object_r:x"), "--lsm-mount-context is not supported: ",
                List.of("--shell-job"), "--shell-job is not supported: ",
                List.of("--lazy-pages"), "--lazy-pages is not supported: ",
                List.of("--empty-ns", "network"), "--empty-ns network is not supported: ",
                List.of("--manage-cgroups-mode", "full"), "--manage-cgroups-mode full is not supported: ");
        refused.forEach((flag, line) -> {
            List<String> argv = new java.util.ArrayList<>(List.of("--root", r, "restore", "-d", "--image-path", "/tmp/x"));
            argv.addAll(flag);
            argv.add("c1");
            assertRefused(runc(argv.toArray(String[]::new)), line);
        });
        assertRefused(runc("--root", r, "restore", "--image-path", "/tmp/x", "c1"),
                "restore in the foreground is not supported: give --detach (-d)");
        assertRefused(runc("--root", r, "restore", "-d", "a/b"), "invalid container id");
        // containerd's shim: `restore --image-path P --work-path W --detach --pid-file F -no-subreaper --bundle B ID`
        assertRefused(runc("--root", r, "restore", "--image-path", "/tmp/x", "--work-path", "/tmp/w", "--detach",
                "--pid-file", "/tmp/p", "-no-subreaper", "--bundle", "/tmp/b", "c1"), "restore is not supported yet");
    }

    @Test
    void checkpointOfAnUnknownContainerIsRuncsDoesNotExist() {
        assertRefused(runc("--root", root.toString(), "checkpoint", "--image-path", "/tmp/x", "--work-path", "/tmp/w",
                "--leave-running", "--tcp-established", "--manage-cgroups-mode", "soft", "nosuch"),
                "container \"nosuch\" does not exist");
    }

    @Test
    void missingConfigJsonIsRefusedBeforeAnythingIsMade() throws IOException {
        Path bundle = Files.createDirectories(dir.resolve("empty-bundle"));
        assertRefused(runc("--root", root.toString(), "create", "--bundle", bundle.toString(), "c1"),
                "JSON specification file config.json not found");
        assertRefused(runc("--root", root.toString(), "run", "-b=" + bundle, "c1"),
                "JSON specification file config.json not found");
        assertFalse(Files.exists(root.resolve("run").resolve(".names").resolve("c1")));
    }

    /** runc opens its --log before anything else: one that cannot be opened is the error, not a silent loss. */
    @Test
    void aLogThatCannotBeOpenedIsRefused() {
        Path missing = dir.resolve("no-such-dir").resolve("log.json");
        assertRefused(runc("--root", root.toString(), "--log", missing.toString(), "--log-format", "json", "state", "x"),
                "open " + missing + ": no such file or directory");
        assertFalse(Files.exists(missing.getParent()), "nothing made on the way");
    }

    @Test
    void errorsGoToTheLogAsJsonLinesAndAsText() throws IOException {
        Path json = dir.resolve("log.json");
        runc("--root", root.toString(), "--log", json.toString(), "--log-format", "json", "state", "gone1");
        runc("--root=" + root, "--log=" + json, "--log-format=json", "--systemd-cgroup", "state", "gone2");
        List<String> lines = Files.readAllLines(json);
        assertEquals(2, lines.size(), lines.toString());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("error", first.get("level").asText());
        assertEquals("container \"gone1\" does not exist", first.get("msg").asText());
        assertTrue(first.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), lines.get(0));
        assertTrue(JSON.readTree(lines.get(1)).get("msg").asText().startsWith("--systemd-cgroup is not supported"));

        Path text = dir.resolve("log.txt");
        runc("--root", root.toString(), "--log", text.toString(), "kill", "gone3", "KILL");
        String t = Files.readString(text);
        assertTrue(t.matches("time=\"[^\"]+\" level=error msg=\"container \\\\\"gone3\\\\\" does not exist\"\n"), t);
    }

    @Test
    void listOfAnEmptyRootIsRuncs() {
        assertEquals(new Result(0, "null\n", ""), runc("--root", root.toString(), "list", "--format", "json"));
        assertEquals(new Result(0, "", ""), runc("--root", root.toString(), "list", "-q"));
        Result table = runc("--root", root.toString(), "list");
        assertEquals(0, table.exit());
        assertEquals("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n", table.out());
    }

    @Test
    void specWritesRuncsConfigJsonAndRefusesToOverwriteOne() throws IOException {
        Path bundle = Files.createDirectories(dir.resolve("spec-bundle"));
        assertEquals(new Result(0, "", ""), runc("spec", "--bundle", bundle.toString()));
        RuntimeSpec written = OciSpecCodec.read(bundle.resolve("config.json"));
        RuntimeSpec runc = OciSpecCodec.read(RUNC_SPEC);
        // runc 1.1.5's own `runc spec`, field by field; only the version string differs (runc: 1.0.2-dev)
        assertEquals(new RuntimeSpec(written.ociVersion(), runc.process(), runc.root(), runc.hostname(),
                runc.domainname(), runc.mounts(), runc.linux(), runc.hooks(), runc.annotations()), written);
        String before = Files.readString(bundle.resolve("config.json"));
        assertRefused(runc("spec", "-b", bundle.toString()), "config.json exists; remove it first");
        assertEquals(before, Files.readString(bundle.resolve("config.json")));
        assertRefused(runc("spec", "--bundle", dir.resolve("no-such-dir").toString()), "is not a directory");
    }

    @Test
    void rootlessSpecMapsTheCallerAndDropsTheNetworkNamespace() throws IOException {
        RuntimeSpec r = SpecVerb.rootless(SpecVerb.standard(), new long[] {1000, 1001});
        OciLinux l = r.linux().orElseThrow();
        assertTrue(l.namespaces().stream().anyMatch(n -> n.type() == OciLinux.NamespaceType.USER));
        assertFalse(l.namespaces().stream().anyMatch(n -> n.type() == OciLinux.NamespaceType.NETWORK));
        assertEquals(1000, l.uidMappings().get(0).hostID());
        assertEquals(1001, l.gidMappings().get(0).hostID());
        assertEquals(0, l.uidMappings().get(0).containerID());
        assertTrue(r.mounts().stream().noneMatch(m -> m.destination().equals("/sys/fs/cgroup")));
        assertTrue(r.mounts().stream().noneMatch(m -> m.options().contains("gid=5")));
        assertTrue(l.resources().isEmpty());
        Path bundle = Files.createDirectories(dir.resolve("rootless-bundle"));
        assertEquals(0, runc("spec", "--rootless", "--bundle", bundle.toString()).exit());
        assertTrue(OciSpecCodec.read(bundle.resolve("config.json")).linux().orElseThrow().uidMappings().size() == 1);
    }

    @Test
    void featuresPrintsJson() throws IOException {
        Result r = runc("features");
        assertEquals(0, r.exit(), r.toString());
        JsonNode f = JSON.readTree(r.out());
        assertEquals(FeaturesVerb.OCI_VERSION_MAX, f.get("ociVersionMax").asText());
        assertTrue(f.get("linux").get("seccomp").get("enabled").asBoolean());
    }

    @Test
    void everyVerbAnswersHelp() {
        for (String verb : List.of("create", "start", "run", "state", "kill", "delete", "list", "spec", "features")) {
            Result r = runc(verb, "--help");
            assertEquals(0, r.exit(), verb);
            assertTrue(r.out().startsWith("Usage: quilt-runc " + verb), r.out());
        }
    }
}
