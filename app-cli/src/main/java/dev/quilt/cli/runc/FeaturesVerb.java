package dev.quilt.cli.runc;

import dev.quilt.domain.Capability;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciSeccomp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code features}: what this runtime can do, as runtime-spec features.md's JSON ("Features
 * Structure", runc 1.1's {@code features} verb): the spec versions it reads, the hooks, the mount
 * options its mount code knows ({@code native/src/monitor/mount_opts.c}), and under {@code linux} the
 * namespaces it makes (time namespaces are refused by the conversion), the capabilities it knows, the
 * cgroup drivers (v1 and v2 through cgroupfs; no systemd driver: {@code --systemd-cgroup} is refused),
 * the seccomp actions and operators of the OCI model and the architectures of this host's libseccomp,
 * and no AppArmor, SELinux or Intel RDT (the host family has none, and the fields are kept, not applied).
 */
@Command(name = "features", description = "Print what this runtime supports, as OCI features JSON.")
final class FeaturesVerb implements Callable<Integer> {
    /** runtime-spec releases whose config.json the codec reads. */
    static final String OCI_VERSION_MIN = "1.0.0";
    static final String OCI_VERSION_MAX = "1.2.0";

    /** config.md "POSIX-platform Hooks", in the order of the lifecycle. */
    static final List<String> HOOKS = List.of("prestart", "createRuntime", "createContainer", "startContainer",
            "poststart", "poststop");

    /** The names {@code mount_opts.c} turns into mount flags, propagation, or a bind mount. */
    static final List<String> MOUNT_OPTIONS = List.of("async", "bind", "defaults", "dev", "dirsync", "exec",
            "noatime", "nodev", "nodiratime", "noexec", "nosuid", "notmpcopyup", "private", "rbind", "relatime",
            "rprivate", "rshared", "rslave", "runbindable", "ro", "rw", "shared", "slave", "strictatime", "suid",
            "sync", "tmpcopyup", "unbindable");

    /** libseccomp's names for what an x86-64 kernel runs. */
    static final List<String> ARCHS = List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(RuncJson.indented(features()));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static Map<String, Object> features() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("ociVersionMin", OCI_VERSION_MIN);
        f.put("ociVersionMax", OCI_VERSION_MAX);
        f.put("hooks", HOOKS);
        f.put("mountOptions", MOUNT_OPTIONS);
        Map<String, Object> linux = new LinkedHashMap<>();
        List<String> namespaces = new ArrayList<>();
        for (OciLinux.NamespaceType t : OciLinux.NamespaceType.values()) {
            if (t != OciLinux.NamespaceType.TIME) namespaces.add(t.specName());
        }
        linux.put("namespaces", namespaces);
        List<String> caps = new ArrayList<>();
        for (Capability c : Capability.values()) caps.add(c.ociName());
        linux.put("capabilities", caps);
        Map<String, Object> cgroup = new LinkedHashMap<>();
        cgroup.put("v1", true);
        cgroup.put("v2", true);
        cgroup.put("systemd", false);
        cgroup.put("systemdUser", false);
        linux.put("cgroup", cgroup);
        Map<String, Object> seccomp = new LinkedHashMap<>();
        seccomp.put("enabled", true);
        seccomp.put("actions", OciSeccomp.ACTIONS);
        seccomp.put("operators", OciSeccomp.OPERATORS);
        seccomp.put("archs", ARCHS);
        linux.put("seccomp", seccomp);
        linux.put("apparmor", Map.of("enabled", false));
        linux.put("selinux", Map.of("enabled", false));
        linux.put("intelRdt", Map.of("enabled", false));
        f.put("linux", linux);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("dev.quilt.runtime", "quilt-runc");
        annotations.put("org.opencontainers.runc.checkpoint.enabled", "false");
        f.put("annotations", annotations);
        return f;
    }
}
