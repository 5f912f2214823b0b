package dev.quilt.domain;

/**
 * The seccomp filter a container process gets (OCI {@code linux.seccomp}):
 * the default profile (Quilt's own allow-list, of the same intent as docker's), none, or a
 * profile in docker's/podman's JSON format ({@code --security-opt seccomp=FILE})
 * or OCI's, held as text with where it came from (for errors).
 */
public sealed interface Seccomp {
    Seccomp DEFAULT = new Default();
    Seccomp UNCONFINED = new Unconfined();

    /** Quilt's default profile, kept in the repo as data (adapters-linux, {@code seccomp/default.json}). */
    record Default() implements Seccomp {}

    /** No filter beyond Quilt's own pid 1 kill notifier ({@code seccomp=unconfined}, {@code --privileged}). */
    record Unconfined() implements Seccomp {}

    /** A profile given as JSON text; {@code origin} names it in errors (a file path, or {@code config.json}). */
    record Profile(String origin, String json) implements Seccomp {}
}
