package dev.quilt.ports;

/**
 * The seccomp program a container process loads last before {@code execve}: the
 * filter of {@code choice} for a process holding {@code caps}, compiled to classic
 * BPF (an array of {@code struct sock_filter}, 8 bytes each, host byte order) that
 * {@code seccomp(SECCOMP_SET_MODE_FILTER)} takes as is. Empty for
 * {@link dev.quilt.domain.Seccomp.Unconfined}. A profile that cannot be read or
 * compiled is a {@link dev.quilt.domain.QuiltException} (invalid input) whose one
 * line names the profile and the field.
 */
public interface SeccompFilters {
    java.util.Optional<byte[]> program(dev.quilt.domain.Seccomp choice, dev.quilt.domain.Capabilities caps);
}
