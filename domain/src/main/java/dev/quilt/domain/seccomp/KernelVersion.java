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

    /** {@code 6.18}, {@code 6.18.3-amd64}, {@code 4.8-rc1}; anything else is one line naming it. */
    public static KernelVersion parse(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d{1,4})\\.(\\d{1,4})(?:[.\\-+_~].*)?$")
                .matcher(release);
        if (!m.matches()) {
            throw QuiltException.invalid("kernel version '" + release + "' is not MAJOR.MINOR (e.g. 4.8)");
        }
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
