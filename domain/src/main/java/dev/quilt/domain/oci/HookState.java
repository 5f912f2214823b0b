package dev.quilt.domain.oci;

import dev.quilt.domain.Bundle;

import java.util.Map;
import java.util.TreeMap;

/**
 * The container's state as an OCI hook reads it on its stdin (config.md "POSIX-platform Hooks": "the
 * state of the container MUST be passed to hooks over stdin"; the fields are runtime.md "State"):
 * {@code ociVersion}, {@code id}, {@code status} ({@code creating|created|running|stopped}), {@code pid}
 * (left out when 0, as runc's {@code omitempty}), {@code bundle} and {@code annotations}. Written as
 * text (the domain has no JSON library); the native side puts status and pid between {@link #head} and
 * {@link #tail}, which is why they are apart.
 */
public final class HookState {
    /** The runtime-spec version the state is written to (runc 1.1 says {@code 1.0.2-dev}). */
    public static final String OCI_VERSION = "1.0.2";

    private HookState() {}

    /** {@code {"ociVersion":"1.0.2","id":"ID"}: what comes before {@code ,"status":...}. */
    public static String head(String id) {
        return "{\"ociVersion\":" + JsonString.quote(OCI_VERSION) + ",\"id\":" + JsonString.quote(id);
    }

    /** {@code ,"bundle":"DIR","annotations":{...}}}: what comes after {@code "pid":N}; annotations sorted by key. */
    public static String tail(Bundle bundle) {
        StringBuilder b = new StringBuilder(",\"bundle\":").append(JsonString.quote(bundle.path())).append(",\"annotations\":{");
        String sep = "";
        for (Map.Entry<String, String> e : new TreeMap<>(bundle.annotations()).entrySet()) {
            b.append(sep).append(JsonString.quote(e.getKey())).append(':').append(JsonString.quote(e.getValue()));
            sep = ",";
        }
        return b.append("}}").toString();
    }

    /** The whole state; {@code pid} 0 is left out (a stopped container's process is gone). */
    public static String json(String id, String status, int pid, Bundle bundle) {
        return head(id) + ",\"status\":" + JsonString.quote(status) + (pid > 0 ? ",\"pid\":" + pid : "") + tail(bundle);
    }
}
