package dev.quilt.domain;

/**
 * How docker clients name images against Quilt's {@link ImageName}s. Docker's rule (distribution/reference):
 * a name without a tag means {@code :latest}, and {@code docker.io/library/} is the implied registry and
 * namespace. Quilt names carry no registry or slash, so: {@code busybox}, {@code busybox:latest},
 * {@code library/busybox} and {@code docker.io/library/busybox:latest} are all the Quilt name {@code busybox};
 * {@code agent:v2} is {@code agent:v2}. The way back, a Quilt name as a docker {@code RepoTag}, adds
 * {@code :latest} to a name without a tag. Digests ({@code sha256:...}) and short IDs pass through unchanged.
 */
public final class DockerImageRefs {
    private static final String LATEST = ":latest";

    private DockerImageRefs() {}

    /** The Quilt reference for docker's {@code ref}: its implied registry and {@code :latest} taken off. */
    public static String toQuilt(String ref) {
        String r = ref.strip();
        if (r.startsWith("sha256:")) return r;
        for (String prefix : new String[] {"docker.io/library/", "index.docker.io/library/", "library/"}) {
            if (r.startsWith(prefix)) {
                r = r.substring(prefix.length());
                break;
            }
        }
        int at = r.indexOf('@');
        if (at >= 0) r = r.substring(0, at);
        if (r.endsWith(LATEST) && r.length() > LATEST.length()) r = r.substring(0, r.length() - LATEST.length());
        return r;
    }

    /** The Quilt name for docker's {@code repoTag} (a load's tag); an invalid one is a named error. */
    public static ImageName nameOf(String repoTag) {
        String q = toQuilt(repoTag);
        if (q.contains("/")) {
            throw QuiltException.invalid("invalid image name '" + Identifiers.printable(repoTag)
                    + "': quilt names carry no registry or '/'; tag it as NAME or NAME:TAG");
        }
        return new ImageName(q);
    }

    /** Docker's {@code RepoTags} entry for a Quilt name: {@code NAME:TAG}, {@code :latest} when it has none. */
    public static String repoTag(ImageName name) {
        return name.value().contains(":") ? name.value() : name.value() + LATEST;
    }
}
