package dev.quilt.domain;

/** The numeric user a container process runs as. */
public record User(int uid, int gid) {
    public static final User ROOT = new User(0, 0);

    public User {
        if (uid < 0 || gid < 0) throw QuiltException.invalid("uid and gid must not be negative");
    }

    /** "UID" or "UID:GID", numbers only (the image has no user database we trust). */
    public static User parse(String s) {
        String[] parts = s.split(":", -1);
        if (parts.length > 2) throw QuiltException.invalid("invalid user '" + s + "': use UID or UID:GID");
        try {
            int uid = Integer.parseInt(parts[0]);
            int gid = parts.length == 2 ? Integer.parseInt(parts[1]) : uid;
            return new User(uid, gid);
        } catch (NumberFormatException e) {
            throw QuiltException.invalid("invalid user '" + s + "': use numeric UID or UID:GID");
        }
    }
}
