package dev.quilt.ports;

/** Whether this process may do what a container runtime must. */
@FunctionalInterface
public interface Privileges {
    boolean isRoot();
}
