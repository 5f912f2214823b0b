package dev.quilt.domain;

/**
 * One entry of a container's device policy, as the v1 devices cgroup takes it
 * ({@code devices.allow} or {@code devices.deny}; Documentation/admin-guide/cgroup-v1/devices.rst)
 * and OCI {@code linux.resources.devices[]} gives it (config-linux.md "Allowed Device List").
 *
 * @param allow  written to {@code devices.allow}, else to {@code devices.deny}
 * @param type   {@code c}, {@code b}, or {@code a} for every device; the v1 cgroup knows {@code a} only as
 *               "all devices, all access", so an {@code a} rule has {@link #ANY} numbers and {@code rwm}
 * @param major  the major number, or {@link #ANY}
 * @param minor  the minor number, or {@link #ANY}
 * @param access a non-empty subset of {@code rwm}, in that order
 */
public record DeviceCgroupRule(boolean allow, char type, long major, long minor, String access) {
    /** A wildcard major or minor number ({@code *}). */
    public static final long ANY = -1;

    public DeviceCgroupRule {
        if (type != 'a' && type != 'c' && type != 'b') {
            throw QuiltException.invalid("device rule type '" + type + "' is not a, c or b");
        }
        if (access == null || access.isEmpty() || !access.matches("r?w?m?")) {
            throw QuiltException.invalid("device rule access '" + access + "' must be made of r, w and m, in that order");
        }
        if (major < ANY || minor < ANY) {
            throw QuiltException.invalid("device rule numbers " + major + ":" + minor + " must be -1 (any) or more");
        }
        if (type == 'a' && (major != ANY || minor != ANY || !access.equals("rwm"))) {
            throw QuiltException.invalid("a device rule for every type covers every number and rwm; give c or b for "
                    + "less");
        }
    }

    /** The line for the cgroup file: {@code a}, or {@code c 1:3 rwm}, {@code c *:* m}, {@code c 136:* rwm}. */
    public String entry() {
        if (type == 'a') return "a";
        return type + " " + number(major) + ":" + number(minor) + " " + access;
    }

    private static String number(long n) {
        return n == ANY ? "*" : Long.toString(n);
    }
}
