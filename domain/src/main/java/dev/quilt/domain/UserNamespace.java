package dev.quilt.domain;

import java.util.List;

/**
 * Whether a container has a user namespace, and how its ids map to the host's
 * (OCI {@code linux.uidMappings}/{@code gidMappings}; podman's {@code --userns}).
 * {@link Host}: none, the container's root is the host's (the default).
 * {@link Auto}: a range of {@code size} subordinate ids of the user {@code containers},
 * chosen when the container is created, disjoint from every other container's
 * (podman's {@code --userns=auto}). {@link Mapped}: exact maps, either given
 * ({@code --uidmap}) or what {@code auto} resolved to.
 */
public sealed interface UserNamespace {
    /** podman's default size for {@code --userns auto}. */
    long DEFAULT_SIZE = 65536;
    /** The largest id a map may name, plus one (ids are 32-bit, and -1 means none). */
    long ID_LIMIT = 4294967295L;

    Host HOST = new Host();

    /** No user namespace. */
    record Host() implements UserNamespace {}

    /** A range of {@code size} ids to be taken from the subordinate ids when the container is created. */
    record Auto(long size) implements UserNamespace {
        public Auto {
            if (size < 1 || size > ID_LIMIT) {
                throw QuiltException.invalid("--userns auto:size=" + size + " must be between 1 and " + ID_LIMIT);
            }
        }
    }

    /** {@code containerId} up to {@code containerId+size-1} inside is {@code hostId}.. on the host. */
    record IdMapping(long containerId, long hostId, long size) {
        public IdMapping {
            if (containerId < 0 || hostId < 0 || size < 1 || containerId + size > ID_LIMIT || hostId + size > ID_LIMIT) {
                throw QuiltException.invalid("id mapping " + containerId + ":" + hostId + ":" + size
                        + " is out of range: give CONTAINER:HOST:SIZE with ids below " + ID_LIMIT);
            }
        }

        /** {@code CONTAINER:HOST:SIZE}, podman's {@code --uidmap} form. */
        public static IdMapping parse(String flag, String s) {
            String[] p = s.split(":", -1);
            if (p.length != 3) throw QuiltException.invalid(flag + " '" + s + "' is not CONTAINER:HOST:SIZE (e.g. 0:100000:65536)");
            try {
                return new IdMapping(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]));
            } catch (NumberFormatException e) {
                throw QuiltException.invalid(flag + " '" + s + "' is not CONTAINER:HOST:SIZE (e.g. 0:100000:65536)");
            }
        }

        /** The line the kernel reads in {@code /proc/PID/uid_map}. */
        public String line() {
            return containerId + " " + hostId + " " + size + "\n";
        }

        @Override
        public String toString() {
            return containerId + ":" + hostId + ":" + size;
        }
    }

    /** Exact maps; the container's root (id 0) must be mapped in both. */
    record Mapped(List<IdMapping> uids, List<IdMapping> gids) implements UserNamespace {
        public Mapped {
            uids = List.copyOf(uids);
            gids = List.copyOf(gids);
            check("--uidmap", uids);
            check("--gidmap", gids);
        }

        private static void check(String flag, List<IdMapping> maps) {
            if (maps.isEmpty() || maps.size() > 340) {
                throw QuiltException.invalid(flag + " needs between 1 and 340 mappings");
            }
            if (maps.stream().noneMatch(m -> m.containerId() == 0)) {
                throw QuiltException.invalid(flag + " must map the container's root: add one starting at 0, e.g. 0:100000:65536");
            }
            for (int i = 0; i < maps.size(); i++) {
                for (int j = i + 1; j < maps.size(); j++) {
                    IdMapping a = maps.get(i), b = maps.get(j);
                    if (overlap(a.containerId(), a.size(), b.containerId(), b.size())
                            || overlap(a.hostId(), a.size(), b.hostId(), b.size())) {
                        throw QuiltException.invalid(flag + " mappings " + a + " and " + b + " overlap");
                    }
                }
            }
        }

        /** The host uid of the container's root. */
        public long rootUid() {
            return uids.stream().filter(m -> m.containerId() == 0).findFirst().orElseThrow().hostId();
        }

        /** The host gid of the container's root. */
        public long rootGid() {
            return gids.stream().filter(m -> m.containerId() == 0).findFirst().orElseThrow().hostId();
        }
    }

    /** Whether [a, a+n) and [b, b+m) share an id. */
    static boolean overlap(long a, long n, long b, long m) {
        return a < b + m && b < a + n;
    }

    /**
     * podman's flags: {@code --userns} (null when not given), {@code --uidmap} and
     * {@code --gidmap} (CONTAINER:HOST:SIZE, repeatable; the gid maps default to the
     * uid maps). The maps and {@code --userns} do not go together.
     */
    static UserNamespace fromFlags(String userns, List<String> uidmaps, List<String> gidmaps) {
        if (uidmaps.isEmpty() && gidmaps.isEmpty()) return userns == null ? HOST : parse(userns);
        if (userns != null) throw QuiltException.invalid("--userns and --uidmap/--gidmap do not go together: give one of them");
        if (uidmaps.isEmpty()) throw QuiltException.invalid("--gidmap needs --uidmap too: add --uidmap 0:100000:65536, say");
        List<IdMapping> uids = uidmaps.stream().map(m -> IdMapping.parse("--uidmap", m)).toList();
        List<IdMapping> gids = gidmaps.isEmpty() ? uids : gidmaps.stream().map(m -> IdMapping.parse("--gidmap", m)).toList();
        return new Mapped(uids, gids);
    }

    /** {@code host}, {@code auto} or {@code auto:size=N} (podman's {@code --userns} values that Quilt takes). */
    static UserNamespace parse(String value) {
        if (value.equals("host") || value.isEmpty()) return HOST;
        if (value.equals("auto")) return new Auto(DEFAULT_SIZE);
        if (value.startsWith("auto:size=")) {
            try {
                return new Auto(Long.parseLong(value.substring("auto:size=".length())));
            } catch (NumberFormatException e) {
                throw QuiltException.invalid("--userns '" + value + "': size must be a number, e.g. auto:size=65536");
            }
        }
        throw QuiltException.invalid("--userns '" + value + "' is not supported: use host, auto or auto:size=N");
    }
}
