# Shared by ./quilt and ./test (sourced, not run): Debian packages, a JDK >= 21,
# and the build. Everything here is idempotent and quiet when there is nothing to do.

QUILT_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUILT_BUILD="$QUILT_HOME/.build"
QUILT_JAR="$QUILT_HOME/app-cli/target/quilt.jar"

# Debian/Ubuntu packages quilt builds and runs with. busybox-static makes the
# default image; libmnl-dev is the netlink library of the native core; libseccomp-dev
# compiles seccomp profiles to BPF (libquilt.so links libseccomp.so.2); libarchive-dev is the tar
# library of quilt-archive (the API's archive GET/PUT: quilt-archive links libarchive.so.13).
QUILT_PACKAGES=(busybox-static cmake gcc make libc6-dev pkg-config maven util-linux libmnl-dev libseccomp-dev libarchive-dev)
# What only the tests need: iproute2 and nft check what Quilt's netlink made; curl fetches the OCI
# runtime-spec's JSON schemas (quilt_oci_schemas), which check what quilt-runc prints;
# podman (with conmon and catatonit) and containerd (with its runc shim and CRI plugin) are the
# real clients that drive quilt-runc in PodmanIT, ContainerdIT and CriIT, each private to
# the test (no system service is started); runc is the reference runtime they are
# checked against; bsdutils' script gives `podman exec -it` a pty. docker-py (python3-docker),
# the docker CLI (docker.io: the client only, /usr/bin/docker; its dockerd is never started)
# and docker-compose 1.29 are the real clients of `quilt serve` in DockerPyIT, DockerCliIT
# and ComposeIT.
QUILT_TEST_PACKAGES=(iproute2 nftables curl podman conmon catatonit containerd runc bsdutils
    python3-docker docker.io docker-compose)

quilt_die() {
    echo "quilt: $*" >&2
    exit 1
}

quilt_need_root() {
    [ "$(id -u)" = 0 ] || quilt_die "this must be run as root (try: sudo $0 $*)"
}

quilt_missing_packages() {
    local missing=()
    for p in "${QUILT_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    echo "${missing[@]}"
}

quilt_install_packages() {
    local missing
    missing=$(quilt_missing_packages "$@")
    [ -z "$missing" ] && return 0
    command -v apt-get >/dev/null || quilt_die "missing packages ($missing) and no apt-get to install them"
    echo "quilt: installing $missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || quilt_die "apt-get update failed"
    # containerd and podman ship services; on a systemd host their postinst would start them
    # system-wide. The tests run private instances, so refuse service starts during the
    # install (policy-rc.d exit 101, honoured by invoke-rc.d and deb-systemd-invoke).
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    # shellcheck disable=SC2086
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 || rc=$?
    [ -n "$own_policy" ] && rm -f "$policy"
    [ "$rc" = 0 ] || quilt_die "apt-get install $missing failed"
    # docker.io ships dockerd with a service and a socket unit: the tests use its client
    # only, against quilt serve. No Docker daemon may run on a machine that tests Quilt.
    if pgrep -x dockerd >/dev/null; then
        quilt_die "a Docker daemon (dockerd) is running; the tests use the docker client only: stop it (systemctl disable --now docker.socket docker.service)"
    fi
}

# The OCI runtime-spec 1.2.0 JSON schemas (state-schema.json, features-schema.json and their defs) that
# quilt-runc's state and features are checked against: the schema directory of Debian 13's
# golang-github-opencontainers-specs-dev (Debian 12's is 1.0.2, with no features schema), fetched from
# the Debian archive by its pinned SHA-256 and unpacked under .build: nothing is installed on the host.
QUILT_OCI_SPEC_DEB=pool/main/g/golang-github-opencontainers-specs/golang-github-opencontainers-specs-dev_1.2.0-2_all.deb
QUILT_OCI_SPEC_SHA256=6c3357147c17e618486884b0678f577ca61d0ffdd9068757adbf907e9961fc7d
QUILT_OCI_SCHEMAS="$QUILT_BUILD/oci-runtime-spec-1.2.0/schema"

quilt_oci_schemas() {
    [ -f "$QUILT_OCI_SCHEMAS/features-schema.json" ] && return 0
    local tmp
    tmp=$(mktemp -d)
    if ! curl -fsS --max-time 120 -o "$tmp/specs.deb" "http://deb.debian.org/debian/$QUILT_OCI_SPEC_DEB"; then
        rm -rf "$tmp"
        quilt_die "could not fetch the OCI runtime-spec schemas (http://deb.debian.org/debian/$QUILT_OCI_SPEC_DEB)"
    fi
    if ! echo "$QUILT_OCI_SPEC_SHA256  $tmp/specs.deb" | sha256sum -c --quiet >/dev/null 2>&1; then
        rm -rf "$tmp"
        quilt_die "the OCI runtime-spec schemas package does not have its pinned SHA-256"
    fi
    dpkg-deb -x "$tmp/specs.deb" "$tmp/x" || { rm -rf "$tmp"; quilt_die "could not unpack $QUILT_OCI_SPEC_DEB"; }
    mkdir -p "$(dirname "$QUILT_OCI_SCHEMAS")"
    rm -rf "$QUILT_OCI_SCHEMAS"
    mv "$tmp/x/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema" "$QUILT_OCI_SCHEMAS"
    rm -rf "$tmp"
}

# CRIU, which `quilt checkpoint|restore` and `quilt-runc checkpoint|restore` drive (issue 16). QUILT_CRIU is
# exported as the absolute path of a criu that passes `criu check` on this kernel:
# - the system's criu, when one is installed and `criu check` passes with it;
# - else Debian 13's criu (4.1.1), whose .debs and their dependencies (trixie's own libc among them) are
#   fetched with a private apt state for the trixie suite from the mirror this machine's sources already
#   name, unpacked under $QUILT_BUILD/criu-<version>/ and run by the launcher $QUILT_BUILD/criu/criu through
#   trixie's own ld.so and libraries: nothing is installed on the host, its apt sources and state are not
#   touched. Debian 12's own criu package (3.17.1) is not installed: its `criu check` fails on this kernel
#   ("vdso: Unexpected rt vDSO area bounds", checked with the bookworm .debs unpacked), so it would install a
#   criu that cannot checkpoint; where the system has a criu that passes, that one is used.
# The check runs once per kernel: $QUILT_BUILD/criu/checked holds "PATH KERNEL-RELEASE"; after that this is
# one file read. Needs root (criu check does); without root it does nothing and the Java side refuses
# checkpoint/restore in one line that says to run this set-up.
QUILT_CRIU_SUITE=trixie

# Exports QUILT_CRIU from the marker when it names a criu checked on the running kernel; returns 1 otherwise.
quilt_criu_env() {
    local path="" kernel="" running
    [ -f "$QUILT_BUILD/criu/checked" ] || return 1
    read -r path kernel <"$QUILT_BUILD/criu/checked" || true
    read -r running </proc/sys/kernel/osrelease
    [ -n "$path" ] && [ -x "$path" ] && [ "$kernel" = "$running" ] || return 1
    QUILT_CRIU=$path
    export QUILT_CRIU
}

# Does `criu check` pass with the criu at $1? (It also logs an RLIMIT_NOFILE error when the caller has no
# CAP_SYS_RESOURCE: harmless, its exit code is what counts.)
quilt_criu_passes() {
    "$1" check >"$QUILT_BUILD/criu/check.log" 2>&1
}

# The mirror of the Debian archive this machine's apt sources use (deb822 .sources or one-line sources.list),
# the security archive aside; deb.debian.org when none is found.
quilt_debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^[Uu][Rr][Ii][Ss]:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '
            $1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($i !~ /security/) { print $i; exit } break } }')
    fi
    printf '%s' "${uri:-http://deb.debian.org/debian}"
}

# Fetches trixie's criu with its dependencies into $QUILT_BUILD/criu-<version>/ and writes the launcher.
quilt_criu_fetch() {
    local apt="$QUILT_BUILD/criu/apt" mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg deb version root
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
        || quilt_die "no system criu passes 'criu check' and there is no apt-get/dpkg-deb to fetch Debian 13's"
    [ -f "$keyring" ] || quilt_die "no system criu passes 'criu check' and $keyring (debian-archive-keyring) is missing"
    mirror=$(quilt_debian_mirror)
    echo "quilt: fetching Debian 13's criu from $mirror (private apt state under $apt; the system's apt is not touched)" >&2
    rm -rf "$apt"
    mkdir -p "$apt/etc/sources.list.d" "$apt/etc/preferences.d" "$apt/etc/apt.conf.d" "$apt/state/lists/partial" \
        "$apt/cache/archives/partial"
    echo "deb [signed-by=$keyring] $mirror $QUILT_CRIU_SUITE main" >"$apt/etc/sources.list"
    : >"$apt/state/status"
    local opts=(-o Dir::Etc="$apt/etc" -o Dir::Etc::sourcelist="$apt/etc/sources.list"
        -o Dir::Etc::sourceparts="$apt/etc/sources.list.d" -o Dir::Etc::preferencesparts="$apt/etc/preferences.d"
        -o Dir::Etc::parts="$apt/etc/apt.conf.d" -o Dir::State="$apt/state" -o Dir::State::status="$apt/state/status"
        -o Dir::Cache="$apt/cache" -o Debug::NoLocking=true -o APT::Install-Recommends=false -qq)
    { apt-get "${opts[@]}" update && apt-get "${opts[@]}" install -y --download-only criu; } >"$apt/apt.log" 2>&1 \
        || { tail -n 20 "$apt/apt.log" >&2; quilt_die "could not fetch Debian 13's criu (the log: $apt/apt.log)"; }
    deb=$(ls "$apt/cache/archives"/criu_*.deb 2>/dev/null | head -n 1 || true)
    [ -n "$deb" ] || quilt_die "apt fetched no criu package (the log: $apt/apt.log)"
    version=$(dpkg-deb -f "$deb" Version)
    version=${version%%-*}
    root="$QUILT_BUILD/criu-$version"
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp"
    for deb in "$apt/cache/archives"/*.deb; do
        dpkg-deb -x "$deb" "$root.tmp" || { rm -rf "$root.tmp"; quilt_die "could not unpack $deb"; }
    done
    rm -rf "$root"
    mv "$root.tmp" "$root"
    rm -rf "$apt"
    local ldso
    ldso=$(ls "$root"/usr/lib/*/ld-linux*.so.* "$root"/lib/*/ld-linux*.so.* 2>/dev/null | head -n 1 || true)
    [ -n "$ldso" ] && [ -x "$root/usr/sbin/criu" ] || quilt_die "Debian 13's criu unpacked without criu or ld.so under $root"
    # trixie's criu with trixie's libc: its own ld.so, its own libraries, nothing of the host's
    cat >"$QUILT_BUILD/criu/criu.tmp" <<LAUNCHER
#!/bin/sh
# Debian 13's criu $version through its own ld.so and libraries (written by scripts/setup.sh: quilt_criu_fetch)
exec "$ldso" --library-path "$(dirname "$ldso")" "$root/usr/sbin/criu" "\$@"
LAUNCHER
    chmod 755 "$QUILT_BUILD/criu/criu.tmp"
    mv "$QUILT_BUILD/criu/criu.tmp" "$QUILT_BUILD/criu/criu"
}

# Makes sure a criu that passes `criu check` exists and exports QUILT_CRIU (see above). Idempotent and quiet
# once done; as not root it does nothing.
quilt_criu() {
    quilt_criu_env && return 0
    [ "$(id -u)" = 0 ] || return 0
    mkdir -p "$QUILT_BUILD/criu"
    local lock
    exec {lock}>"$QUILT_BUILD/criu/lock" # a free fd: quilt-runc's caller may have passed any of the low ones
    flock "$lock"
    local chosen="" system kernel
    if ! quilt_criu_env; then
        system=$(command -v criu 2>/dev/null || true)
        if [ -n "$system" ] && quilt_criu_passes "$system"; then
            chosen=$(readlink -f "$system")
        else
            [ -x "$QUILT_BUILD/criu/criu" ] || quilt_criu_fetch
            quilt_criu_passes "$QUILT_BUILD/criu/criu" || { quilt_criu_fetch; quilt_criu_passes "$QUILT_BUILD/criu/criu"; } \
                || { tail -n 5 "$QUILT_BUILD/criu/check.log" >&2
                     quilt_die "criu check fails with Debian 13's criu too (the log: $QUILT_BUILD/criu/check.log)"; }
            chosen="$QUILT_BUILD/criu/criu"
        fi
        read -r kernel </proc/sys/kernel/osrelease
        echo "$chosen $kernel" >"$QUILT_BUILD/criu/checked.tmp"
        mv "$QUILT_BUILD/criu/checked.tmp" "$QUILT_BUILD/criu/checked"
        quilt_criu_env
    fi
    flock -u "$lock"
    exec {lock}>&-
}

# For the launchers: exports QUILT_CRIU when the set-up has been done (one file read), and does the set-up
# (quilt_criu) only for what needs CRIU, so that `./quilt run` never waits for a fetch:
# quilt_criu_for FACE ARGS...  (FACE quilt: the verbs checkpoint and restore; serve (the API has them) and
# --persist anywhere (rm checkpoints it) too, where a failed set-up is only a warning; FACE quilt-runc: checkpoint
# and restore).
quilt_criu_for() {
    local face=$1 a verb="" skip=""
    shift
    quilt_criu_env && return 0
    for a in "$@"; do
        if [ -n "$skip" ]; then skip=""; continue; fi
        case "$a" in
            --persist | --persist=*) [ "$face" = quilt ] && verb=persist && break ;;
            --root) skip=1 ;;
            --log | --log-format | --criu | --rootless) [ "$face" = quilt-runc ] && skip=1 ;;
            -*) ;;
            *) [ -z "$verb" ] && verb=$a; [ "$face" = quilt-runc ] && break ;;
        esac
    done
    case "$face:$verb" in
        quilt:checkpoint | quilt:restore | quilt-runc:checkpoint | quilt-runc:restore) quilt_criu ;;
        quilt:serve | quilt:persist)
            # they work without CRIU (the API's checkpoint, persist's rm say why they cannot): a failed set-up is
            # a warning, not the end of the server or of the run
            (quilt_criu) || echo "quilt: CRIU's set-up failed; checkpoint and restore are refused until it works" >&2
            quilt_criu_env || true ;;
    esac
}

quilt_java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1
}

# Picks the newest JDK >= 21 (javac present): JAVA_HOME, /usr/lib/jvm/*, then PATH.
# On Ubuntu, installs openjdk-21 when there is none; Debian 12 has no JDK 21 package.
quilt_pick_jdk() {
    if [ -f "$QUILT_BUILD/java-home" ]; then
        local cached
        cached=$(cat "$QUILT_BUILD/java-home")
        if [ -x "$cached/bin/javac" ]; then JAVA_HOME=$cached; export JAVA_HOME; return 0; fi
    fi
    local best="" best_major=0 candidate major
    for candidate in ${JAVA_HOME:-} /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
        [ -x "$candidate/bin/javac" ] && [ -x "$candidate/bin/java" ] || continue
        major=$(quilt_java_major "$candidate/bin/java")
        if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
            best=$candidate
            best_major=$major
        fi
    done
    if [ -z "$best" ]; then
        if apt-cache show openjdk-21-jdk-headless >/dev/null 2>&1; then
            quilt_install_packages openjdk-21-jdk-headless
            unset JAVA_HOME
            rm -f "$QUILT_BUILD/java-home"
            quilt_pick_jdk
            return
        fi
        quilt_die "quilt needs a JDK 21 or newer; install one under /usr/lib/jvm (e.g. Temurin) or set JAVA_HOME"
    fi
    JAVA_HOME=$best
    export JAVA_HOME
    mkdir -p "$QUILT_BUILD"
    echo "$JAVA_HOME" >"$QUILT_BUILD/java-home"
    rm -f "$QUILT_BUILD"/quilt.aot "$QUILT_BUILD"/quilt.jsa "$QUILT_BUILD"/quilt-runc.aot "$QUILT_BUILD"/quilt-runc.jsa
}

quilt_mvn() {
    # Maven itself is older than the JDK: let it use sun.misc.Unsafe quietly
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -ntp "$@"
}

# The JVM flags for a short command: C1 only, the serial collector, and the
# class cache made by quilt_train (an AOT cache on JDK >= 25, CDS before):
# quilt-runc's own (quilt_jvm_flags quilt-runc) when there is one, else quilt's.
# `quilt_jvm_flags quilt ARGS...` gives `quilt serve` the server's flags instead.
quilt_jvm_flags() {
    local name=quilt
    if [ "${1:-}" = quilt ] && [ "$(quilt_verb "${@:2}")" = serve ]; then
        quilt_server_flags
        return
    fi
    if [ "${1:-}" = quilt-runc ] && { [ -f "$QUILT_BUILD/quilt-runc.aot" ] || [ -f "$QUILT_BUILD/quilt-runc.jsa" ]; }; then
        name=quilt-runc
    fi
    QUILT_JVM_FLAGS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED)
    if [ -f "$QUILT_BUILD/$name.aot" ]; then
        QUILT_JVM_FLAGS+=(-XX:AOTCache="$QUILT_BUILD/$name.aot" -Xlog:aot=off -Xlog:cds=off)
    elif [ -f "$QUILT_BUILD/$name.jsa" ]; then
        QUILT_JVM_FLAGS+=(-XX:SharedArchiveFile="$QUILT_BUILD/$name.jsa" -Xlog:cds=off)
    fi
}

# The fast CLI: when a server runs for the root the words name (`quilt serve`'s RUN/.quilt-cli.sock), hand
# them to it through quilt-client (native/src/client: argv, env, cwd, stdio fds, signals) and exit with the
# command's code, no JVM started. Returns (to run the JVM as ever) when there is no server, no client yet,
# QUILT_CLIENT=off, or a word the server does not take (serve, --version, help); the client itself falls back
# to this launcher with QUILT_CLIENT=off when the server refuses the call or is not listening.
# quilt_fast_client FACE LAUNCHER ARGS...  (FACE: quilt or quilt-runc)
quilt_fast_client() {
    local face=$1 launcher=$2
    shift 2
    [ "${QUILT_CLIENT:-}" = off ] && return 0
    local client="$QUILT_HOME/native/target/classes/dev/quilt/linux/native/quilt-client"
    [ -x "$client" ] || return 0
    local root="" verb="" i=1 a
    local -a words=("$@")
    while [ "$i" -le "${#words[@]}" ]; do
        a=${words[$((i - 1))]}
        case "$a" in
            --root) root=${words[$i]:-}; i=$((i + 2)); continue ;;
            --root=*) root=${a#--root=} ;;
            --log|--log-format|--criu|--rootless) [ "$face" = quilt-runc ] && i=$((i + 1)) ;;
            -*) ;;
            *) verb=$a; break ;;
        esac
        i=$((i + 1))
    done
    case "$verb" in
        ""|serve|help|spec) return 0 ;;
    esac
    local sock
    if [ -n "$root" ]; then
        sock="$root/run/.quilt-cli.sock"
    elif [ "$face" = quilt-runc ]; then
        sock=/run/quilt-runc/run/.quilt-cli.sock
    else
        sock=/run/quilt/.quilt-cli.sock
    fi
    [ -S "$sock" ] || return 0
    QUILT_FALLBACK_EXEC=$launcher exec "$client" "$face" "$sock" "$@"
}

# The verb of a quilt command line: its first word that is not a global option
# (--root DIR, --root=DIR, --debug), or nothing.
quilt_verb() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --root) shift 2 || return 0 ;;
            --root=* | --debug) shift ;;
            *) printf '%s' "$1"; return 0 ;;
        esac
    done
}

# The JVM flags for `quilt serve`, a resident process that answers thousands of
# calls: the short-command flags would cost it dearly (C1 alone leaves the hot
# path of every request unoptimised for the server's whole life; the serial
# collector stops every worker while it collects). So: both JIT tiers (the
# default), G1 (short, mostly concurrent pauses, and it gives memory back),
# a heap cap (the server holds requests and bodies in flight, never images: a
# 100 MB body streams through a 1 MB window), a periodic collection while idle
# so an idle server's RSS shrinks back (JEP 346), and exit on OutOfMemoryError
# (a server in an unknown state is worse than a restarted one: containers and
# their state outlive it). No class cache: the one quilt_train makes was
# recorded with the short-command flags, and a server starts once.
quilt_server_flags() {
    QUILT_JVM_FLAGS=(-XX:+UseG1GC -Xms32m -Xmx512m -XX:MaxDirectMemorySize=256m
        -XX:G1PeriodicGCInterval=30000 -XX:+ExitOnOutOfMemoryError
        --enable-native-access=ALL-UNNAMED)
}

# Removes the (empty) cgroup parent of a scratch state root ROOT, in every
# hierarchy: quilt-<first 12 hex of sha256 of ROOT/run>, as LinuxPaths names it.
quilt_drop_cgroup_parent() {
    local parent
    parent="quilt-$(printf '%s' "$1/run" | sha256sum | cut -c1-12)"
    rmdir /sys/fs/cgroup/"$parent" /sys/fs/cgroup/*/"$parent" 2>/dev/null || true
}

# One training run of `quilt run --rm --network none -- true` in a scratch root
# records the classes a command loads (and, on JDK >= 25, how they are linked
# and used), so later commands start from the cache. No network: training must
# not make a bridge on the user's machine. Needs root; without it, no cache.
quilt_train() {
    [ "$(id -u)" = 0 ] || return 0
    local scratch major out
    scratch=$(mktemp -d /tmp/quilt-train.XXXXXX)
    major=$(quilt_java_major "$JAVA_HOME/bin/java")
    if [ "$major" -ge 25 ]; then
        out=(-XX:AOTCacheOutput="$QUILT_BUILD/quilt.aot" -Xlog:aot=off -Xlog:cds=off)
    else
        out=(-XX:ArchiveClassesAtExit="$QUILT_BUILD/quilt.jsa" -Xlog:cds=off)
    fi
    rm -f "$QUILT_BUILD/quilt.aot" "$QUILT_BUILD/quilt.jsa" "$QUILT_BUILD/untrained"
    if ! "$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED "${out[@]}" \
            -jar "$QUILT_JAR" --root "$scratch" run --rm --network none -- true >"$QUILT_BUILD/train.log" 2>&1; then
        # run without a cache rather than train again on every command
        rm -f "$QUILT_BUILD/quilt.aot" "$QUILT_BUILD/quilt.jsa"
        touch "$QUILT_BUILD/untrained"
    fi
    quilt_drop_cgroup_parent "$scratch"
    rm -rf "$scratch"
    quilt_train_runc "$major"
}

# quilt-runc's cache: one `quilt-runc run` of a bundle (the host's busybox, runc's
# spec with no terminal; sh ends at once on an empty stdin) in a scratch root, as
# podman and containerd call it once per verb. Failing that, quilt-runc uses quilt's.
quilt_train_runc() {
    local scratch out jvm=("$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED)
    local main=(-cp "$QUILT_JAR" dev.quilt.cli.runc.RuncMain)
    if [ "$1" -ge 25 ]; then
        out=(-XX:AOTCacheOutput="$QUILT_BUILD/quilt-runc.aot" -Xlog:aot=off -Xlog:cds=off)
    else
        out=(-XX:ArchiveClassesAtExit="$QUILT_BUILD/quilt-runc.jsa" -Xlog:cds=off)
    fi
    rm -f "$QUILT_BUILD/quilt-runc.aot" "$QUILT_BUILD/quilt-runc.jsa"
    scratch=$(mktemp -d /tmp/quilt-runc-train.XXXXXX)
    mkdir -p "$scratch/bundle/rootfs/bin" "$scratch/bundle/rootfs/proc" "$scratch/bundle/rootfs/dev" \
        "$scratch/bundle/rootfs/sys" "$scratch/bundle/rootfs/tmp"
    if cp /bin/busybox "$scratch/bundle/rootfs/bin/busybox" 2>/dev/null && ln -s busybox "$scratch/bundle/rootfs/bin/sh" \
        && "${jvm[@]}" "${main[@]}" spec --bundle "$scratch/bundle" >>"$QUILT_BUILD/train.log" 2>&1 \
        && sed -i 's/"terminal" *: *true/"terminal":false/' "$scratch/bundle/config.json" \
        && "${jvm[@]}" "${out[@]}" "${main[@]}" --root "$scratch/root" run --bundle "$scratch/bundle" train \
            </dev/null >>"$QUILT_BUILD/train.log" 2>&1; then
        "${jvm[@]}" "${main[@]}" --root "$scratch/root" delete --force train >>"$QUILT_BUILD/train.log" 2>&1 || true
    else
        rm -f "$QUILT_BUILD/quilt-runc.aot" "$QUILT_BUILD/quilt-runc.jsa"
    fi
    quilt_drop_cgroup_parent "$scratch/root"
    rm -rf "$scratch"
}

# The JVM ignores a class cache older than the jar, so a rebuilt jar (by the
# launcher or by 'mvn package') means training again. Only root can train.
quilt_cache_stale() {
    [ "$(id -u)" = 0 ] || return 1
    local f
    for f in quilt.aot quilt.jsa untrained; do
        [ -f "$QUILT_BUILD/$f" ] && [ "$QUILT_BUILD/$f" -nt "$QUILT_JAR" ] && return 1
    done
    return 0
}

quilt_stale() {
    [ ! -f "$QUILT_JAR" ] || [ -n "$(find "$QUILT_HOME" -path "$QUILT_HOME/.git" -prune -o -path '*/target' -prune \
        -o \( -name '*.java' -o -name '*.c' -o -name '*.h' -o -name pom.xml -o -name CMakeLists.txt \) \
        -newer "$QUILT_JAR" -print -quit)" ]
}

# Builds quilt.jar when it is missing or older than any source, then trains the
# class cache; one process at a time (flock), the others wait and reuse it.
quilt_build_if_stale() {
    quilt_stale || quilt_cache_stale || return 0
    mkdir -p "$QUILT_BUILD"
    exec 9>"$QUILT_BUILD/lock"
    flock 9
    if quilt_stale; then
        echo "quilt: building (first use or sources changed)..." >&2
        # sources may need a package an older checkout did not (libseccomp-dev)
        if [ "$(id -u)" = 0 ]; then quilt_install_packages; fi
        if ! (cd "$QUILT_HOME" && quilt_mvn -q -DskipTests package >"$QUILT_BUILD/build.log" 2>&1); then
            tail -n 40 "$QUILT_BUILD/build.log" >&2
            quilt_die "build failed; the whole log is in $QUILT_BUILD/build.log"
        fi
    fi
    if quilt_cache_stale; then
        quilt_train
    fi
    flock -u 9
    exec 9>&-
}
