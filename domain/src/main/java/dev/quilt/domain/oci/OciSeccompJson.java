package dev.quilt.domain.oci;

import java.util.List;

/**
 * {@link OciSeccomp} as the JSON text of config-linux.md's {@code linux.seccomp} object,
 * which is also a profile docker and podman read: what
 * {@code Seccomp.Profile("config.json", json)} carries to the seccomp compiler. Pure
 * string building, so the domain needs no JSON library; uint64 values are written unsigned.
 */
public final class OciSeccompJson {
    private OciSeccompJson() {}

    /** The object's text, fields in the spec's order, absent ones left out. */
    public static String render(OciSeccomp s) {
        StringBuilder b = new StringBuilder(256 + 64 * s.syscalls().size());
        b.append("{\"defaultAction\":").append(JsonString.quote(s.defaultAction()));
        s.defaultErrnoRet().ifPresent(e -> b.append(",\"defaultErrnoRet\":").append(Long.toUnsignedString(e)));
        if (!s.architectures().isEmpty()) b.append(",\"architectures\":").append(strs(s.architectures()));
        if (!s.flags().isEmpty()) b.append(",\"flags\":").append(strs(s.flags()));
        s.listenerPath().ifPresent(p -> b.append(",\"listenerPath\":").append(JsonString.quote(p)));
        s.listenerMetadata().ifPresent(p -> b.append(",\"listenerMetadata\":").append(JsonString.quote(p)));
        if (!s.syscalls().isEmpty()) {
            b.append(",\"syscalls\":[");
            String sep = "";
            for (OciSeccomp.Syscall c : s.syscalls()) {
                b.append(sep).append("{\"names\":").append(strs(c.names())).append(",\"action\":").append(JsonString.quote(c.action()));
                c.errnoRet().ifPresent(e -> b.append(",\"errnoRet\":").append(Long.toUnsignedString(e)));
                if (!c.args().isEmpty()) {
                    b.append(",\"args\":[");
                    String asep = "";
                    for (OciSeccomp.Arg a : c.args()) {
                        b.append(asep).append("{\"index\":").append(a.index())
                                .append(",\"value\":").append(Long.toUnsignedString(a.value()))
                                .append(",\"valueTwo\":").append(Long.toUnsignedString(a.valueTwo()))
                                .append(",\"op\":").append(JsonString.quote(a.op())).append('}');
                        asep = ",";
                    }
                    b.append(']');
                }
                b.append('}');
                sep = ",";
            }
            b.append(']');
        }
        return b.append('}').toString();
    }

    private static String strs(List<String> l) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) b.append(',');
            b.append(JsonString.quote(l.get(i)));
        }
        return b.append(']').toString();
    }
}
