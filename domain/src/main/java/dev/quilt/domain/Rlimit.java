package dev.quilt.domain;

/**
 * One resource limit, OCI {@code process.rlimits[]}: {@code type} as {@code RLIMIT_NOFILE}
 * (getrlimit(2)), {@code soft} and {@code hard} in the resource's unit; {@code -1} is
 * RLIM_INFINITY. soft must not be above hard.
 */
public record Rlimit(String type, long soft, long hard) {
    public Rlimit {
        if (!type.matches("RLIMIT_[A-Z]+")) {
            throw QuiltException.invalid("rlimit type '" + type + "' is not of the form RLIMIT_NOFILE");
        }
        if (hard != -1 && (soft == -1 || Long.compareUnsigned(soft, hard) > 0)) {
            throw QuiltException.invalid(type + ": the soft limit " + soft + " is above the hard limit " + hard);
        }
    }
}
