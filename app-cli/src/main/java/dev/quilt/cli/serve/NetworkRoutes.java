package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.Network;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Status;
import dev.quilt.ports.NetworkStore;
import dev.quilt.usecases.ContainerLookup;

import javax.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Docker's networks (Engine API 1.41, "Network") mapped onto Quilt's one network per root: the root's bridge and
 * subnet ({@code quilt network create}), which dockerd's pre-defined {@code bridge} names, plus {@code host} and
 * {@code none}. {@code POST /networks/create} makes another <em>name</em> for the same bridge ({@link NetworkNames}):
 * a docker-compose project's network; containers given that name as {@code HostConfig.NetworkMode} are on the
 * root's bridge like any other, and every container on the bridge is in each such network's {@code Containers}.
 *
 * <p>What a name cannot honour is a 400 naming the field: a driver other than {@code bridge}, {@code Internal},
 * {@code EnableIPv6}, {@code Ingress}, an {@code IPAM.Config} (the subnet is the root's), driver {@code Options},
 * and on connect a fixed address ({@code EndpointConfig.IPAMConfig}) or {@code Links}. Connect and disconnect do not
 * move a container: one on the bridge is already in every bridge network (connect answers 200), a container's
 * network is chosen at create ({@code HostConfig.NetworkMode}), and a running one cannot leave it (409). Aliases are
 * accepted and not resolved: Quilt has no embedded DNS (a container reaches another by the address inspect gives).
 */
public final class NetworkRoutes implements Routes {
    private final NetworkNames names;
    private final Lazy<NetworkStore> store;
    private final Lazy<ContainerLookup> lookup;

    @Inject
    NetworkRoutes(NetworkNames names, Lazy<NetworkStore> store, Lazy<ContainerLookup> lookup) {
        this.names = names;
        this.store = store;
        this.lookup = lookup;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/networks", this::list);
        r.add("GET", "/networks/{id}", this::inspect);
        r.add("POST", "/networks/create", this::create);
        r.add("DELETE", "/networks/{id}", this::remove);
        r.add("POST", "/networks/{id}/connect", this::connect);
        r.add("POST", "/networks/{id}/disconnect", this::disconnect);
        r.add("POST", "/networks/prune", c -> c.reply(200, Map.of("NetworksDeleted", List.of())));
    }

    /** A network as the routes see it: a pre-defined one ({@code named} empty) or a name made here. */
    private record Net(String name, String id, String created, Optional<NetworkNames.Named> named) {
        boolean bridged() {
            return named.isPresent() || name.equals("bridge");
        }
    }

    private List<Net> all() {
        List<Net> out = new ArrayList<>();
        for (String p : NetworkNames.PREDEFINED) out.add(predefined(p));
        for (NetworkNames.Named n : names.list()) out.add(new Net(n.name(), n.id(), n.created(), Optional.of(n)));
        return out;
    }

    private Net predefined(String name) {
        String key = name.equals("bridge") ? "bridge:" + network().bridge() : name;
        return new Net(name, sha256("quilt-network:" + key), "1970-01-01T00:00:00Z", Optional.empty());
    }

    /** By name, then full ID, then a unique ID prefix (docker's order); 404 otherwise. */
    private Net find(String ref) {
        List<Net> all = all();
        for (Net n : all) if (n.name().equals(ref) || n.id().equals(ref)) return n;
        List<Net> prefix = all.stream().filter(n -> n.id().startsWith(ref)).toList();
        if (prefix.size() == 1) return prefix.get(0);
        throw ApiException.notFound("network " + ref + " not found");
    }

    private Network network() {
        return store.get().defined().orElse(Network.DEFAULT);
    }

    private void list(ApiCall c) {
        Map<String, List<String>> filters = filters(c);
        for (String k : filters.keySet()) {
            if (!List.of("name", "id", "label", "driver", "type", "scope").contains(k)) {
                throw ApiException.badRequest("invalid filter '" + k + "' (filters): use name, id, label, driver,"
                        + " type or scope");
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Net n : all()) if (matches(n, filters)) out.add(json(n, false));
        c.reply(200, out);
    }

    private static boolean matches(Net n, Map<String, List<String>> f) {
        if (f.containsKey("name") && f.get("name").stream().noneMatch(n.name()::contains)) return false;
        if (f.containsKey("id") && f.get("id").stream().noneMatch(n.id()::startsWith)) return false;
        if (f.containsKey("driver") && f.get("driver").stream().noneMatch(driver(n)::equals)) return false;
        if (f.containsKey("scope") && f.get("scope").stream().noneMatch("local"::equals)) return false;
        if (f.containsKey("type")) {
            String type = n.named().isPresent() ? "custom" : "builtin";
            if (f.get("type").stream().noneMatch(type::equals)) return false;
        }
        if (f.containsKey("label")) {
            Map<String, String> labels = n.named().map(NetworkNames.Named::labels).orElse(Map.of());
            for (String want : f.get("label")) {
                int eq = want.indexOf('=');
                boolean ok = eq < 0 ? labels.containsKey(want)
                        : want.substring(eq + 1).equals(labels.get(want.substring(0, eq)));
                if (!ok) return false;
            }
        }
        return true;
    }

    private static String driver(Net n) {
        return n.name().equals("host") ? "host" : n.name().equals("none") ? "null" : "bridge";
    }

    private void inspect(ApiCall c) {
        c.reply(200, json(find(c.param("id")), true));
    }

    /** Docker's network JSON; {@code Containers} (bridge networks: every container with an address) when asked. */
    private Map<String, Object> json(Net n, boolean containers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", n.name());
        m.put("Id", n.id());
        m.put("Created", n.created());
        m.put("Scope", "local");
        m.put("Driver", driver(n));
        m.put("EnableIPv6", false);
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", null);
        if (n.bridged()) {
            Network net = network();
            ipam.put("Config", List.of(Map.of("Subnet", net.subnet().toString(),
                    "Gateway", net.subnet().gateway().toString())));
        } else {
            ipam.put("Config", List.of());
        }
        m.put("IPAM", ipam);
        m.put("Internal", false);
        m.put("Attachable", n.named().isPresent());
        m.put("Ingress", false);
        m.put("ConfigFrom", Map.of("Network", ""));
        m.put("ConfigOnly", false);
        Map<String, Object> members = new LinkedHashMap<>();
        if (containers) {
            for (Container ct : lookup.get().all()) {
                if (!member(n, ct)) continue;
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("Name", ct.name().map(x -> x.value()).orElse(ct.id().value()));
                e.put("EndpointID", ct.endpoint().map(x -> sha256("quilt-endpoint:" + ct.id().value())).orElse(""));
                e.put("MacAddress", ct.endpoint().map(x -> x.mac()).orElse(""));
                e.put("IPv4Address", ct.endpoint().map(x -> x.address() + "/" + x.prefix()).orElse(""));
                e.put("IPv6Address", "");
                members.put(ct.id().value(), e);
            }
        }
        m.put("Containers", members);
        m.put("Options", n.name().equals("bridge") ? Map.of("com.docker.network.bridge.name", network().bridge())
                : Map.of());
        m.put("Labels", n.named().map(NetworkNames.Named::labels).orElse(Map.of()));
        return m;
    }

    private static boolean member(Net n, Container ct) {
        NetworkMode mode = ct.spec().network();
        if (n.bridged()) return mode == NetworkMode.BRIDGE && ct.endpoint().isPresent();
        return n.name().equals(mode.word());
    }

    /** {@code POST /networks/create}: another name for the root's bridge; 201 {@code {"Id", "Warning"}}. */
    private void create(ApiCall c) {
        JsonNode b = c.json();
        String name = b.path("Name").asText("");
        if (name.isEmpty()) throw ApiException.badRequest("a network needs a name (Name)");
        String driver = b.path("Driver").asText("");
        if (!driver.isEmpty() && !driver.equals("bridge")) {
            throw ApiException.badRequest("quilt has only bridge networks, not '" + driver + "' (Driver): leave it"
                    + " empty or use bridge");
        }
        refuseTrue(b, "Internal", "a quilt network always has outbound NAT");
        refuseTrue(b, "EnableIPv6", "quilt networks are IPv4 only");
        refuseTrue(b, "Ingress", "quilt has no swarm");
        refuseTrue(b, "ConfigOnly", "quilt has no config-only networks");
        if (nonEmpty(b.path("Options"))) {
            throw ApiException.badRequest("quilt takes no driver options (Options): the bridge is the root's"
                    + " (quilt network create --bridge)");
        }
        JsonNode ipam = b.path("IPAM");
        if (nonEmpty(ipam.path("Config"))) {
            throw ApiException.badRequest("the subnet is the root's; a network cannot have its own (IPAM.Config):"
                    + " set it with quilt network create --subnet");
        }
        String ipamDriver = ipam.path("Driver").asText("");
        if (!ipamDriver.isEmpty() && !ipamDriver.equals("default")) {
            throw ApiException.badRequest("quilt has only the default address pool, not '" + ipamDriver
                    + "' (IPAM.Driver)");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = b.path("Labels");
        if (l.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                labels.put(e.getKey(), e.getValue().asText());
            }
        } else if (!l.isMissingNode() && !l.isNull()) {
            throw ApiException.badRequest("Labels must be an object of strings");
        }
        NetworkNames.Named n = names.create(name, labels);
        c.reply(201, Map.of("Id", n.id(), "Warning", ""));
    }

    private static void refuseTrue(JsonNode b, String field, String why) {
        if (b.path(field).asBoolean(false)) {
            throw ApiException.badRequest(why + " (" + field + "): leave it false");
        }
    }

    private static boolean nonEmpty(JsonNode n) {
        return !n.isMissingNode() && !n.isNull() && n.size() > 0;
    }

    /** 204; a pre-defined network is 403 (dockerd's rule). The bridge itself stays: it is the root's. */
    private void remove(ApiCall c) {
        Net n = find(c.param("id"));
        if (n.named().isEmpty()) {
            throw new ApiException(403, n.name() + " is a pre-defined network and cannot be removed");
        }
        names.remove(n.named().get());
        c.replyEmpty(204);
    }

    /**
     * {@code POST /networks/{id}/connect} {@code {"Container", "EndpointConfig"}}: 200 when the container is on the
     * bridge (it is in every bridge network already); 400 for a container of another network mode, a fixed address
     * or links; 404 for no such network or container.
     */
    private void connect(ApiCall c) {
        Net n = find(c.param("id"));
        JsonNode b = c.json();
        Container ct = container(b);
        JsonNode ep = b.path("EndpointConfig");
        JsonNode addr = ep.path("IPAMConfig");
        if (!addr.path("IPv4Address").asText("").isEmpty() || !addr.path("IPv6Address").asText("").isEmpty()) {
            throw ApiException.badRequest("addresses come from the root's pool; a fixed one cannot be given"
                    + " (EndpointConfig.IPAMConfig)");
        }
        if (nonEmpty(ep.path("Links"))) {
            throw ApiException.badRequest("quilt has no container links (EndpointConfig.Links): reach a container"
                    + " by the address inspect gives");
        }
        if (!n.bridged()) {
            throw ApiException.badRequest("a container cannot be connected to the " + n.name() + " network: its"
                    + " network is chosen at create (HostConfig.NetworkMode)");
        }
        if (ct.spec().network() != NetworkMode.BRIDGE) {
            throw ApiException.badRequest("container " + ref(ct) + " has network mode " + ct.spec().network().word()
                    + " and cannot join a bridge network: create it with HostConfig.NetworkMode " + n.name());
        }
        c.replyEmpty(200);
    }

    /**
     * {@code POST /networks/{id}/disconnect}: a container not running may be disconnected (its network is set up at
     * start, from {@code HostConfig.NetworkMode}: docker-compose disconnects and reconnects a created container to
     * set its aliases); a running one cannot leave its network (409).
     */
    private void disconnect(ApiCall c) {
        Net n = find(c.param("id"));
        Container ct = container(c.json());
        if (!member(n, ct) && !(n.bridged() && ct.spec().network() == NetworkMode.BRIDGE)) {
            throw ApiException.badRequest("container " + ref(ct) + " is not connected to network " + n.name());
        }
        if (ct.status() == Status.RUNNING || ct.status() == Status.PAUSED) {
            throw ApiException.conflict("container " + ref(ct) + " is running and keeps its network; stop it first");
        }
        c.replyEmpty(200);
    }

    private Container container(JsonNode b) {
        String ref = b.path("Container").asText("");
        if (ref.isEmpty()) throw ApiException.badRequest("name the container to connect (Container)");
        return lookup.get().get(ref);
    }

    private static String ref(Container ct) {
        return ct.name().map(x -> x.value()).orElse(ct.id().value());
    }

    /** docker's {@code filters} query: {@code {"k": ["v", ...]}} or {@code {"k": {"v": true}}}; bad JSON is a 400. */
    static Map<String, List<String>> filters(ApiCall c) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Optional<String> raw = c.query("filters");
        if (raw.isEmpty() || raw.get().isBlank()) return out;
        JsonNode f;
        try {
            f = ApiJson.MAPPER.readTree(raw.get());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("invalid filters: not JSON (filters)");
        }
        if (f == null || !f.isObject()) throw ApiException.badRequest("invalid filters: not a JSON object (filters)");
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else if (e.getValue().isObject()) {
                e.getValue().fieldNames().forEachRemaining(values::add);
            } else {
                throw ApiException.badRequest("invalid filter '" + e.getKey() + "' (filters): give a list of values");
            }
            out.put(e.getKey(), values);
        }
        return out;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
