package dev.quilt.linux.monitor;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Readiness;
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.ProcessSpawner;

import java.time.Instant;
import java.util.Optional;

/** Our end of one monitor's socket. */
final class MonitorConnection {
    private final ContainerId id;
    private final int fd;
    private final byte[] buf = new byte[4096];
    private boolean closed;

    MonitorConnection(ContainerId id, int fd) {
        this.id = id;
        this.fd = fd;
    }

    /** The next message; a monitor that hangs up first has crashed. */
    Message receive() {
        return parse(Sockets.receive(fd, buf, "quilt-monitor of " + id.shortForm()));
    }

    /** The next message, or empty if {@code deadline} comes first. */
    Optional<Message> receive(Instant deadline) {
        int n = Sockets.receive(fd, buf, "quilt-monitor of " + id.shortForm(), deadline);
        return n == Sockets.TIMED_OUT ? Optional.empty() : Optional.of(parse(n));
    }

    private Message parse(int n) {
        if (n == 0) {
            close();
            throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-monitor of container '" + id.shortForm()
                    + "' exited before it reported; a foreground run shows its stderr above, a detached one has none");
        }
        return Message.parse(buf, n);
    }

    void close() {
        if (closed) return;
        closed = true;
        Processes.closeFd(fd);
    }

    /** The monitor hung up: it leaves once the init has exited. Messages before that are not for us. */
    private void awaitHangUp() {
        while (Sockets.receive(fd, buf, "quilt-monitor of " + id.shortForm()) > 0) {
            // READY came already; a handed-off monitor sends no EXIT
        }
        close();
    }

    /**
     * The launched container; {@code handedOff}: its init is its caller's subreaper's child
     * ({@link ProcessSpawner.Mode#HANDED_OFF}), whose exit code only that reaper learns.
     */
    ProcessSpawner.Launched launched(ProcessRef init, ProcessRef monitor, Readiness readiness, boolean handedOff) {
        int opened = Processes.openPidfd(init.pid());
        if (opened >= 0 && ProcStat.startTime(init.pid()).orElse(-1L) != init.startTime()) {
            Processes.closeFd(opened); // the init is gone and its pid already reused
            opened = -1;
        }
        int pidfd = opened;
        return new ProcessSpawner.Launched() {
            private ExitStatus exit;

            @Override
            public ProcessRef process() {
                return init;
            }

            @Override
            public Readiness readiness() {
                return readiness;
            }

            @Override
            public ProcessRef monitor() {
                return monitor;
            }

            @Override
            public synchronized ExitStatus awaitExit() {
                if (exit != null) return exit;
                if (handedOff) {
                    throw new IllegalStateException("a handed-off init's exit is its reaper's to learn, not ours");
                }
                Message m = receive();
                if (m.type() != Protocol.MSG_EXIT) {
                    throw new IllegalStateException("expected EXIT from quilt-monitor, got message " + m.type());
                }
                exit = MonitorSpawner.exitOf(m);
                return exit;
            }

            @Override
            public void signal(int signal) {
                if (pidfd >= 0) Processes.signal(pidfd, signal);
            }

            @Override
            public synchronized ExitStatus kill() {
                signal(Protocol.SIGKILL);
                if (handedOff) { // not our child: the monitor's hang-up is the event of its exit
                    if (exit == null) awaitHangUp();
                    exit = ExitStatus.killedBy(Protocol.SIGKILL);
                    return exit;
                }
                return awaitExit();
            }

            private boolean released;

            @Override
            public synchronized void close() {
                if (released) return;
                released = true;
                Processes.closeFd(pidfd);
                MonitorConnection.this.close(); // the monitor carries on and records the exit
            }
        };
    }
}
