package dev.quilt.linux.seccomp;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Seccomp;
import dev.quilt.linux.jni.NativeLibrary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiled programs loaded by the kernel, without the container's init: the test
 * helper {@code seccomp_run} (native/test) sets no_new_privs, loads a program file
 * with seccomp(2) and execs {@code seccomp_probe}, which makes one syscall with
 * arguments the kernel refuses or that change nothing outside the probe, and prints
 * the errno. As root the kernel itself never answers EPERM to these, so EPERM is the
 * filter's. Nothing here needs a container, a network or a mount.
 */
class SeccompFiltersIT {
    private static final Path HELPERS = Path.of("..", "native", "target", "cmake", "test-helpers").toAbsolutePath();

    @TempDir
    Path dir;

    private LinuxSeccompFilters filters;

    @BeforeEach
    void load() {
        assertEquals("0", uid(), "this test runs as root (mvn verify -DskipITs=false as root)");
        assertTrue(Files.isExecutable(HELPERS.resolve("seccomp_run")),
                "the test helpers are built by native's CMake: " + HELPERS);
        NativeLibrary.load(dir.resolve("native"));
        filters = new LinuxSeccompFilters(dir.resolve("seccomp"));
    }

    private static String uid() {
        try {
            return new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path programFile(Seccomp choice, Capabilities caps) throws IOException {
        Path f = Files.createTempFile(dir, "program", ".bpf");
        Files.write(f, filters.program(choice, caps).orElseThrow());
        return f;
    }

    /** Runs CMD under the program (or "unconfined"); its stdout, stripped. */
    private static String run(String program, String... cmd) throws Exception {
        List<String> argv = new ArrayList<>(List.of(HELPERS.resolve("seccomp_run").toString(), program));
        argv.addAll(List.of(cmd));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), String.join(" ", argv) + " said: " + out);
        return out;
    }

    private static String probe(String program, String syscall) throws Exception {
        return run(program, HELPERS.resolve("seccomp_probe").toString(), syscall);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpf", "perf_event_open", "userfaultfd", "clock_settime", "swapoff", "mount", "umount2",
            "unshare_user", "keyctl", "open_by_handle_at", "setns"})
    void theDefaultProfileRefusesWhatTheDefaultCapabilitiesDoNotCover(String syscall) throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT);
        assertEquals("EPERM", probe(program.toString(), syscall));
        assertNotEquals("EPERM", probe("unconfined", syscall), "unconfined, the kernel answers " + syscall);
    }

    @Test
    void clone3IsNotThereSoTheCLibraryFallsBackToClone() throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT);
        assertEquals("ENOSYS", probe(program.toString(), "clone3"));
        assertEquals("EINVAL", probe("unconfined", "clone3"));
    }

    @Test
    void ordinaryProgramsWork() throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT);
        assertEquals("OK", probe(program.toString(), "getpid"));
        assertEquals("ok", run(program.toString(), "/bin/sh", "-c", "ls / >/dev/null && cat /proc/self/status"
                + " | grep -q '^Seccomp:[[:space:]]*2' && echo ok"));
    }

    @Test
    void capabilitiesOpenWhatTheProfileGivesThem() throws Exception {
        Capabilities admin = Capabilities.DEFAULT.adjusted(List.of("SYS_ADMIN", "SYS_TIME"), List.of());
        Path program = programFile(Seccomp.DEFAULT, admin);
        assertEquals("EFAULT", probe(program.toString(), "mount"), "CAP_SYS_ADMIN includes mount");
        assertEquals("EINVAL", probe(program.toString(), "clock_settime"), "CAP_SYS_TIME includes clock_settime");
        assertEquals("EPERM", probe(program.toString(), "userfaultfd"), "only CAP_SYS_PTRACE includes userfaultfd");
        Path ptrace = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT.adjusted(List.of("SYS_PTRACE"), List.of()));
        assertEquals("EINVAL", probe(ptrace.toString(), "userfaultfd"), "CAP_SYS_PTRACE includes userfaultfd");
    }

    @ParameterizedTest
    @ValueSource(strings = {"socket_vsock", "socket_alg", "personality_norandom"})
    void theDefaultProfileRefusesWhatItsArgumentRulesLeaveOut(String probe) throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT);
        assertEquals("EPERM", probe(program.toString(), probe));
        assertNotEquals("EPERM", probe("unconfined", probe), "unconfined, the kernel answers " + probe);
        assertEquals("OK", probe(program.toString(), "socket_inet"), "AF_INET is among the families allowed");
    }

    /**
     * The default profile covers x86_64 and x86, not x32 (README.md beside it): an x32 call meets libseccomp's
     * bad-arch action, which kills the caller (SIGSYS), whatever the kernel would have answered unconfined.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledOnOs(architectures = {"amd64", "x86_64"})
    void anX32CallIsKilledUnderTheDefaultProfile() throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT);
        Process p = new ProcessBuilder(HELPERS.resolve("seccomp_run").toString(), program.toString(),
                HELPERS.resolve("seccomp_probe").toString(), "x32_getpid")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(128 + 31, p.waitFor(), "killed by SIGSYS; it said: " + out);
        assertEquals("", out);
        String unconfined = probe("unconfined", "x32_getpid");
        assertTrue(unconfined.equals("OK") || unconfined.equals("ENOSYS"), "the kernel's own answer: " + unconfined);
    }

    @Test
    void ioUringIsNotThereSoItsUsersFallBack() throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.ALL);
        assertEquals("ENOSYS", probe(program.toString(), "io_uring_setup"), "whatever the capabilities");
        assertNotEquals("ENOSYS", probe("unconfined", "io_uring_setup"));
    }

    /**
     * A handful of ordinary commands, one shell script under the default program: a
     * profile that forgot a syscall some common tool makes shows up as a non-zero exit
     * or a missing line (an allow-list fails closed, so this is what catches it).
     */
    @Test
    void ordinaryCommandsRunUnderTheDefaultProfile() throws Exception {
        Path program = programFile(Seccomp.DEFAULT, Capabilities.DEFAULT);
        Path work = Files.createDirectory(dir.resolve("work"));
        String script = String.join("\n",
                "set -e",
                "cd " + work,
                "i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo loop=$i",
                "mkdir -p a/b/c && echo hello > a/b/c/f && cat a/b/c/f",
                "ln -s a/b/c/f link && ln a/b/c/f hard && cat link hard | wc -l",
                "cp a/b/c/f copy && mv copy moved && chmod 600 moved && ls -l moved | cut -c1-10",
                "touch -d @0 old && stat -c %Y old",
                "find . -type f | sort | tr '\\n' ' '; echo",
                "printf 'b\\na\\n' | sort | head -1",
                "date -u -d @86400 +%F",
                "sleep 0 && echo slept",
                "sh -c 'exit 3' || echo child=$?",
                "(echo sub) | cat",
                "rm -r a link hard moved old && ls -A | wc -l",
                "id -u",
                "uname -s",
                "echo done");
        String out = run(program.toString(), "/bin/sh", "-c", script);
        assertEquals(String.join("\n", "loop=3", "hello", "2", "-rw-------", "0",
                "./a/b/c/f ./hard ./moved ./old ", "a", "1970-01-02", "slept", "child=3", "sub", "0", "0", "Linux",
                "done"), out);
    }

    @Test
    void aGivenProfileIsLoadedAsWritten() throws Exception {
        String profile = """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                              {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
                               "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}]}
                """;
        Path program = programFile(new Seccomp.Profile("t.json", profile), Capabilities.DEFAULT);
        assertEquals("EACCES", probe(program.toString(), "getpid"));
        assertEquals("EINVAL", probe(program.toString(), "setns"), "setns(-1, 0) matches the argument rule");
        assertEquals("EFAULT", probe(program.toString(), "mount"), "allowed by default");
    }
}
