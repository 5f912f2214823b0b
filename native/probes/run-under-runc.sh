#!/bin/bash
# run-under-runc.sh QUILT_PROBE: the comparison run of native/probes/README.md.
# Runs `quilt-probe all` and, as uid 1000, the setuid probe in runc containers
# made from `runc spec`'s config (root made writable, as docker's is; args and
# user changed, nothing else), on a busybox rootfs in a temp dir, inside a
# session keyring of its own holding the marker key; exe runs as the
# container's init while one `runc exec` enters.  Leaves nothing behind.
set -euo pipefail
P=$(readlink -f "${1:?usage: $0 QUILT_PROBE}")
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
cp config.json base.json
spec '.process.args=["/probe","all"]'
echo "== runc run: quilt-probe all"
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
    case $line in "PROBE exe "*) echo "$line"; break ;; esac
done
