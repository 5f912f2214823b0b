package dev.quilt.cli.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Paths to handlers, Docker's way: a path may start with {@code /v1.NN} (the API version the client speaks; none is
 * {@link #API_VERSION}), and {@code {name}} matches one path segment ({@code {name*}}: the rest, for image names
 * with slashes). A version newer than ours is refused as dockerd refuses it (400); older ones down to
 * {@link #MIN_API_VERSION} are served as ours.
 */
public final class Router {
    /** The Docker Engine API version Quilt speaks (docs.docker.com/engine/api/v1.41). */
    public static final String API_VERSION = "1.41";
    /** The oldest version a client may ask for (dockerd 20.10's minimum). */
    public static final String MIN_API_VERSION = "1.12";

    private static final Pattern VERSION = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");

    private record Entry(String method, Pattern pattern, List<String> names, Handler handler) {}

    /** A route found for a request: its handler, the path's parameters and the version asked for. */
    public record Match(Handler handler, Map<String, String> params, String version) {}

    private final List<Entry> entries = new ArrayList<>();

    /** {@code method} is an HTTP method; {@code path} like {@code /containers/{id}/start}. */
    public Router add(String method, String path, Handler handler) {
        List<String> names = new ArrayList<>();
        StringBuilder re = new StringBuilder("^");
        for (String seg : path.substring(1).split("/", -1)) {
            re.append('/');
            if (seg.startsWith("{") && seg.endsWith("*}")) {
                names.add(seg.substring(1, seg.length() - 2));
                re.append("(.+)");
            } else if (seg.startsWith("{") && seg.endsWith("}")) {
                names.add(seg.substring(1, seg.length() - 1));
                re.append("([^/]+)");
            } else {
                re.append(Pattern.quote(seg));
            }
        }
        re.append('$');
        entries.add(new Entry(method, Pattern.compile(re.toString()), names, handler));
        return this;
    }

    /**
     * The route for {@code method} and {@code rawPath} (decoded, without the query). Empty: no such path (404);
     * a path that exists for other methods only is a 405 the caller tells apart with {@link #knows}.
     */
    public Optional<Match> find(String method, String rawPath) {
        String version = API_VERSION;
        String path = rawPath;
        Matcher v = VERSION.matcher(rawPath);
        if (v.matches()) {
            version = v.group(1) + "." + v.group(2);
            path = v.group(3);
            if (compare(version, API_VERSION) > 0) {
                throw ApiException.badRequest("client version " + version + " is too new. Maximum supported API"
                        + " version is " + API_VERSION);
            }
            if (compare(version, MIN_API_VERSION) < 0) {
                throw ApiException.badRequest("client version " + version + " is too old. Minimum supported API"
                        + " version is " + MIN_API_VERSION + ", please upgrade your client to a newer version");
            }
        }
        for (Entry e : entries) {
            if (!e.method.equals(method)) continue;
            Matcher m = e.pattern.matcher(path);
            if (!m.matches()) continue;
            Map<String, String> params = new HashMap<>();
            for (int i = 0; i < e.names.size(); i++) params.put(e.names.get(i), m.group(i + 1));
            return Optional.of(new Match(e.handler, params, version));
        }
        return Optional.empty();
    }

    /** Whether some method serves {@code rawPath}. */
    public boolean knows(String rawPath) {
        Matcher v = VERSION.matcher(rawPath);
        String path = v.matches() ? v.group(3) : rawPath;
        return entries.stream().anyMatch(e -> e.pattern.matcher(path).matches());
    }

    /** Orders {@code a} and {@code b}, both {@code MAJOR.MINOR}. */
    public static int compare(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }
}
