package dev.quilt.cli;

import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.Stdio;
import dev.quilt.usecases.ExecInContainer;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ExecInContainer#exec(String, ExecInContainer.Request, Stdio)} and {@link ExecInContainer#start} with fds
 * of the caller's (the fast CLI's client fds, the server's socket pairs): the command writes to those, not to ours.
 */
class ExecWithFdsIT {
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static Path root;
    static Quilt quilt;
    static ExecInContainer exec;

    @BeforeAll
    static void up() throws Exception {
        io.netty.channel.epoll.Epoll.ensureAvailability(); // Netty's native, for reading our ends
        root = Files.createTempDirectory("quilt-exec-fds");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "box", "-e", MARK);
        assertEquals(0, r.exit(), r.err());
        GlobalOptions options = new GlobalOptions();
        options.root(root);
        exec = DaggerQuiltComponent.builder().options(options).build().execInContainer();
    }

    @AfterAll
    static void down() throws Exception {
        try {
            quilt.run("rm", "-f", "box");
        } finally {
            quilt.close(MARK);
        }
    }

    private static ExecInContainer.Request sh(String line, boolean stdinOpen, boolean tty) {
        return new ExecInContainer.Request(List.of("sh", "-c", line), List.of(), k -> Optional.empty(),
                Optional.empty(), Optional.empty(), stdinOpen, tty);
    }

    /** Everything in our end {@code fd} up to its end of file. */
    private static String drain(int fd) throws IOException {
        Socket s = new Socket(fd);
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n;
        while ((n = s.read(buf, 0, buf.capacity())) > 0) {
            byte[] b = new byte[n];
            buf.get(0, b, 0, n);
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theCommandWritesToTheGivenFds() throws Exception {
        int[] in = Sockets.streamPair(), out = Sockets.streamPair(), err = Sockets.streamPair();
        try {
            ByteBuffer hello = ByteBuffer.allocateDirect(6).put("hello\n".getBytes(StandardCharsets.UTF_8)).flip();
            new Socket(in[0]).write(hello, 0, 6);
            new Socket(in[0]).shutdown(false, true);
            ExitStatus exit = exec.exec("box", sh("tr a-z A-Z; echo err >&2; exit 5", true, false),
                    new Stdio(in[1], out[1], err[1]));
            assertEquals(ExitStatus.exited(5), exit);
            for (int fd : new int[] {in[1], out[1], err[1]}) Processes.closeFd(fd);
            assertEquals("HELLO\n", drain(out[0]));
            assertEquals("err\n", drain(err[0]));
        } finally {
            for (int fd : new int[] {in[0], out[0], err[0]}) Processes.closeFd(fd);
        }
    }

    @Test
    void aSessionsTtyIsRelayedToASocket() throws Exception {
        int[] out = Sockets.streamPair();
        try {
            ExecInContainer.Request req = sh("stty size; echo on a tty", false, true);
            try (ContainerExec.Session s = exec.start("box", req, new Stdio(out[1], out[1], out[1]),
                    new ContainerExec.Options(false, true, 33, 101, Optional.empty()))) {
                Processes.closeFd(out[1]);
                assertEquals(ExitStatus.exited(0), s.await());
            }
            assertEquals("33 101\r\non a tty\r\n", drain(out[0]));
        } finally {
            Processes.closeFd(out[0]);
        }
    }

    @Test
    void aTtyReadingStdinNeedsATerminalThere() {
        int[] in = Sockets.streamPair();
        try {
            QuiltException e = assertThrows(QuiltException.class, () -> exec.exec("box", sh("cat", true, true),
                    new Stdio(in[1], in[1], in[1])));
            assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        } finally {
            Processes.closeFd(in[0]);
            Processes.closeFd(in[1]);
        }
    }
}
