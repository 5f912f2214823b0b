package dev.quilt.domain;

/** The Linux namespaces a container may get, in the OCI spec's words. */
public enum Namespace {
    PID("pid"), MOUNT("mount"), UTS("uts"), IPC("ipc"), NETWORK("network"), CGROUP("cgroup"), USER("user");

    private final String ociName;

    Namespace(String ociName) {
        this.ociName = ociName;
    }

    public String ociName() {
        return ociName;
    }
}
