package dev.quilt.linux.state;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.Security;
import dev.quilt.domain.UserNamespace;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.quilt.linux.JsonCodec.number;
import static dev.quilt.linux.JsonCodec.object;
import static dev.quilt.linux.JsonCodec.optLong;
import static dev.quilt.linux.JsonCodec.string;
import static dev.quilt.linux.JsonCodec.strings;

/**
 * {@link Security} in {@code state.json}'s {@code spec.security}, with the OCI
 * runtime spec's field names ({@code capabilities.bounding}, {@code noNewPrivileges},
 * {@code rlimits}, {@code maskedPaths}…), so {@code exec} confines its command as the
 * container's init was, and {@code inspect} shows it. A record from before
 * confinement existed reads as {@link Security#DEFAULT}: an exec into such a
 * container is tighter than its init, never looser.
 */
final class SecurityRecord {
    private SecurityRecord() {}

    static Map<String, Object> toMap(Security s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("privileged", s.privileged());
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("bounding", names(s.capabilities().bounding()));
        caps.put("effective", names(s.capabilities().effective()));
        caps.put("permitted", names(s.capabilities().permitted()));
        caps.put("inheritable", names(s.capabilities().inheritable()));
        caps.put("ambient", names(s.capabilities().ambient()));
        m.put("capabilities", caps);
        m.put("noNewPrivileges", s.noNewPrivileges());
        Map<String, Object> seccomp = new LinkedHashMap<>();
        switch (s.seccomp()) {
            case Seccomp.Default d -> seccomp.put("profile", "default");
            case Seccomp.Unconfined u -> seccomp.put("profile", "unconfined");
            case Seccomp.Profile p -> {
                seccomp.put("profile", p.origin());
                seccomp.put("json", p.json());
            }
        }
        m.put("seccomp", seccomp);
        m.put("rlimits", s.rlimits().stream().map(r -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("type", r.type());
            x.put("soft", r.soft());
            x.put("hard", r.hard());
            return x;
        }).toList());
        m.put("additionalGids", s.additionalGids());
        s.umask().ifPresent(u -> m.put("umask", u));
        m.put("sysctl", new TreeMap<>(s.sysctls()));
        m.put("mounts", s.mounts().stream().map(x -> {
            Map<String, Object> y = new LinkedHashMap<>();
            y.put("destination", x.destination());
            y.put("type", x.type());
            y.put("source", x.source());
            y.put("options", x.options());
            return y;
        }).toList());
        m.put("devices", s.devices().stream().map(d -> {
            Map<String, Object> y = new LinkedHashMap<>();
            y.put("path", d.path());
            y.put("type", String.valueOf(d.type()));
            y.put("major", d.major());
            y.put("minor", d.minor());
            y.put("fileMode", d.fileMode());
            y.put("uid", d.uid());
            y.put("gid", d.gid());
            y.put("access", d.access());
            return y;
        }).toList());
        // a bundle's linux.resources.devices, as the devices cgroup got them (OCI's field names)
        if (!s.deviceRules().isEmpty()) {
            m.put("deviceRules", s.deviceRules().stream().map(r -> {
                Map<String, Object> y = new LinkedHashMap<>();
                y.put("allow", r.allow());
                y.put("type", String.valueOf(r.type()));
                y.put("major", r.major());
                y.put("minor", r.minor());
                y.put("access", r.access());
                return y;
            }).toList());
        }
        m.put("maskedPaths", s.maskedPaths());
        m.put("readonlyPaths", s.readonlyPaths());
        m.put("readonlyRootfs", s.readonlyRootfs());
        // OCI's linux.uidMappings/gidMappings; "auto" only before its range is taken
        Map<String, Object> u = new LinkedHashMap<>();
        switch (s.userns()) {
            case UserNamespace.Host h -> u.put("mode", "host");
            case UserNamespace.Auto a -> {
                u.put("mode", "auto");
                u.put("size", a.size());
            }
            case UserNamespace.Mapped mp -> {
                u.put("mode", "private");
                u.put("uidMappings", mappings(mp.uids()));
                u.put("gidMappings", mappings(mp.gids()));
            }
        }
        m.put("userns", u);
        return m;
    }

    /** {@code spec.security}, or the default for a record from before it existed. */
    static Security fromSpec(Map<String, Object> spec) throws IOException {
        if (!(spec.get("security") instanceof Map<?, ?>)) return Security.DEFAULT;
        Map<String, Object> m = object(spec, "security");
        Map<String, Object> c = object(m, "capabilities");
        Capabilities caps = new Capabilities(caps(c, "bounding"), caps(c, "effective"), caps(c, "permitted"),
                caps(c, "inheritable"), caps(c, "ambient"));
        Map<String, Object> sc = object(m, "seccomp");
        String profile = string(sc, "profile");
        Seccomp seccomp = switch (profile) {
            case "default" -> Seccomp.DEFAULT;
            case "unconfined" -> Seccomp.UNCONFINED;
            default -> new Seccomp.Profile(profile, string(sc, "json"));
        };
        List<Rlimit> rlimits = new ArrayList<>();
        for (Map<String, Object> r : objects(m, "rlimits")) {
            rlimits.add(new Rlimit(string(r, "type"), number(r, "soft"), number(r, "hard")));
        }
        List<Integer> gids = new ArrayList<>();
        if (m.get("additionalGids") instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof Number n)) throw new IOException("field 'additionalGids' holds a non-number");
                gids.add(n.intValue());
            }
        }
        Map<String, String> sysctl = new LinkedHashMap<>();
        if (m.get("sysctl") instanceof Map<?, ?> sm) {
            for (Map.Entry<?, ?> e : sm.entrySet()) sysctl.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        }
        List<MountSpec> mounts = new ArrayList<>();
        for (Map<String, Object> x : objects(m, "mounts")) {
            mounts.add(new MountSpec(string(x, "destination"), string(x, "type"), string(x, "source"),
                    strings(x, "options")));
        }
        List<DeviceSpec> devices = new ArrayList<>();
        for (Map<String, Object> d : objects(m, "devices")) {
            String type = string(d, "type");
            if (type.length() != 1) throw new IOException("field 'type' of a device is '" + type + "', not c or b");
            devices.add(new DeviceSpec(string(d, "path"), type.charAt(0), number(d, "major"), number(d, "minor"),
                    (int) number(d, "fileMode"), (int) number(d, "uid"), (int) number(d, "gid"), string(d, "access")));
        }
        List<DeviceCgroupRule> rules = new ArrayList<>();
        for (Map<String, Object> r : objects(m, "deviceRules")) {
            String type = string(r, "type");
            if (type.length() != 1) throw new IOException("field 'type' of a device rule is '" + type + "', not a, c or b");
            rules.add(new DeviceCgroupRule(Boolean.TRUE.equals(r.get("allow")), type.charAt(0), number(r, "major"),
                    number(r, "minor"), string(r, "access")));
        }
        Long umask = optLong(m, "umask");
        return new Security(caps, Boolean.TRUE.equals(m.get("noNewPrivileges")), seccomp, rlimits, gids,
                Optional.ofNullable(umask).map(Long::intValue), sysctl, mounts, devices, strings(m, "maskedPaths"),
                strings(m, "readonlyPaths"), Boolean.TRUE.equals(m.get("readonlyRootfs")),
                Boolean.TRUE.equals(m.get("privileged")), userns(m), rules);
    }

    private static List<Map<String, Object>> mappings(List<UserNamespace.IdMapping> maps) {
        return maps.stream().map(x -> {
            Map<String, Object> y = new LinkedHashMap<>();
            y.put("containerID", x.containerId());
            y.put("hostID", x.hostId());
            y.put("size", x.size());
            return y;
        }).toList();
    }

    /** A record from before user namespaces has none. */
    private static UserNamespace userns(Map<String, Object> m) throws IOException {
        if (!(m.get("userns") instanceof Map<?, ?>)) return UserNamespace.HOST;
        Map<String, Object> u = object(m, "userns");
        return switch (string(u, "mode")) {
            case "host" -> UserNamespace.HOST;
            case "auto" -> new UserNamespace.Auto(number(u, "size"));
            case "private" -> new UserNamespace.Mapped(idMaps(u, "uidMappings"), idMaps(u, "gidMappings"));
            default -> throw new IOException("field 'userns.mode' is '" + string(u, "mode") + "', not host, auto or private");
        };
    }

    private static List<UserNamespace.IdMapping> idMaps(Map<String, Object> u, String key) throws IOException {
        List<UserNamespace.IdMapping> out = new ArrayList<>();
        for (Map<String, Object> x : objects(u, key)) {
            out.add(new UserNamespace.IdMapping(number(x, "containerID"), number(x, "hostID"), number(x, "size")));
        }
        return out;
    }

    private static List<String> names(Set<Capability> s) {
        return s.stream().sorted().map(Capability::ociName).toList();
    }

    private static Set<Capability> caps(Map<String, Object> m, String key) throws IOException {
        return strings(m, key).stream().map(Capability::parse).collect(Collectors.toSet());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects(Map<String, Object> m, String key) throws IOException {
        if (m.get(key) == null) return List.of();
        if (!(m.get(key) instanceof List<?> l)) throw new IOException("field '" + key + "' is not a list");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Map<?, ?>)) throw new IOException("field '" + key + "' holds a " + o + ", not an object");
            out.add((Map<String, Object>) o);
        }
        return out;
    }
}
