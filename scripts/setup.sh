# Shared by ./quilt and ./test (sourced, not run): Debian packages, a JDK >= 21,
# and the build. Everything here is idempotent and quiet when there is nothing to do.

QUILT_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUILT_BUILD="$QUILT_HOME/.build"
QUILT_JAR="$QUILT_HOME/app-cli/target/quilt.jar"

# Debian/Ubuntu packages quilt builds and runs with. busybox-static makes the
# default image; runc is only for the benchmarks' comparison.
QUILT_PACKAGES=(busybox-static cmake gcc make libc6-dev pkg-config maven util-linux)

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
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 \
        || quilt_die "apt-get install $missing failed"
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
}

quilt_mvn() {
    # Maven itself is older than the JDK: let it use sun.misc.Unsafe quietly
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -ntp "$@"
}

# Builds quilt.jar when it is missing or older than any source.
quilt_build_if_stale() {
    if [ -f "$QUILT_JAR" ] && [ -z "$(find "$QUILT_HOME" -path "$QUILT_HOME/.git" -prune -o -path '*/target' -prune \
            -o \( -name '*.java' -o -name '*.c' -o -name '*.h' -o -name pom.xml -o -name CMakeLists.txt \) \
            -newer "$QUILT_JAR" -print -quit)" ]; then
        return 0
    fi
    echo "quilt: building (first use or sources changed)..." >&2
    (cd "$QUILT_HOME" && quilt_mvn -q -DskipTests package >&2) || quilt_die "build failed; run 'mvn -B package' in $QUILT_HOME to see why"
    rm -f "$QUILT_BUILD/quilt.jsa"
}
