package dev.quilt.cli.runc;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.Container;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.Status;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A container's OCI state (runtime-spec runtime.md "State": {@code ociVersion}, {@code id},
 * {@code status}, {@code pid}, {@code bundle}, {@code annotations}) with what runc 1.1's
 * {@code state} adds: {@code rootfs}, {@code created} (RFC 3339 with nanoseconds) and
 * {@code owner} ({@code ""}), in runc's order. {@code pid} is the init's, 0 once stopped
 * (runc's); {@code annotations} are the bundle's, left out when there are none (runc's omitempty).
 */
record OciState(String id, int pid, String status, String bundle, String rootfs, String created,
                Map<String, String> annotations, String owner) {
    /** The runtime-spec version the state follows. */
    static final String OCI_VERSION = "1.0.2";

    static OciState of(String id, Container c) {
        int pid = c.status() == Status.STOPPED ? 0 : c.init().map(ProcessRef::pid).orElse(0);
        String bundle = c.spec().bundle().map(Bundle::path).orElse("");
        String rootfs = c.spec().root() instanceof RootFs.Directory d ? d.path() : "";
        Map<String, String> annotations = c.spec().bundle().map(Bundle::annotations).orElse(Map.of());
        return new OciState(id, pid, c.status().word(), bundle, rootfs, Rfc3339.nanos(c.createdAt()),
                new TreeMap<>(annotations), "");
    }

    /** The fields in runc's order, as one JSON object's members. */
    Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", OCI_VERSION);
        m.put("id", id);
        m.put("pid", pid);
        m.put("status", status);
        m.put("bundle", bundle);
        m.put("rootfs", rootfs);
        m.put("created", created);
        if (!annotations.isEmpty()) m.put("annotations", annotations);
        m.put("owner", owner);
        return m;
    }
}
