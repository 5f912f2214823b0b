package dev.quilt.cli;

import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.Security;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.SecurityFlags;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** run's and create's confinement flags (docker's and podman's names); the rules are {@link SecurityFlags}'. */
public final class SecurityOptions {
    @Option(names = "--cap-add", paramLabel = "CAP", description = "add a capability (NET_ADMIN, CAP_NET_RAW, or ALL); "
            + "repeatable, or a comma list")
    List<String> capAdd = new ArrayList<>();

    @Option(names = "--cap-drop", paramLabel = "CAP", description = "drop a capability (or ALL); repeatable, or a comma list")
    List<String> capDrop = new ArrayList<>();

    @Option(names = "--privileged", description = "every capability, no seccomp filter, no masked or read-only paths "
            + "(the host is not protected from the container)")
    boolean privileged;

    @Option(names = "--security-opt", paramLabel = "OPT",
            description = "no-new-privileges[=true|false] (default true), seccomp=unconfined or seccomp=FILE "
                    + "(a docker/podman profile)")
    List<String> securityOpts = new ArrayList<>();

    @Option(names = "--group-add", paramLabel = "GID", description = "an additional numeric group for the process")
    List<String> groupAdd = new ArrayList<>();

    @Option(names = "--ulimit", paramLabel = "NAME=SOFT[:HARD]", description = "a resource limit: nofile=1024:2048, "
            + "nproc, core, … (-1: unlimited; HARD defaults to SOFT)")
    List<String> ulimits = new ArrayList<>();

    @Option(names = "--sysctl", paramLabel = "KEY=VALUE", description = "a namespaced sysctl: kernel.msg*, kernel.sem, "
            + "kernel.shm*, fs.mqueue.*, net.* (not with --network host)")
    List<String> sysctls = new ArrayList<>();

    @Option(names = "--userns", paramLabel = "MODE", description = "host (default), or auto[:size=N]: a user namespace "
            + "whose root is an unprivileged host uid, N ids (default 65536) from the subordinate ids of 'containers' "
            + "in /etc/subuid and /etc/subgid")
    String userns;

    @Option(names = "--uidmap", paramLabel = "CONTAINER:HOST:SIZE", description = "a user namespace with this uid "
            + "mapping (repeatable; e.g. 0:100000:65536)")
    List<String> uidmaps = new ArrayList<>();

    @Option(names = "--gidmap", paramLabel = "CONTAINER:HOST:SIZE", description = "its gid mapping (repeatable; "
            + "default: the same as --uidmap)")
    List<String> gidmaps = new ArrayList<>();

    Security security(NetworkMode network) {
        Optional<Seccomp.Profile> profile = SecurityFlags.seccompFile(securityOpts).map(SecurityOptions::readProfile);
        return SecurityFlags.security(new SecurityFlags.Given(capAdd, capDrop, privileged, securityOpts, profile,
                groupAdd, ulimits, sysctls), network).withUserns(UserNamespace.fromFlags(userns, uidmaps, gidmaps));
    }

    /**
     * The Engine API's form of these flags ({@code HostConfig.CapAdd}, {@code CapDrop}, {@code Privileged},
     * {@code SecurityOpt}, {@code GroupAdd}, {@code Ulimits} as {@code NAME=SOFT:HARD}, {@code Sysctls} as
     * {@code KEY=VALUE}): the same rules as the flags. A {@code seccomp=} whose value is a JSON object is the
     * profile itself (the docker CLI reads the file and sends its text); any other value is a file on this host.
     *
     * @throws dev.quilt.domain.QuiltException invalid input, as the flags are refused
     */
    public static Security fromApi(List<String> capAdd, List<String> capDrop, boolean privileged,
                                   List<String> securityOpts, List<String> groupAdd, List<String> ulimits,
                                   List<String> sysctls, NetworkMode network) {
        Optional<Seccomp.Profile> profile = SecurityFlags.seccompFile(securityOpts).map(v -> v.strip().startsWith("{")
                ? new Seccomp.Profile("api", v) : readProfile(v));
        return SecurityFlags.security(new SecurityFlags.Given(capAdd, capDrop, privileged, securityOpts, profile,
                groupAdd, ulimits, sysctls), network);
    }

    private static Seccomp.Profile readProfile(String file) {
        try {
            return new Seccomp.Profile(file, Files.readString(Path.of(file)));
        } catch (NoSuchFileException e) {
            throw QuiltException.invalid("--security-opt seccomp=" + file + ": no such file; give the path of a "
                    + "seccomp profile (JSON), or seccomp=unconfined");
        } catch (MalformedInputException e) {
            throw QuiltException.invalid("--security-opt seccomp=" + file + ": not a text file; give a seccomp profile (JSON)");
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw QuiltException.invalid("--security-opt seccomp=" + file + ": cannot be read ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        }
    }
}
