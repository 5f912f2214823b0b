package dev.quilt.ports;

/**
 * The seccomp program a container process loads last before {@code execve}: the
 * {@code choice} (the default profile, none, or a docker/podman/OCI profile)
 * compiled for this machine's architecture, with the rules that depend on the
 * process's capabilities {@code caps} decided (docker's profile allows some
 * syscalls only with a capability, e.g. {@code CAP_SYS_ADMIN}). The answer is the
 * raw bytes of a {@code struct sock_filter[]} (seccomp(2),
 * {@code SECCOMP_SET_MODE_FILTER}), 8 bytes an instruction in the host's byte
 * order, at most 4096 instructions; empty means no filter
 * ({@link dev.quilt.domain.Seccomp.Unconfined}). A profile that cannot be
 * compiled throws {@link dev.quilt.domain.QuiltException} with one line naming it.
 */
public interface SeccompFilters {
    java.util.Optional<byte[]> program(dev.quilt.domain.Seccomp choice, dev.quilt.domain.Capabilities caps);
}
