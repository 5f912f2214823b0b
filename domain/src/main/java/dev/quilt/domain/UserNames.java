package dev.quilt.domain;

import java.util.Optional;

/**
 * A user as Docker's {@code User} field names it (Engine API 1.41, ExecConfig and ContainerConfig: {@code user},
 * {@code user:group}, {@code uid}, {@code uid:gid}, {@code uid:group}, {@code user:gid}), resolved against a
 * container's {@code /etc/passwd} and {@code /etc/group} texts as runc's {@code user.GetExecUser} does for names: a
 * user name is the first passwd(5) line with that name, its gid the group's unless one is given; a group name the
 * first group(5) line with that name. Numbers are taken as they are ({@link User#parse}), with no lookup. Pure: the
 * caller reads the files.
 */
public final class UserNames {
    private UserNames() {}

    /** Whether {@code spec} is numbers only ({@code UID} or {@code UID:GID}): {@link User#parse} takes it. */
    public static boolean numeric(String spec) {
        return spec.matches("[0-9]+(:[0-9]+)?");
    }

    /**
     * {@code spec} as a uid and gid. Invalid input: a spec that is not {@code USER[:GROUP]} (empty parts, more
     * colons), a name that no line of {@code passwd} (or {@code group}) has; each says which file was looked in.
     */
    public static User resolve(String spec, String passwd, String group) {
        if (numeric(spec)) return User.parse(spec);
        String[] parts = checked(spec);
        int uid;
        Optional<Integer> userGid = Optional.empty();
        if (parts[0].matches("[0-9]+")) {
            uid = number(spec, parts[0]);
        } else {
            String[] entry = find(passwd, parts[0]).orElseThrow(() -> QuiltException.invalid("unable to find user "
                    + parts[0] + ": no matching entries in the container's /etc/passwd"));
            if (entry.length < 4) throw QuiltException.invalid("unable to find user " + parts[0]
                    + ": its line in the container's /etc/passwd has no uid and gid");
            uid = number("/etc/passwd", entry[2]);
            userGid = Optional.of(number("/etc/passwd", entry[3]));
        }
        int gid;
        if (parts.length == 2) {
            if (parts[1].matches("[0-9]+")) {
                gid = number(spec, parts[1]);
            } else {
                String[] entry = find(group, parts[1]).orElseThrow(() -> QuiltException.invalid("unable to find group "
                        + parts[1] + ": no matching entries in the container's /etc/group"));
                if (entry.length < 3) throw QuiltException.invalid("unable to find group " + parts[1]
                        + ": its line in the container's /etc/group has no gid");
                gid = number("/etc/group", entry[2]);
            }
        } else {
            gid = userGid.orElse(uid); // UID alone: as User.parse (never reached: numeric above)
        }
        return new User(uid, gid);
    }

    /** {@code spec}'s user and group parts, refused (invalid input) unless it is {@code USER[:GROUP]}. */
    public static String[] checked(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())
                || spec.indexOf('\n') >= 0 || spec.indexOf('\0') >= 0) {
            throw QuiltException.invalid("invalid user '" + spec + "': use USER, USER:GROUP, UID or UID:GID");
        }
        return parts;
    }

    /** The fields of the first line of {@code file} whose first field is {@code name}; comments and blanks skipped. */
    private static Optional<String[]> find(String file, String name) {
        if (file == null) return Optional.empty();
        for (String line : file.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split(":", -1);
            if (f[0].equals(name)) return Optional.of(f);
        }
        return Optional.empty();
    }

    private static int number(String where, String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw QuiltException.invalid("invalid user: '" + text + "' in " + where + " is not an id (0 or more)");
        }
    }
}
