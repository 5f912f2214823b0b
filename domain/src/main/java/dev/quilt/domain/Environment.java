package dev.quilt.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A container's environment: defaults, then what the user said, in order; last one wins.
 * HOME is not a default: when none is given, the container's init (and each exec) takes
 * it from the image's passwd entry of its uid, as runc does.
 */
public final class Environment {
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Environment() {}

    /**
     * Builds the K=V list. A bare {@code K} takes the caller's value of K (as podman
     * and docker do) and is dropped when the caller has none.
     */
    public static List<String> build(Hostname hostname, List<String> userEntries,
                                     Function<String, Optional<String>> callerEnv) {
        return overlay(List.of("PATH=" + DEFAULT_PATH, "HOSTNAME=" + hostname.value()), userEntries, callerEnv);
    }

    /**
     * What an exec gets: {@code base} (K=V entries, a container's environment) with the
     * user's entries on top; with a terminal, TERM=xterm under both unless one of them
     * sets TERM (docker's rule).
     */
    public static List<String> forExec(List<String> base, List<String> userEntries,
                                       Function<String, Optional<String>> callerEnv, boolean tty) {
        if (!tty) return overlay(base, userEntries, callerEnv);
        List<String> withTerm = new ArrayList<>(base.size() + 1);
        withTerm.add("TERM=xterm");
        withTerm.addAll(base);
        return overlay(withTerm, userEntries, callerEnv);
    }

    /** {@code base} (K=V entries, a container's environment) with the user's entries on top. */
    public static List<String> overlay(List<String> base, List<String> userEntries,
                                       Function<String, Optional<String>> callerEnv) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : base) {
            int eq = e.indexOf('=');
            if (eq > 0) vars.put(e.substring(0, eq), e.substring(eq + 1));
        }
        for (String e : userEntries) {
            int eq = e.indexOf('=');
            String key = eq < 0 ? e : e.substring(0, eq);
            validateKey(key, e);
            if (e.indexOf('\0') >= 0) throw QuiltException.invalid("environment variable " + key + " holds a NUL byte");
            if (eq < 0) {
                callerEnv.apply(key).ifPresent(v -> vars.put(key, v));
            } else {
                vars.put(key, e.substring(eq + 1));
            }
        }
        List<String> out = new ArrayList<>(vars.size());
        vars.forEach((k, v) -> out.add(k + "=" + v));
        return List.copyOf(out);
    }

    private static void validateKey(String key, String entry) {
        if (key.isEmpty()) {
            throw QuiltException.invalid("invalid environment variable '" + Identifiers.printable(entry) + "': use KEY=VALUE");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\0' || Character.isWhitespace(c)) {
                throw QuiltException.invalid("invalid environment variable name '" + Identifiers.printable(key) + "'");
            }
        }
    }
}
