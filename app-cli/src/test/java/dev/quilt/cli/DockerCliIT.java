package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's docker CLI 20.10 (docker.io, the client only: no dockerd) drives quilt serve through
 * {@code DOCKER_HOST}: version negotiation, {@code run --rm} (create, attach, wait, start), a detached container
 * through exec (plain, {@code -i} with stdin, {@code -it} through a pty from {@code script}), pause/unpause, stats, ps with a label filter, inspect, stop and rm -f; logs -f ending at the exit; events between
 * {@code --since} and {@code --until}; networks; checkpoint create/ls/rm and start --checkpoint (issue 16); and the
 * refusals a docker user meets (a port binding, a pull).
 */
class DockerCliIT {
    static DockerClients d;
    static String label;

    @BeforeAll
    static void up() throws Exception {
        d = DockerClients.up("docker-cli");
        label = "quilt.test=" + d.mark.substring(9);
    }

    @AfterAll
    static void down() throws Exception {
        if (d != null) d.close();
    }

    @Test
    void theClientNegotiatesApi141() throws Exception {
        DockerClients.Result v = d.expect(0, d.docker("version", "--format", "{{.Client.APIVersion}} {{.Server.APIVersion}}"));
        assertEquals("1.41 1.41\n", v.out(), v.describe());
    }

    @Test
    void runRmPrintsTheOutputAndExitsWithTheCommandsCode() throws Exception {
        DockerClients.Result hi = d.expect(0, d.docker("run", "--rm", "--label", label, DockerClients.IMAGE, "echo", "hi"));
        assertEquals("hi\n", hi.out(), hi.describe());
        d.expect(3, d.docker("run", "--rm", "--label", label, DockerClients.IMAGE, "sh", "-c", "exit 3"));
        // an empty command is docker's 127 (its start says exec: "": executable file not found); Quilt refuses it
        // at create, in words the docker CLI maps to the same code
        DockerClients.Result empty = d.expect(127, d.docker("run", "--rm", "--label", label, DockerClients.IMAGE, ""));
        assertTrue(empty.err().contains("executable file not found"), empty.describe());
        DockerClients.Result left = d.expect(0, d.docker("ps", "-aq", "--filter", "label=" + label,
                "--filter", "ancestor=" + DockerClients.IMAGE));
        assertEquals("", left.out(), "run --rm left its container:\n" + left.describe());
    }

    @Test
    void aDetachedContainerThroughExecPauseStatsPsInspectStopAndRm() throws Exception {
        String c = "cli-detached";
        d.expect(0, d.docker("run", "-d", "--name", c, "--label", label, DockerClients.IMAGE));
        assertEquals("true /" + c + "\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Running}} {{.Name}}", c)).out());

        DockerClients.Result exec = d.expect(4, d.docker("exec", c, "sh", "-c", "echo out; echo err >&2; exit 4"));
        assertEquals("out\n", exec.out(), exec.describe());
        assertEquals("err\n", exec.err(), exec.describe());

        Path in = Files.createTempFile("quilt-cli-stdin", ".txt");
        try {
            Files.writeString(in, "through stdin\n");
            DockerClients.Result cat = d.run(Duration.ofSeconds(60), Map.of(), null, in,
                    d.docker("exec", "-i", c, "sh", "-c", "cat; echo end"));
            if (cat.exit() != 0 || !cat.out().equals("through stdin\nend\n")) throw d.failure("exec -i", cat);
        } finally {
            Files.deleteIfExists(in);
        }

        DockerClients.Result tty = d.expect(0, List.of("script", "-qec",
                String.join(" ", d.docker("exec", "-it", c, "sh", "-c", "tty; stty size")), "/dev/null"));
        if (!tty.out().matches("(?s).*/dev/pts/\\d+.*")) throw d.failure("exec -it has no pty", tty);
        // the CLI sizes the exec's pty with a resize sent right after its start: the command starts at that size
        DockerClients.Result sized = d.expect(0, List.of("script", "-qec", "stty rows 30 cols 90; "
                + String.join(" ", d.docker("exec", "-it", c, "stty", "size")), "/dev/null"));
        if (!sized.out().contains("30 90")) throw d.failure("exec -it starts at the terminal's size", sized);

        d.expect(0, d.docker("pause", c));
        assertEquals("paused\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Status}}", c)).out());
        d.expect(0, d.docker("unpause", c));
        assertEquals("running\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Status}}", c)).out());

        DockerClients.Result stats = d.expect(0, d.docker("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", c));
        if (!stats.out().startsWith(c + " ") || stats.out().strip().endsWith(" 0")) throw d.failure("stats", stats);

        DockerClients.Result ps = d.expect(0, d.docker("ps", "-a", "--filter", "label=" + label, "--format", "{{.Names}}"));
        assertTrue(ps.out().lines().toList().contains(c), ps.describe());

        d.expect(0, d.docker("stop", "-t", "10", c));
        assertEquals("exited\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Status}}", c)).out());
        d.expect(0, d.docker("rm", "-f", c));
        DockerClients.Result gone = d.run(d.docker("inspect", c));
        if (gone.exit() == 0 || !gone.err().contains("No such")) throw d.failure("inspect of a removed container", gone);
    }

    /** issue 16: the CLI's experimental checkpoint commands (the server says Docker-Experimental) on its checkpoint API. */
    @Test
    void checkpointCreateLsStartFromItAndRm() throws Exception {
        String c = "cli-ckpt";
        d.expect(0, d.docker("run", "-d", "--name", c, "--label", label, "--network", "none", DockerClients.IMAGE,
                "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 1; done"));
        assertEquals("c1\n", d.expect(0, d.docker("checkpoint", "create", "--leave-running", c, "c1")).out());
        assertEquals("running\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Status}}", c)).out());
        assertEquals("c2\n", d.expect(0, d.docker("checkpoint", "create", c, "c2")).out());
        assertEquals("exited\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Status}}", c)).out(),
                "without --leave-running the dump ends it, as dockerd's");
        DockerClients.Result ls = d.expect(0, d.docker("checkpoint", "ls", c));
        assertEquals(List.of("CHECKPOINT NAME", "c2", "c1"), ls.out().lines().map(String::strip).toList(), ls.describe());
        d.expect(0, d.docker("start", "--checkpoint", "c2", c));
        assertEquals("running\n", d.expect(0, d.docker("inspect", "-f", "{{.State.Status}}", c)).out());
        d.expect(0, d.docker("checkpoint", "rm", c, "c1"));
        d.expect(0, d.docker("checkpoint", "rm", c, "c2"));
        assertEquals(List.of("CHECKPOINT NAME"), d.expect(0, d.docker("checkpoint", "ls", c)).out().lines()
                .map(String::strip).toList());
        DockerClients.Result none = d.run(d.docker("checkpoint", "rm", c, "c1"));
        if (none.exit() == 0 || !none.err().contains("No such checkpoint")) throw d.failure("rm of a removed one", none);
        d.expect(0, d.docker("rm", "-f", c));
    }

    @Test
    void cpBothWays() throws Exception {
        String c = "cli-cp";
        d.expect(0, d.docker("run", "-d", "--name", c, "--label", label, DockerClients.IMAGE));
        Path dir = Files.createTempDirectory("quilt-cli-cp");
        try {
            byte[] payload = new byte[300_000];
            new java.util.Random(15).nextBytes(payload);
            Files.write(dir.resolve("in.bin"), payload);
            d.expect(0, d.docker("cp", dir.resolve("in.bin").toString(), c + ":/tmp/in.bin"));
            assertEquals("300000\n", d.expect(0, d.docker("exec", c, "sh", "-c", "wc -c < /tmp/in.bin")).out());
            d.expect(0, d.docker("exec", c, "sh", "-c", "mkdir -p /tmp/out && echo made > /tmp/out/f.txt"));
            d.expect(0, d.docker("cp", c + ":/tmp/out", dir.resolve("back").toString()));
            assertEquals("made\n", Files.readString(dir.resolve("back/f.txt")));
            d.expect(0, d.docker("cp", c + ":/tmp/in.bin", dir.resolve("in-back.bin").toString()));
            assertTrue(java.util.Arrays.equals(payload, Files.readAllBytes(dir.resolve("in-back.bin"))));
        } finally {
            dev.quilt.linux.AtomicFiles.deleteTree(dir);
        }

        d.expect(0, d.docker("rm", "-f", c));
    }

    @Test
    void logsFollowEndsAtTheExit() throws Exception {
        String c = "cli-logs";
        d.expect(0, d.docker("run", "-d", "--name", c, "--label", label, DockerClients.IMAGE, "sh", "-c",
                "echo first; sleep 1; echo second >&2; echo third"));
        DockerClients.Result logs = d.expect(0, d.docker("logs", "-f", c));
        assertEquals("first\nthird\n", logs.out(), logs.describe());
        assertEquals("second\n", logs.err(), logs.describe());
        d.expect(0, d.docker("rm", c));
    }

    @Test
    void eventsBetweenSinceAndUntil() throws Exception {
        long since = System.currentTimeMillis() / 1000 - 1;
        String mine = "quilt.test.events=" + d.mark.substring(9);
        d.expect(0, d.docker("run", "--rm", "--name", "cli-events", "--label", label, "--label", mine,
                DockerClients.IMAGE, "true"));
        long until = System.currentTimeMillis() / 1000 + 1;
        DockerClients.Result ev = d.expect(0, d.docker("events", "--since", Long.toString(since), "--until",
                Long.toString(until), "--filter", "label=" + mine, "--format", "{{.Type}} {{.Action}}"));
        List<String> lines = ev.out().lines().toList();
        for (String a : List.of("create", "start", "die", "destroy")) {
            assertTrue(lines.contains("container " + a), "no " + a + " event:\n" + ev.describe());
        }
        assertTrue(lines.indexOf("container create") < lines.indexOf("container destroy"), ev.describe());
    }

    /** docker update, rename, diff and export on their routes; exec -u of a user the container lacks exits 126. */
    @Test
    void updateRenameDiffExportAndAnUnknownExecUser() throws Exception {
        d.expect(0, d.docker("run", "-d", "--name", "cli-upd", "--label", label, "--network", "none",
                DockerClients.IMAGE));
        Path tar = Files.createTempFile("quilt-cli-export", ".tar");
        try {
            d.expect(0, d.docker("update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "64",
                    "--cpus", "0.5", "cli-upd"));
            assertEquals("67108864 64 500000000\n", d.expect(0, d.docker("inspect", "-f",
                    "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}", "cli-upd")).out());
            d.expect(0, d.docker("rename", "cli-upd", "cli-ren"));
            assertEquals("/cli-ren\n", d.expect(0, d.docker("inspect", "-f", "{{.Name}}", "cli-ren")).out());

            d.expect(0, d.docker("exec", "cli-ren", "sh", "-c", "echo hi > /root/made"));
            DockerClients.Result diff = d.expect(0, d.docker("diff", "cli-ren"));
            assertTrue(diff.out().lines().toList().containsAll(List.of("C /root", "A /root/made")), diff.describe());
            d.expect(0, d.docker("export", "-o", tar.toString(), "cli-ren"));
            String made = null;
            try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(tar))) {
                for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    if (e.getName().equals("root/made")) made = new String(in.readAllBytes());
                }
            }
            assertEquals("hi\n", made, "the export holds the file written in the container");

            DockerClients.Result user = d.run(d.docker("exec", "-u", "nosuchuser", "cli-ren", "id"));
            if (user.exit() != 126 || !(user.out() + user.err()).contains("unable to find user nosuchuser")) {
                throw d.failure("exec -u nosuchuser: docker's 126", user);
            }
        } finally {
            Files.deleteIfExists(tar);
            d.run(d.docker("rm", "-f", "cli-upd"));
            d.run(d.docker("rm", "-f", "cli-ren"));
        }
    }

    @Test
    void networksAreNamesOfTheRootsBridge() throws Exception {
        d.expect(0, d.docker("network", "create", "cli_net"));
        DockerClients.Result ls = d.expect(0, d.docker("network", "ls", "--format", "{{.Name}} {{.Driver}}"));
        assertEquals(List.of("bridge bridge", "cli_net bridge", "host host", "none null"),
                ls.out().lines().sorted().toList(), ls.describe());
        d.expect(0, d.docker("run", "-d", "--name", "cli-on-net", "--network", "cli_net", "--label", label,
                DockerClients.IMAGE));
        DockerClients.Result members = d.expect(0, d.docker("network", "inspect", "-f",
                "{{range .Containers}}{{.Name}} {{end}}", "cli_net"));
        assertTrue(members.out().contains("cli-on-net"), members.describe());
        d.expect(0, d.docker("rm", "-f", "cli-on-net"));
        d.expect(0, d.docker("network", "rm", "cli_net"));
        DockerClients.Result bridge = d.run(d.docker("network", "rm", "bridge"));
        if (bridge.exit() == 0 || !bridge.err().contains("pre-defined")) throw d.failure("rm of bridge", bridge);
    }

    @Test
    void refusalsSayWhatToDo() throws Exception {
        DockerClients.Result ports = d.run(d.docker("run", "--rm", "--name", "cli-ports", "-p", "80:80",
                DockerClients.IMAGE, "true"));
        if (ports.exit() == 0 || !ports.err().contains("PortBindings")) throw d.failure("run -p", ports);
        DockerClients.Result none = d.expect(0, d.docker("ps", "-aq", "--filter", "name=cli-ports"));
        assertEquals("", none.out(), "a refused create left a container");

        DockerClients.Result pull = d.run(d.docker("pull", "no-such-image-anywhere"));
        if (pull.exit() == 0 || !pull.err().contains("load")) throw d.failure("pull", pull);

        DockerClients.Result ghost = d.run(d.docker("exec", "cli-ghost", "true"));
        if (ghost.exit() == 0 || !ghost.err().contains("No such container")) throw d.failure("exec of none", ghost);
        DockerClients.Result volume = d.run(d.docker("volume", "create", "data"));
        if (volume.exit() == 0 || !volume.err().contains("HostConfig.Binds")) throw d.failure("volume create", volume);
    }
}
