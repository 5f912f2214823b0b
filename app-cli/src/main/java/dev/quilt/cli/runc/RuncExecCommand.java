package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.oci.OciSpecCodec;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.ExecInContainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code quilt-runc exec}: runc 1.1's {@code exec} (its {@code exec.go}), through the one exec path
 * ({@link ExecInContainer#execRunc}). As containerd's shim calls it: {@code exec --process FILE [--console-socket S]
 * --detach --pid-file F ID}; as conmon does, the same with {@code --flag=value}, or without {@code --detach},
 * waiting for the command. Foreground, it exits with the command's code (128+n for signal n); detached, 0 once the
 * command has exec'd, the command left to the caller's nearest child subreaper. A failure before the command runs
 * throws (runc exits 255 then: {@link #EXIT_EXEC_FAILED}). Options end at the container's id
 * ({@link #configure}): what follows is the command, as runc takes it.
 */
@Command(name = "exec", description = "Execute a new process inside the container (runc's exec).",
        customSynopsis = "quilt-runc exec [OPTIONS] CONTAINER-ID [COMMAND [ARG...]]")
public final class RuncExecCommand implements Callable<Integer> {
    private final RuncContainers containers;
    /** runc's exit code when exec fails before the command runs (exec.go: fatalWithCode(..., 255)). */
    public static final int EXIT_EXEC_FAILED = 255;

    /**
     * The fds 3 and up that quilt-runc's caller passed, space-separated, as the launcher saw them before it
     * exec'd the JVM (those not close-on-exec). {@code --preserve-fds} passes only these: at a number the caller
     * left closed sits a file of the JVM's own (its modules, quilt.jar), which must never reach a container.
     */
    public static final String PASSED_FDS_ENV = "QUILT_RUNC_PASSED_FDS";

    private final Lazy<ExecInContainer> exec;
    private final Privileges privileges;

    /** conmon 2.1 gives {@code --process} twice: the last one counts, as in runc's flag parser. */
    @Option(names = {"--process", "-p"}, paramLabel = "FILE", description = "an OCI process JSON (config.md "
            + "\"Process\"): the whole process; no command or process flags with it (--tty is ignored)")
    List<Path> process = new ArrayList<>();

    @Option(names = {"--detach", "-d"}, description = "return once the command runs; the caller's child subreaper reaps it")
    boolean detach;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "write the command's host pid here (atomically)")
    Path pidFile;

    @Option(names = "--console-socket", paramLabel = "PATH", description = "AF_UNIX socket that receives the pty "
            + "master (with --tty or process.terminal)")
    String consoleSocket;

    @Option(names = {"--tty", "-t"}, description = "a pseudo-terminal of the container's for the command")
    boolean tty;

    @Option(names = {"--env", "-e"}, paramLabel = "KEY=VALUE", description = "on top of the container's environment")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", paramLabel = "DIR", description = "working directory (default: the container's)")
    String cwd;

    @Option(names = {"--user", "-u"}, paramLabel = "UID[:GID]", description = "numeric user (and group)")
    String user;

    @Option(names = {"--additional-gids", "-g"}, paramLabel = "GID", description = "another group, repeatable")
    List<Integer> additionalGids = new ArrayList<>();

    @Option(names = {"--cap", "-c"}, paramLabel = "CAP", description = "add a capability to all five sets, repeatable")
    List<String> caps = new ArrayList<>();

    @Option(names = "--no-new-privs", description = "set no_new_privs for the command")
    boolean noNewPrivs;

    @Option(names = "--process-label", paramLabel = "LABEL", description = "SELinux label (this host has no SELinux: "
            + "not applied, as runc skips it)")
    String processLabel;

    @Option(names = "--apparmor", paramLabel = "PROFILE", description = "AppArmor profile (this host has no AppArmor: "
            + "not applied, as for a bundle's apparmorProfile)")
    String apparmor;

    @Option(names = "--preserve-fds", paramLabel = "N", description = "pass our fds 3..3+N-1 on to the command")
    int preserveFds;

    @Parameters(paramLabel = "ARGS", description = "CONTAINER-ID [COMMAND [ARG...]]")
    List<String> positional = new ArrayList<>();

    @Inject
    public RuncExecCommand(Lazy<ExecInContainer> exec, Privileges privileges, RuncContainers containers) {
        this.containers = containers;
        this.exec = exec;
        this.privileges = privileges;
    }

    /**
     * What the face must set on this command's {@link CommandLine}: options end at the container's id, and an
     * option given twice takes the last value, as runc's parser (urfave/cli) does.
     */
    public static CommandLine configure(CommandLine exec) {
        return exec.setStopAtPositional(true).setOverwrittenOptionsAllowed(true);
    }

    @Override
    public Integer call() {
        if (positional.isEmpty()) throw QuiltException.invalid("name the container: quilt-runc exec CONTAINER-ID COMMAND");
        String id = positional.get(0);
        List<String> args = positional.subList(1, positional.size());
        if (!args.isEmpty() && args.get(0).equals("--")) args = args.subList(1, args.size());
        requirePassed(preserveFds, containers.invocation().getenv(PASSED_FDS_ENV));
        if (!privileges.isRoot()) {
            throw new QuiltException(QuiltException.Kind.PERMISSION, "'quilt-runc exec' must be run as root");
        }
        Optional<OciProcess> spec = process.isEmpty() ? Optional.empty()
                : Optional.of(OciSpecCodec.readProcess(process.get(process.size() - 1)));
        Optional<Integer> uid = Optional.empty(), gid = Optional.empty();
        if (user != null) {
            String[] parts = user.split(":", -1);
            if (parts.length > 2) throw QuiltException.invalid("invalid --user '" + user + "': use UID or UID:GID");
            uid = Optional.of(number("--user", parts[0]));
            if (parts.length == 2) gid = Optional.of(number("--user", parts[1]));
        }
        ExecInContainer.RuncRequest req = new ExecInContainer.RuncRequest(spec, args, env, Optional.ofNullable(cwd),
                uid, gid, additionalGids, caps, noNewPrivs, tty,
                new ContainerExec.Handoff(detach, Optional.ofNullable(consoleSocket)
                        .map(s -> s.isEmpty() || s.indexOf('\0') >= 0 ? s : containers.invocation().resolve(s).toString()),
                preserveFds));
        Optional<ExitStatus> exit = exec.get().execRunc(containers.require(id).value(), req, this::writePidFile);
        return exit.map(ExitStatus::code).orElse(0);
    }

    /** runc's pid file: the decimal pid, no newline, written atomically (temp, fsync, rename, fsync dir). */
    private void writePidFile(int pid) {
        if (pidFile == null) return;
        Path target = containers.invocation().resolve(pidFile);
        try {
            AtomicFiles.write(target, Integer.toString(pid).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw QuiltException.invalid("cannot write the pid file " + target + ": "
                    + String.valueOf(e.getMessage()).toLowerCase());
        }
    }

    /** Refuses {@code --preserve-fds n} unless the caller passed every fd of 3..3+n-1 ({@link #PASSED_FDS_ENV}). */
    static void requirePassed(int n, Optional<String> passed) {
        if (n <= 0) return;
        String list = passed.orElseThrow(() -> QuiltException.invalid("--preserve-fds needs the quilt-runc launcher, "
                + "which names the fds it was given in " + PASSED_FDS_ENV + "; run quilt-runc through it"));
        java.util.Set<String> given = java.util.Set.of(list.trim().isEmpty() ? new String[0] : list.trim().split("\\s+"));
        for (int fd = 3; fd < 3 + n; fd++) {
            if (!given.contains(Integer.toString(fd))) {
                throw QuiltException.invalid("--preserve-fds " + n + ": fd " + fd + " was not passed to quilt-runc; "
                        + "pass fds 3 to " + (2 + n) + " or lower the count");
            }
        }
    }

    private static int number(String flag, String s) {
        try {
            int n = Integer.parseInt(s);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw QuiltException.invalid("invalid " + flag + " '" + s + "': use a numeric UID or UID:GID");
        }
    }
}
