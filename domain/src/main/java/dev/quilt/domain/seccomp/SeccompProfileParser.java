package dev.quilt.domain.seccomp;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.seccomp.SeccompProfile.Action;
import dev.quilt.domain.seccomp.SeccompProfile.Arg;
import dev.quilt.domain.seccomp.SeccompProfile.ArchEntry;
import dev.quilt.domain.seccomp.SeccompProfile.Condition;
import dev.quilt.domain.seccomp.SeccompProfile.Op;
import dev.quilt.domain.seccomp.SeccompProfile.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a profile from its JSON tree (objects as maps, arrays as lists, numbers as
 * Long/Integer, as the adapters' codec gives them). Unknown fields are ignored, as
 * the OCI spec requires ({@code comment}, {@code flags}, podman's extras). A bad field
 * is one line naming it: {@code seccomp profile 'p.json': syscalls[3].action: unknown
 * action 'SCMP_ACT_FOO' (one of SCMP_ACT_ALLOW, ...)}.
 */
public final class SeccompProfileParser {
    /** The largest errno a filter can return (SECCOMP_RET_DATA holds more, but errno(3) ends at 4095). */
    public static final int MAX_ERRNO = 4095;

    private final String origin;

    private SeccompProfileParser(String origin) {
        this.origin = origin;
    }

    /** {@code origin} names the profile in errors: a file path, {@code config.json}, {@code the default profile}. */
    public static SeccompProfile parse(String origin, Map<String, Object> tree) {
        return new SeccompProfileParser(origin).profile(tree);
    }

    /**
     * The profile as a tree in docker's format (numbers as Long, empty parts left out),
     * which {@link #parse} reads back to an equal profile.
     */
    public static Map<String, Object> toTree(SeccompProfile p) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("defaultAction", p.defaultAction().profileName());
        p.defaultErrnoRet().ifPresent(e -> m.put("defaultErrnoRet", (long) e));
        if (!p.architectures().isEmpty()) m.put("architectures", p.architectures());
        if (!p.archMap().isEmpty()) {
            m.put("archMap", p.archMap().stream().map(a -> Map.<String, Object>of("architecture", a.architecture(),
                    "subArchitectures", a.subArchitectures())).toList());
        }
        List<Object> rules = new ArrayList<>();
        for (Rule r : p.syscalls()) {
            Map<String, Object> t = new java.util.LinkedHashMap<>();
            t.put("names", r.names());
            t.put("action", r.action().profileName());
            r.errnoRet().ifPresent(e -> t.put("errnoRet", (long) e));
            if (!r.args().isEmpty()) {
                t.put("args", r.args().stream().map(a -> Map.<String, Object>of("index", (long) a.index(),
                        "value", a.value(), "valueTwo", a.valueTwo(), "op", a.op().profileName())).toList());
            }
            if (!r.includes().equals(Condition.NONE)) t.put("includes", conditionTree(r.includes()));
            if (!r.excludes().equals(Condition.NONE)) t.put("excludes", conditionTree(r.excludes()));
            rules.add(t);
        }
        m.put("syscalls", rules);
        return m;
    }

    private static Map<String, Object> conditionTree(Condition c) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        if (!c.caps().isEmpty()) m.put("caps", c.caps());
        if (!c.arches().isEmpty()) m.put("arches", c.arches());
        c.minKernel().ifPresent(k -> m.put("minKernel", k.toString()));
        return m;
    }

    private SeccompProfile profile(Map<String, Object> m) {
        Object da = m.get("defaultAction");
        if (da == null) throw bad("defaultAction", "is missing (e.g. \"SCMP_ACT_ERRNO\")");
        Action defaultAction = action("defaultAction", da);
        Optional<Integer> defaultErrno = errno("defaultErrnoRet", m.get("defaultErrnoRet"));
        List<String> arches = new ArrayList<>();
        for (Object a : list("architectures", m.get("architectures"))) {
            arches.add(arch("architectures[" + arches.size() + "]", a));
        }
        List<ArchEntry> archMap = new ArrayList<>();
        List<Object> am = list("archMap", m.get("archMap"));
        for (int i = 0; i < am.size(); i++) {
            String f = "archMap[" + i + "]";
            Map<String, Object> e = object(f, am.get(i));
            String main = arch(f + ".architecture", e.get("architecture"));
            List<String> subs = new ArrayList<>();
            List<Object> sl = list(f + ".subArchitectures", e.get("subArchitectures"));
            for (int j = 0; j < sl.size(); j++) subs.add(arch(f + ".subArchitectures[" + j + "]", sl.get(j)));
            archMap.add(new ArchEntry(main, subs));
        }
        if (!arches.isEmpty() && !archMap.isEmpty()) {
            throw bad("architectures", "and archMap are both given; use one of them (as docker requires)");
        }
        List<Rule> rules = new ArrayList<>();
        List<Object> sc = list("syscalls", m.get("syscalls"));
        for (int i = 0; i < sc.size(); i++) rules.add(rule("syscalls[" + i + "]", object("syscalls[" + i + "]", sc.get(i))));
        return new SeccompProfile(defaultAction, defaultErrno, arches, archMap, rules);
    }

    private Rule rule(String f, Map<String, Object> m) {
        List<String> names = new ArrayList<>();
        Object name = m.get("name");
        List<Object> nl = list(f + ".names", m.get("names"));
        if (name != null && !nl.isEmpty()) throw bad(f + ".name", "and names are both given; use names");
        if (name != null) names.add(syscallName(f + ".name", name));
        for (int j = 0; j < nl.size(); j++) names.add(syscallName(f + ".names[" + j + "]", nl.get(j)));
        if (names.isEmpty()) throw bad(f + ".names", "is missing or empty (the syscalls this rule is for)");
        Object a = m.get("action");
        if (a == null) throw bad(f + ".action", "is missing (e.g. \"SCMP_ACT_ALLOW\")");
        Action action = action(f + ".action", a);
        Optional<Integer> errno = errno(f + ".errnoRet", m.get("errnoRet"));
        List<Arg> args = new ArrayList<>();
        List<Object> al = list(f + ".args", m.get("args"));
        for (int j = 0; j < al.size(); j++) args.add(arg(f + ".args[" + j + "]", object(f + ".args[" + j + "]", al.get(j))));
        return new Rule(names, action, errno, args, condition(f + ".includes", m.get("includes")),
                condition(f + ".excludes", m.get("excludes")));
    }

    private Arg arg(String f, Map<String, Object> m) {
        long index = number(f + ".index", m.get("index"));
        if (index < 0 || index > 5) throw bad(f + ".index", index + " is not an argument of a syscall (0 to 5)");
        Object v = m.get("value");
        if (v == null) throw bad(f + ".value", "is missing");
        long value = number(f + ".value", v);
        Object v2 = m.get("valueTwo");
        long valueTwo = v2 == null ? 0 : number(f + ".valueTwo", v2);
        Object op = m.get("op");
        if (!(op instanceof String s)) throw bad(f + ".op", "is missing or not text (e.g. \"SCMP_CMP_EQ\")");
        Op parsed = null;
        for (Op o : Op.values()) if (o.profileName().equals(s)) parsed = o;
        if (parsed == null) {
            throw bad(f + ".op", "unknown operator '" + s + "' (one of "
                    + Arrays.stream(Op.values()).map(Op::profileName).collect(Collectors.joining(", ")) + ")");
        }
        return new Arg((int) index, value, valueTwo, parsed);
    }

    private Condition condition(String f, Object o) {
        if (o == null) return Condition.NONE;
        Map<String, Object> m = object(f, o);
        List<String> caps = strings(f + ".caps", m.get("caps"));
        List<String> arches = strings(f + ".arches", m.get("arches"));
        Optional<KernelVersion> minKernel = Optional.empty();
        Object mk = m.get("minKernel");
        if (mk != null && !"".equals(mk)) {
            if (!(mk instanceof String s)) throw bad(f + ".minKernel", "is not text (e.g. \"4.8\")");
            try {
                minKernel = Optional.of(KernelVersion.parse(s));
            } catch (QuiltException e) {
                throw bad(f + ".minKernel", "'" + s + "' is not MAJOR.MINOR (e.g. \"4.8\")");
            }
        }
        return new Condition(caps, arches, minKernel);
    }

    private Action action(String f, Object o) {
        if (o instanceof String s) {
            for (Action a : Action.values()) {
                if (a.profileName().equals(s)) {
                    if (a == Action.NOTIFY) {
                        throw bad(f, "SCMP_ACT_NOTIFY needs a seccomp agent (listenerPath), which quilt does not run");
                    }
                    return a;
                }
            }
            throw bad(f, "unknown action '" + s + "' (one of " + Arrays.stream(Action.values())
                    .filter(a -> a != Action.NOTIFY).map(Action::profileName).collect(Collectors.joining(", ")) + ")");
        }
        throw bad(f, "is not text (e.g. \"SCMP_ACT_ALLOW\")");
    }

    private String arch(String f, Object o) {
        if (o instanceof String s && s.matches("SCMP_ARCH_[A-Z0-9_]+")) return s;
        throw bad(f, (o instanceof String s ? "'" + s + "'" : "it") + " is not an architecture like \"SCMP_ARCH_X86_64\"");
    }

    private String syscallName(String f, Object o) {
        if (o instanceof String s && s.matches("[a-z0-9_]{1,64}")) return s;
        throw bad(f, (o instanceof String s ? "'" + s + "'" : "it") + " is not a syscall name like \"openat\"");
    }

    private Optional<Integer> errno(String f, Object o) {
        if (o == null) return Optional.empty();
        long n = number(f, o);
        if (n < 0 || n > MAX_ERRNO) throw bad(f, n + " is not an errno (0 to " + MAX_ERRNO + ")");
        return Optional.of((int) n);
    }

    private long number(String f, Object o) {
        if (o instanceof Long l) return l;
        if (o instanceof Integer i) return i;
        throw bad(f, o == null ? "is missing" : "is not a whole number");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> object(String f, Object o) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw bad(f, "is not an object");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(String f, Object o) {
        if (o == null) return List.of();
        if (o instanceof List<?> l) return (List<Object>) l;
        throw bad(f, "is not a list");
    }

    private List<String> strings(String f, Object o) {
        List<Object> l = list(f, o);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) throw bad(f + "[" + i + "]", "is not text");
            out.add(s);
        }
        return out;
    }

    private QuiltException bad(String field, String what) {
        return QuiltException.invalid("seccomp profile " + origin + ": " + field + " " + what);
    }
}
