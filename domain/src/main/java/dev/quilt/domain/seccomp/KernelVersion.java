package dev.quilt.domain.seccomp;

import dev.quilt.domain.QuiltException;

/**
 * A kernel's major and minor number, as docker compares them for a profile's
 * {@code minKernel}: {@code 6.18.3-amd64} and {@code 6.18} are equal.
 */
public record KernelVersion(int major, int minor) {
    public KernelVersion {
        if (major < 0 || minor < 0) throw QuiltException.invalid("kernel version " + major + "." + minor + " is negative");
    }

    public boolean atLeast(KernelVersion other) {
        return major > other.major || (major == other.major && minor >= other.minor);
    }

    /**
     * {@code 6.18}, {@code 6.18.3-amd64}, {@code 4.8-rc1}; anything else is one line naming it.
     * By hand, not a regex: this runs in every start, in a JVM that has just begun.
     */
    public static KernelVersion parse(String release) {
        int dot = release.indexOf('.');
        int end = dot + 1;
        while (end < release.length() && Character.isDigit(release.charAt(end))) end++;
        boolean ok = dot > 0 && dot <= 4 && end > dot + 1 && end - dot - 1 <= 4
                && (end == release.length() || ".-+_~".indexOf(release.charAt(end)) >= 0);
        for (int i = 0; ok && i < dot; i++) ok = Character.isDigit(release.charAt(i)) && release.charAt(i) < 128;
        for (int i = dot + 1; ok && i < end; i++) ok = release.charAt(i) < 128;
        if (!ok) throw QuiltException.invalid("kernel version '" + release + "' is not MAJOR.MINOR (e.g. 4.8)");
        return new KernelVersion(Integer.parseInt(release, 0, dot, 10), Integer.parseInt(release, dot + 1, end, 10));
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
