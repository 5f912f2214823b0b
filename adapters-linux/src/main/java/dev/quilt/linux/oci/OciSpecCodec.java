package dev.quilt.linux.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quilt.domain.Capability;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.oci.OciHooks;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciMount;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.OciSeccomp;
import dev.quilt.domain.oci.RuntimeSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@code config.json} (OCI runtime spec, config.md and config-linux.md) to and from
 * {@link RuntimeSpec}, through jackson-core's streaming API. Unknown fields are
 * ignored at every level, as the spec requires; a JSON null is an absent field, as
 * in runc. A bad field is one {@link QuiltException#invalid} line naming it by its
 * JSON path, never Jackson's text:
 * {@code config.json: linux.namespaces[2].type: 'pidd' is not a namespace type (...)},
 * {@code config.json: process.rlimits[0].hard is "x", not a number}.
 */
public final class OciSpecCodec {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final BigInteger U64_END = BigInteger.ONE.shiftLeft(64);
    private static final String DEFAULT_ORIGIN = "config.json";

    private OciSpecCodec() {}

    /** Reads {@code file}; errors start with its file name. A missing or unreadable file is one line too. */
    public static RuntimeSpec read(Path file) {
        String origin = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound(file + " does not exist: give a bundle with a config.json");
        } catch (IOException e) {
            throw QuiltException.invalid("cannot read " + file + ": " + String.valueOf(e.getMessage()).toLowerCase());
        }
        return read(bytes, origin);
    }

    /** Reads a config.json's bytes; errors start with {@code config.json:}. */
    public static RuntimeSpec read(byte[] json) {
        return read(json, DEFAULT_ORIGIN);
    }

    /** Reads a config.json's bytes; errors start with {@code origin}. */
    public static RuntimeSpec read(byte[] json, String origin) {
        Object tree = parse(json, origin);
        return new Reader(origin).spec(new Node(tree, ""));
    }

    /**
     * Reads an OCI {@code process} object on its own (config.md "Process"), as {@code runc exec --process FILE}
     * takes it; errors start with the file's name and name the field ({@code process.json: cwd is missing}). A
     * missing or unreadable file is one line too.
     */
    public static OciProcess readProcess(Path file) {
        String origin = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound("process file " + file + " does not exist");
        } catch (IOException e) {
            throw QuiltException.invalid("cannot read " + file + ": " + String.valueOf(e.getMessage()).toLowerCase());
        }
        return readProcess(bytes, origin);
    }

    /** Reads an OCI {@code process} object's bytes; errors start with {@code origin}. */
    public static OciProcess readProcess(byte[] json, String origin) {
        Object tree = parse(json, origin);
        return new Reader(origin).process(new Node(tree, ""));
    }

    /**
     * Reads a {@code linux.resources} object on its own ({@code runc update --resources
     * FILE}); errors start with {@code origin} and name the field's path.
     */
    public static OciLinux.Resources readResources(byte[] json, String origin) {
        Object tree = parse(json, origin);
        return new Reader(origin).resources(new Node(tree, ""));
    }

    /** Reads a {@code linux.seccomp} object on its own (the text {@code OciSeccompJson} writes). */
    public static OciSeccomp readSeccomp(String json, String origin) {
        Object tree = parse(json.getBytes(StandardCharsets.UTF_8), origin);
        return new Reader(origin).seccomp(new Node(tree, ""));
    }

    private static Object parse(byte[] json, String origin) {
        try {
            return dev.quilt.linux.JsonCodec.readExact(json);
        } catch (IOException e) {
            throw QuiltException.invalid(origin + " " + e.getMessage()); // one line about the file's content
        }
    }

    /** A value in the tree and its JSON path ({@code linux.namespaces[2].type}). */
    private record Node(Object v, String path) {
        boolean absent() {
            return v == null;
        }

        Node get(String name) {
            Object x = v instanceof Map<?, ?> m ? m.get(name) : null;
            return new Node(x, path.isEmpty() ? name : path + "." + name);
        }

        Node at(int i) {
            return new Node(((List<?>) v).get(i), path + "[" + i + "]");
        }
    }

    /** A bad field's line, already naming its origin and path. */
    private static final class Located extends QuiltException {
        Located(String line) {
            super(Kind.INVALID_INPUT, line);
        }
    }

    /** Turns the tree into the model, naming the path of the first bad field. */
    private record Reader(String origin) {
        QuiltException bad(Node n, String expected) {
            return new Located(origin + ": " + n.path() + " is " + show(n.v()) + ", not " + expected);
        }

        QuiltException missing(Node n) {
            return new Located(origin + ": " + n.path() + " is missing");
        }

        /** Runs a model constructor; its complaint (one not yet located) is prefixed with the object's path. */
        <T> T make(Node n, Supplier<T> f) {
            try {
                return f.get();
            } catch (Located e) {
                throw e;
            } catch (QuiltException e) {
                String where = n.path().isEmpty() ? origin + ": " : origin + ": " + n.path() + ": ";
                throw new Located(where + e.getMessage());
            }
        }

        Map<?, ?> object(Node n) {
            if (n.v() instanceof Map<?, ?> m) return m;
            throw bad(n, "an object");
        }

        Node require(Node n) {
            if (n.absent()) throw missing(n);
            return n;
        }

        String str(Node n) {
            if (n.v() instanceof String s) return s;
            if (n.absent()) throw missing(n);
            throw bad(n, "text");
        }

        Optional<String> optStr(Node n) {
            return n.absent() ? Optional.empty() : Optional.of(str(n));
        }

        boolean bool(Node n) {
            if (n.absent()) return false;
            if (n.v() instanceof Boolean b) return b;
            throw bad(n, "true or false");
        }

        BigInteger integer(Node n, String expected) {
            if (n.absent()) throw missing(n);
            if (n.v() instanceof BigInteger b) return b;
            if (n.v() instanceof BigDecimal d) {
                try {
                    return d.toBigIntegerExact();
                } catch (ArithmeticException e) {
                    throw bad(n, expected);
                }
            }
            throw bad(n, "a number");
        }

        long range(Node n, BigInteger lo, BigInteger hiExclusive, String expected) {
            BigInteger b = integer(n, expected);
            if (b.compareTo(lo) < 0 || b.compareTo(hiExclusive) >= 0) throw bad(n, expected);
            return b.longValue();
        }

        /** uint64, held in a long's bits (18446744073709551615 is -1). */
        long u64(Node n) {
            return range(n, BigInteger.ZERO, U64_END, "a number from 0 to 18446744073709551615");
        }

        long u32(Node n) {
            return range(n, BigInteger.ZERO, BigInteger.ONE.shiftLeft(32), "a number from 0 to 4294967295");
        }

        long i64(Node n) {
            return range(n, BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE),
                    "a 64-bit number");
        }

        int i32(Node n) {
            return (int) range(n, BigInteger.valueOf(Integer.MIN_VALUE),
                    BigInteger.valueOf(Integer.MAX_VALUE).add(BigInteger.ONE), "a 32-bit number");
        }

        <T> Optional<T> opt(Node n, Function<Node, T> f) {
            return n.absent() ? Optional.empty() : Optional.of(f.apply(n));
        }

        <T> List<T> list(Node n, Function<Node, T> f) {
            if (n.absent()) return List.of();
            if (!(n.v() instanceof List<?> l)) throw bad(n, "a list");
            List<T> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) out.add(f.apply(n.at(i)));
            return out;
        }

        List<String> strings(Node n) {
            return list(n, this::str);
        }

        Map<String, String> stringMap(Node n) {
            if (n.absent()) return Map.of();
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : object(n).entrySet()) {
                String k = String.valueOf(e.getKey());
                Node child = new Node(e.getValue(), n.path() + "[\"" + printable(k) + "\"]");
                if (child.absent()) continue;
                out.put(k, str(child));
            }
            return out;
        }

        RuntimeSpec spec(Node n) {
            object(n);
            return make(n, () -> new RuntimeSpec(str(n.get("ociVersion")), opt(n.get("process"), this::process),
                    opt(n.get("root"), this::root), optStr(n.get("hostname")), optStr(n.get("domainname")),
                    list(n.get("mounts"), this::mount), opt(n.get("linux"), this::linux),
                    opt(n.get("hooks"), this::hooks), stringMap(n.get("annotations"))));
        }

        RuntimeSpec.Root root(Node n) {
            object(n);
            return make(n, () -> new RuntimeSpec.Root(str(n.get("path")), bool(n.get("readonly"))));
        }

        OciProcess process(Node n) {
            object(n);
            Node cwd = n.get("cwd");
            if (!str(cwd).startsWith("/")) throw new Located(origin + ": " + cwd.path() + ": '"
                    + cwd.v() + "' is not an absolute path");
            Node oom = n.get("oomScoreAdj");
            Optional<Integer> oomScoreAdj = opt(oom, this::i32);
            oomScoreAdj.ifPresent(o -> {
                if (o < -1000 || o > 1000) throw bad(oom, "a number from -1000 to 1000");
            });
            return make(n, () -> new OciProcess(bool(n.get("terminal")), opt(n.get("consoleSize"), this::consoleSize),
                    user(require(n.get("user"))), strings(n.get("args")), strings(n.get("env")), str(cwd),
                    opt(n.get("capabilities"), this::capabilities), list(n.get("rlimits"), this::rlimit),
                    bool(n.get("noNewPrivileges")), oomScoreAdj, optStr(n.get("apparmorProfile")),
                    optStr(n.get("selinuxLabel"))));
        }

        OciProcess.ConsoleSize consoleSize(Node n) {
            object(n);
            return make(n, () -> new OciProcess.ConsoleSize(u32(n.get("height")), u32(n.get("width"))));
        }

        OciProcess.User user(Node n) {
            object(n);
            Node um = n.get("umask");
            Optional<Integer> umask = opt(um, x -> (int) range(x, BigInteger.ZERO, BigInteger.valueOf(01000),
                    "a number from 0 to 511 (0777)"));
            return make(n, () -> new OciProcess.User(u32(n.get("uid")), u32(n.get("gid")), umask,
                    list(n.get("additionalGids"), this::u32)));
        }

        OciProcess.CapabilitySets capabilities(Node n) {
            object(n);
            return make(n, () -> new OciProcess.CapabilitySets(caps(n.get("bounding")), caps(n.get("effective")),
                    caps(n.get("inheritable")), caps(n.get("permitted")), caps(n.get("ambient"))));
        }

        Set<Capability> caps(Node n) {
            EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
            s.addAll(list(n, x -> {
                String name = str(x);
                if (!name.startsWith("CAP_")) {
                    throw new Located(origin + ": " + x.path() + ": '" + name
                            + "' is not a capability: use the CAP_ form, e.g. CAP_NET_ADMIN");
                }
                return make(x, () -> Capability.parse(name));
            }));
            return s;
        }

        Rlimit rlimit(Node n) {
            object(n);
            Node typeNode = n.get("type");
            String type = make(typeNode, () -> OciProcess.requireRlimitType(str(typeNode)));
            return make(n, () -> new Rlimit(type, u64(n.get("soft")), u64(n.get("hard"))));
        }

        OciMount mount(Node n) {
            object(n);
            return make(n, () -> new OciMount(str(n.get("destination")), optStr(n.get("type")),
                    optStr(n.get("source")), strings(n.get("options")), list(n.get("uidMappings"), this::idMapping),
                    list(n.get("gidMappings"), this::idMapping)));
        }

        OciMount.IdMapping idMapping(Node n) {
            object(n);
            return make(n, () -> new OciMount.IdMapping(u32(n.get("containerID")), u32(n.get("hostID")),
                    u32(n.get("size"))));
        }

        OciLinux linux(Node n) {
            object(n);
            return make(n, () -> new OciLinux(list(n.get("namespaces"), this::namespace),
                    list(n.get("uidMappings"), this::idMapping), list(n.get("gidMappings"), this::idMapping),
                    list(n.get("devices"), this::device), optStr(n.get("cgroupsPath")),
                    opt(n.get("resources"), this::resources), stringMap(n.get("sysctl")),
                    opt(n.get("seccomp"), this::seccomp), strings(n.get("maskedPaths")),
                    strings(n.get("readonlyPaths")), optStr(n.get("rootfsPropagation")),
                    optStr(n.get("mountLabel"))));
        }

        OciLinux.NamespaceEntry namespace(Node n) {
            object(n);
            Node type = n.get("type");
            OciLinux.NamespaceType t = make(type, () -> OciLinux.NamespaceType.parse(str(type)));
            return make(n, () -> new OciLinux.NamespaceEntry(t, optStr(n.get("path"))));
        }

        char oneChar(Node n, String allowed, String expected) {
            String s = str(n);
            if (s.length() != 1 || allowed.indexOf(s.charAt(0)) < 0) throw bad(n, expected);
            return s.charAt(0);
        }

        OciLinux.Device device(Node n) {
            object(n);
            char type = oneChar(n.get("type"), "cbup", "c, b, u or p");
            return make(n, () -> new OciLinux.Device(str(n.get("path")), type, opt(n.get("major"), this::i64),
                    opt(n.get("minor"), this::i64), opt(n.get("fileMode"), x -> (int) range(x, BigInteger.ZERO,
                            BigInteger.valueOf(Integer.MAX_VALUE), "a file mode")),
                    opt(n.get("uid"), this::u32), opt(n.get("gid"), this::u32)));
        }

        OciLinux.Resources resources(Node n) {
            object(n);
            Node pids = n.get("pids");
            Optional<Long> pidsLimit = pids.absent() ? Optional.empty() : Optional.of(i64(require(objectNode(pids).get("limit"))));
            return make(n, () -> new OciLinux.Resources(list(n.get("devices"), this::deviceRule),
                    opt(n.get("memory"), this::memory), opt(n.get("cpu"), this::cpu), pidsLimit,
                    opt(n.get("blockIO"), this::blockIO)));
        }

        Node objectNode(Node n) {
            object(n);
            return n;
        }

        OciLinux.DeviceRule deviceRule(Node n) {
            object(n);
            Node allow = n.get("allow");
            if (!(allow.v() instanceof Boolean)) {
                if (allow.absent()) throw missing(allow);
                throw bad(allow, "true or false");
            }
            return make(n, () -> new OciLinux.DeviceRule(bool(allow),
                    opt(n.get("type"), x -> oneChar(x, "acb", "a, c or b")), opt(n.get("major"), this::i64),
                    opt(n.get("minor"), this::i64), optStr(n.get("access"))));
        }

        OciLinux.Memory memory(Node n) {
            object(n);
            return make(n, () -> new OciLinux.Memory(opt(n.get("limit"), this::i64),
                    opt(n.get("reservation"), this::i64), opt(n.get("swap"), this::i64),
                    opt(n.get("kernel"), this::i64), opt(n.get("kernelTCP"), this::i64),
                    opt(n.get("swappiness"), this::u64), opt(n.get("disableOOMKiller"), this::bool)));
        }

        OciLinux.Cpu cpu(Node n) {
            object(n);
            return make(n, () -> new OciLinux.Cpu(opt(n.get("shares"), this::u64), opt(n.get("quota"), this::i64),
                    opt(n.get("period"), this::u64), optStr(n.get("cpus")), optStr(n.get("mems"))));
        }

        OciLinux.BlockIO blockIO(Node n) {
            object(n);
            Function<Node, Integer> u16 = x -> (int) range(x, BigInteger.ZERO, BigInteger.valueOf(65536),
                    "a number from 0 to 65535");
            return make(n, () -> new OciLinux.BlockIO(opt(n.get("weight"), u16), opt(n.get("leafWeight"), u16)));
        }

        OciSeccomp seccomp(Node n) {
            object(n);
            Node def = n.get("defaultAction");
            String action = make(def, () -> OciSeccomp.requireAction(str(def)));
            return make(n, () -> new OciSeccomp(action, opt(n.get("defaultErrnoRet"), this::u32),
                    list(n.get("architectures"), x -> make(x, () -> OciSeccomp.requireArchitecture(str(x)))),
                    list(n.get("flags"), x -> make(x, () -> OciSeccomp.requireFlag(str(x)))),
                    optStr(n.get("listenerPath")), optStr(n.get("listenerMetadata")),
                    list(n.get("syscalls"), this::syscall)));
        }

        OciSeccomp.Syscall syscall(Node n) {
            object(n);
            Node action = n.get("action");
            String a = make(action, () -> OciSeccomp.requireAction(str(action)));
            List<String> names = list(require(n.get("names")), x -> make(x, () -> OciSeccomp.requireSyscallName(str(x))));
            return make(n, () -> new OciSeccomp.Syscall(names, a,
                    opt(n.get("errnoRet"), this::u32), list(n.get("args"), this::arg)));
        }

        OciSeccomp.Arg arg(Node n) {
            object(n);
            Node index = n.get("index");
            int i = (int) range(index, BigInteger.ZERO, BigInteger.valueOf(6), "a number from 0 to 5");
            Node op = n.get("op");
            String o = make(op, () -> OciSeccomp.requireOperator(str(op)));
            return make(n, () -> new OciSeccomp.Arg(i, u64(n.get("value")),
                    n.get("valueTwo").absent() ? 0 : u64(n.get("valueTwo")), o));
        }

        OciHooks hooks(Node n) {
            object(n);
            return make(n, () -> new OciHooks(list(n.get("prestart"), this::hook),
                    list(n.get("createRuntime"), this::hook), list(n.get("createContainer"), this::hook),
                    list(n.get("startContainer"), this::hook), list(n.get("poststart"), this::hook),
                    list(n.get("poststop"), this::hook)));
        }

        OciHooks.Hook hook(Node n) {
            object(n);
            Node timeout = n.get("timeout");
            Optional<Integer> t = opt(timeout, this::i32);
            if (t.isPresent() && t.get() <= 0) throw bad(timeout, "a number of seconds above 0");
            return make(n, () -> new OciHooks.Hook(str(n.get("path")), strings(n.get("args")),
                    strings(n.get("env")), t));
        }
    }

    /** How a value looks in an error line: JSON text for scalars, its kind for the rest. */
    private static String show(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> {
                String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
                yield "\"" + printable(t) + "\"";
            }
            case Map<?, ?> m -> "an object";
            case List<?> l -> "a list";
            default -> v.toString();
        };
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }

    /** The config.json text of {@code spec}: absent, empty and false fields left out; uint64 written unsigned. */
    public static byte[] write(RuntimeSpec spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            emit(g, tree(spec));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** A uint64 in a long's bits, written unsigned. */
    private record U64(long bits) {}

    private static void emit(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(e.getKey().toString());
                    emit(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) emit(g, o);
                g.writeEndArray();
            }
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case U64 u -> g.writeNumber(Long.toUnsignedString(u.bits()));
            case Boolean b -> g.writeBoolean(b);
            case Character c -> g.writeString(String.valueOf(c));
            default -> throw new IllegalStateException("no JSON form for " + v.getClass());
        }
    }

    /** An ordered map that leaves out empty optionals, empty lists and maps, and false. */
    private static final class Obj {
        final Map<String, Object> m = new LinkedHashMap<>();

        Obj put(String k, Object v) {
            switch (v) {
                case null -> {}
                case Optional<?> o -> o.ifPresent(x -> m.put(k, x));
                case List<?> l -> { if (!l.isEmpty()) m.put(k, l); }
                case Map<?, ?> x -> { if (!x.isEmpty()) m.put(k, x); }
                case Boolean b -> { if (b) m.put(k, true); }
                default -> m.put(k, v);
            }
            return this;
        }
    }

    private static Map<String, Object> tree(RuntimeSpec s) {
        return new Obj().put("ociVersion", s.ociVersion()).put("process", s.process().map(OciSpecCodec::process))
                .put("root", s.root().map(r -> new Obj().put("path", r.path()).put("readonly", r.readonly()).m))
                .put("hostname", s.hostname()).put("domainname", s.domainname())
                .put("mounts", s.mounts().stream().map(OciSpecCodec::mount).toList())
                .put("hooks", s.hooks().map(OciSpecCodec::hooks)).put("annotations", new TreeMap<>(s.annotations()))
                .put("linux", s.linux().map(OciSpecCodec::linux)).m;
    }

    private static Map<String, Object> process(OciProcess p) {
        OciProcess.User u = p.user();
        return new Obj().put("terminal", p.terminal())
                .put("consoleSize", p.consoleSize().map(c -> new Obj().put("height", c.height()).put("width", c.width()).m))
                .put("user", new Obj().put("uid", u.uid()).put("gid", u.gid()).put("umask", u.umask())
                        .put("additionalGids", u.additionalGids()).m)
                .put("args", p.args()).put("env", p.env()).put("cwd", p.cwd())
                .put("capabilities", p.capabilities().map(c -> new Obj().put("bounding", names(c.bounding()))
                        .put("effective", names(c.effective())).put("inheritable", names(c.inheritable()))
                        .put("permitted", names(c.permitted())).put("ambient", names(c.ambient())).m))
                .put("rlimits", p.rlimits().stream().map(r -> new Obj().put("type", r.type())
                        .put("soft", new U64(r.soft())).put("hard", new U64(r.hard())).m).toList())
                .put("noNewPrivileges", p.noNewPrivileges()).put("oomScoreAdj", p.oomScoreAdj())
                .put("apparmorProfile", p.apparmorProfile()).put("selinuxLabel", p.selinuxLabel()).m;
    }

    private static List<String> names(Set<Capability> s) {
        return s.stream().sorted().map(Capability::ociName).toList();
    }

    private static Map<String, Object> mount(OciMount m) {
        return new Obj().put("destination", m.destination()).put("type", m.type()).put("source", m.source())
                .put("options", m.options()).put("uidMappings", mappings(m.uidMappings()))
                .put("gidMappings", mappings(m.gidMappings())).m;
    }

    private static List<Map<String, Object>> mappings(List<OciMount.IdMapping> l) {
        return l.stream().map(x -> new Obj().put("containerID", x.containerID()).put("hostID", x.hostID())
                .put("size", x.size()).m).toList();
    }

    private static Map<String, Object> hooks(OciHooks h) {
        return new Obj().put("prestart", hookList(h.prestart())).put("createRuntime", hookList(h.createRuntime()))
                .put("createContainer", hookList(h.createContainer()))
                .put("startContainer", hookList(h.startContainer())).put("poststart", hookList(h.poststart()))
                .put("poststop", hookList(h.poststop())).m;
    }

    private static List<Map<String, Object>> hookList(List<OciHooks.Hook> l) {
        return l.stream().map(x -> new Obj().put("path", x.path()).put("args", x.args()).put("env", x.env())
                .put("timeout", x.timeout()).m).toList();
    }

    private static Map<String, Object> linux(OciLinux l) {
        return new Obj()
                .put("namespaces", l.namespaces().stream().map(n -> new Obj().put("type", n.type().specName())
                        .put("path", n.path()).m).toList())
                .put("uidMappings", mappings(l.uidMappings())).put("gidMappings", mappings(l.gidMappings()))
                .put("devices", l.devices().stream().map(d -> new Obj().put("path", d.path()).put("type", d.type())
                        .put("major", d.major()).put("minor", d.minor()).put("fileMode", d.fileMode())
                        .put("uid", d.uid()).put("gid", d.gid()).m).toList())
                .put("cgroupsPath", l.cgroupsPath()).put("resources", l.resources().map(OciSpecCodec::resources))
                .put("sysctl", new TreeMap<>(l.sysctl())).put("seccomp", l.seccomp().map(OciSpecCodec::seccomp))
                .put("maskedPaths", l.maskedPaths()).put("readonlyPaths", l.readonlyPaths())
                .put("rootfsPropagation", l.rootfsPropagation()).put("mountLabel", l.mountLabel()).m;
    }

    private static Map<String, Object> resources(OciLinux.Resources r) {
        return new Obj()
                .put("devices", r.devices().stream().map(d -> {
                    Obj o = new Obj();
                    o.m.put("allow", d.allow());
                    return o.put("type", d.type()).put("major", d.major()).put("minor", d.minor())
                            .put("access", d.access()).m;
                }).toList())
                .put("memory", r.memory().map(m -> new Obj().put("limit", m.limit()).put("reservation", m.reservation())
                        .put("swap", m.swap()).put("kernel", m.kernel()).put("kernelTCP", m.kernelTCP())
                        .put("swappiness", m.swappiness().map(U64::new))
                        .put("disableOOMKiller", m.disableOOMKiller()).m))
                .put("cpu", r.cpu().map(c -> new Obj().put("shares", c.shares().map(U64::new)).put("quota", c.quota())
                        .put("period", c.period().map(U64::new)).put("cpus", c.cpus()).put("mems", c.mems()).m))
                .put("pids", r.pidsLimit().map(p -> Map.of("limit", p)))
                .put("blockIO", r.blockIO().map(b -> new Obj().put("weight", b.weight())
                        .put("leafWeight", b.leafWeight()).m)).m;
    }

    private static Map<String, Object> seccomp(OciSeccomp s) {
        return new Obj().put("defaultAction", s.defaultAction()).put("defaultErrnoRet", s.defaultErrnoRet())
                .put("architectures", s.architectures()).put("flags", s.flags())
                .put("listenerPath", s.listenerPath()).put("listenerMetadata", s.listenerMetadata())
                .put("syscalls", s.syscalls().stream().map(c -> new Obj().put("names", c.names())
                        .put("action", c.action()).put("errnoRet", c.errnoRet())
                        .put("args", c.args().stream().map(a -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("index", a.index());
                            m.put("value", new U64(a.value()));
                            m.put("valueTwo", new U64(a.valueTwo()));
                            m.put("op", a.op());
                            return m;
                        }).toList()).m).toList()).m;
    }
}
