#!/bin/bash
# run-under-runc.sh QUILT_PROBE: the comparison run of native/probes/README.md.
# Runs `quilt-probe all` and, as uid 1000, the setuid probe in runc containers
# made from `runc spec`'s config (root made writable, as docker's is; args and
# user changed, nothing else), on a busybox rootfs in a temp dir, inside a
# session keyring of its own holding the marker key; exe runs as the
# container's init while one `runc exec` enters.  With --privileged, the
# config is changed the way podman's --privileged changes it: every capability
# in every set but ambient, every device allowed, no masked or read-only paths,
# /sys and cgroupfs read-write, no_new_privs off (runc spec has no seccomp).
# Leaves nothing behind.
set -euo pipefail
PRIV=
if [ "${1:-}" = --privileged ]; then PRIV=1; shift; fi
P=$(readlink -f "${1:?usage: $0 [--privileged] QUILT_PROBE}")
T=$(mktemp -d /tmp/quilt-probe-runc.XXXXXX)
ID=quilt-probe-$$
KEY=quilt-probe-runc-$$
cleanup() {
    for c in "$ID" "$ID-suid" "$ID-exe"; do runc delete -f "$c" >/dev/null 2>&1 || true; done
    rm -rf "$T"
}
trap cleanup EXIT
R=$T/rootfs
mkdir -p "$R"/{bin,etc,dev,proc,sys,tmp,root}
chmod 1777 "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
: > "$R/etc/hosts"
cp "$P" "$R/probe"
cp "$P" "$R/probe-suid"
chmod 4755 "$R/probe-suid"
cd "$T"
runc spec
spec() { jq "$1" config.json > config.json.new && mv config.json.new config.json; }
spec ".root.readonly=false | .process.terminal=false | .process.env += [\"QUILT_PROBE_MARKER=$KEY\"]"
if [ -n "$PRIV" ]; then
    names='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_SETGID",
      "CAP_SETUID","CAP_SETPCAP","CAP_LINUX_IMMUTABLE","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST","CAP_NET_ADMIN",
      "CAP_NET_RAW","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_SYS_MODULE","CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE",
      "CAP_SYS_PACCT","CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_NICE","CAP_SYS_RESOURCE","CAP_SYS_TIME",
      "CAP_SYS_TTY_CONFIG","CAP_MKNOD","CAP_LEASE","CAP_AUDIT_WRITE","CAP_AUDIT_CONTROL","CAP_SETFCAP",
      "CAP_MAC_OVERRIDE","CAP_MAC_ADMIN","CAP_SYSLOG","CAP_WAKE_ALARM","CAP_BLOCK_SUSPEND","CAP_AUDIT_READ",
      "CAP_PERFMON","CAP_BPF","CAP_CHECKPOINT_RESTORE"]'
    # only what this host's bounding set holds: capset cannot raise the rest
    bnd=$((16#$(sed -n 's/^CapBnd:\t//p' /proc/self/status)))
    names=$(jq -c --argjson b "$bnd" '[to_entries[] | select(($b / pow(2; .key) | floor) % 2 == 1) | .value]' <<<"$names")
    spec ".process.capabilities = {bounding: $names, effective: $names, permitted: $names, inheritable: $names}
      | .process.noNewPrivileges = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []
      | .linux.resources.devices = [{allow: true, type: \"a\", access: \"rwm\"}]
      | .mounts |= map(if .type == \"sysfs\" or .type == \"cgroup\" then .options |= map(select(. != \"ro\")) else . end)"
fi
cp config.json base.json
spec '.process.args=["/probe","all"]'
echo "== runc run${PRIV:+ (privileged)}: quilt-probe all"
"$P" host-session "$KEY" -- runc run --bundle "$T" "$ID" || true
cp base.json config.json
spec '.process.args=["/probe-suid","setuid"] | .process.user.uid=1000 | .process.user.gid=1000'
echo "== runc run as uid 1000: /probe-suid setuid"
runc run --bundle "$T" "$ID-suid" || true
cp base.json config.json
spec '.process.args=["/probe","exe"]'
echo "== runc run -d: /probe exe, then one runc exec"
mkfifo "$T/log"
runc run -d --bundle "$T" "$ID-exe" > "$T/log" 2>&1 &
exec 3< "$T/log"
while read -r line <&3; do
    case $line in *PROBE-READY*) break ;; esac
done
runc exec "$ID-exe" true
while read -r line <&3; do
    case $line in
    "PROBE exe "*) echo "$line"; break ;;
    "PROBE-CAUGHT exe "*) runc kill "$ID-exe" USR1 ;; # runc exec has returned: no runc runs now
    esac
done
