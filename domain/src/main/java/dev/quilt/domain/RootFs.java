package dev.quilt.domain;

/**
 * What a container's overlay has as its lower layer: an imported image (by digest,
 * {@code quilt run}) or a directory on the host (an OCI bundle's {@code root.path},
 * made absolute against the bundle). Either way the container writes to its own
 * upper layer, so the image or the bundle's rootfs is never changed.
 */
public sealed interface RootFs {
    /** The digest in {@code ps} and {@code inspect}, or the directory's path. */
    String describe();

    /** A short form for tables: the digest's 12 hex digits, or the directory's path. */
    String shortForm();

    record Image(Digest digest) implements RootFs {
        public Image {
            if (digest == null) throw QuiltException.invalid("an image root needs a digest");
        }

        @Override
        public String describe() {
            return digest.value();
        }

        @Override
        public String shortForm() {
            return digest.shortForm();
        }
    }

    /** An absolute, normalised host path with no {@code .} or {@code ..} components. */
    record Directory(String path) implements RootFs {
        public Directory {
            if (path == null || !path.startsWith("/")) {
                throw QuiltException.invalid("root directory '" + path + "' must be an absolute path");
            }
            if (path.indexOf('\0') >= 0) throw QuiltException.invalid("a root directory path holds a NUL byte");
            for (String part : path.split("/")) {
                if (part.equals(".") || part.equals("..")) {
                    throw QuiltException.invalid("root directory '" + path + "' must not hold '.' or '..'");
                }
            }
        }

        @Override
        public String describe() {
            return path;
        }

        @Override
        public String shortForm() {
            return path;
        }
    }
}
