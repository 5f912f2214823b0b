package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.fake.FakeCgroups;
import dev.quilt.fake.FakeClock;
import dev.quilt.fake.FakeContainerExec;
import dev.quilt.fake.FakeContainerProcesses;
import dev.quilt.fake.FakeContainerStorage;
import dev.quilt.fake.FakeDefaultImage;
import dev.quilt.fake.FakeHostLimits;
import dev.quilt.fake.FakeHostNetwork;
import dev.quilt.fake.FakeImageStore;
import dev.quilt.fake.FakeKernel;
import dev.quilt.fake.FakeNetworkStore;
import dev.quilt.fake.FakeProcessSpawner;
import dev.quilt.fake.FakeStateStore;
import dev.quilt.fake.FakeSubordinateIds;
import dev.quilt.fake.FakeTicker;
import dev.quilt.fake.SequentialIds;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.ListContainers;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.ResumeContainer;
import dev.quilt.usecases.RestartContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The routes on the fake engine (the use cases wired as {@code LinuxModule} wires them): the events they publish
 * and the statuses they answer, without root.
 */
class ContainerRoutesTest {
    final FakeKernel kernel = new FakeKernel();
    final FakeClock clock = new FakeClock();
    final FakeStateStore state = new FakeStateStore(kernel);
    final FakeImageStore images = new FakeImageStore(kernel, clock);
    final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    final FakeCgroups cgroups = new FakeCgroups(kernel);
    final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel), cgroups);
    final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    final FakeContainerExec exec = new FakeContainerExec(kernel);
    final BecomeReady ready = new BecomeReady(state, exec, processes, new CheckHealth(lookup, state, cgroups, exec, clock),
            new FakeTicker(clock), forget, clock);
    final ContainerLauncher launcher = new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds());
    final CreateContainer create = new CreateContainer(launcher, ready);
    final LifecycleHooks hooks = new LifecycleHooks(new dev.quilt.fake.FakeHookRunner(), new dev.quilt.fake.FakeWarnings());
    final WaitContainer waiter = new WaitContainer(lookup, processes);
    final StartContainer start = new StartContainer(lookup, state, processes, ready, clock, hooks);
    final StopContainer stop = new StopContainer(lookup, processes, waiter, cgroups);
    final EventBus events = new EventBus();
    final Router router = new Router();
    final List<ApiEvent> seen = new ArrayList<>();

    ContainerRoutesTest() {
        new ContainerRoutes(() -> create, () -> start,
                () -> new RestartContainer(lookup, state, launcher, ready, start, stop), () -> lookup, () -> new ListContainers(lookup), () -> new KillContainer(lookup, processes, cgroups),
                () -> new StopContainer(lookup, processes, waiter, cgroups),
                () -> new RemoveContainer(lookup, state, processes, forget, cgroups, hooks),
                () -> new PauseContainer(lookup, cgroups), () -> new ResumeContainer(lookup, cgroups), () -> waiter,
                () -> images, () -> state, () -> processes, () -> clock, events,
                () -> new StateWatcher(events, lookup, state, new dev.quilt.fake.FakeStateChanges(state)),
                new NetworkNames(java.nio.file.Path.of("/nonexistent/quilt-test/networks.json"))).register(router);
        events.subscribe(0, seen::add);
    }

    /** One call as the server makes it: the route, or Docker's error for what it throws. */
    record Answer(int status, JsonNode body) {
        String message() {
            return body.get("message").asText();
        }
    }

    Answer call(String method, String pathAndQuery, String body) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        Map<String, String> query = new HashMap<>();
        if (q >= 0) {
            for (String kv : pathAndQuery.substring(q + 1).split("&")) {
                String[] p = kv.split("=", 2);
                query.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        Router.Match m = router.find(method, path).orElseThrow(() -> new AssertionError("no route " + path));
        Call c = new Call(method, path, m.params(), query, body);
        try {
            m.handler().handle(c);
        } catch (Exception e) {
            ApiException a = ApiException.of(e);
            return new Answer(a.status(), ApiJson.MAPPER.valueToTree(Map.of("message", a.getMessage())));
        }
        return new Answer(c.status, c.body);
    }

    String created(String name, String body) {
        Answer a = call("POST", "/containers/create?name=" + name, body);
        assertEquals(201, a.status(), String.valueOf(a.body()));
        return a.body().get("Id").asText();
    }

    @Test
    void killStopAndRestartArePublishedTheOthersAreNot() {
        String id = created("web", "{\"Labels\": {\"team\": \"a\"}}");
        assertEquals(204, call("POST", "/containers/web/start", null).status());
        assertEquals(304, call("POST", "/containers/web/start", null).status());
        assertEquals(List.of(), seen, "create and start are the supervisor's, from state");
        assertEquals(204, call("POST", "/containers/web/kill?signal=SIGUSR1", null).status());
        ApiEvent kill = seen.get(0);
        assertEquals("kill", kill.action());
        assertEquals(id, kill.id());
        assertEquals("container", kill.type());
        assertEquals(Map.of("name", "web", "image", kill.attributes().get("image"), "team", "a", "signal", "10"),
                kill.attributes());
        assertEquals(304, call("POST", "/containers/web/stop", null).status(), "the fake's signal ended it");
        assertEquals(409, call("POST", "/containers/web/kill", null).status());
        assertEquals(204, call("POST", "/containers/web/restart?t=0", null).status());
        ApiEvent restart = seen.get(seen.size() - 1);
        assertEquals("restart", restart.action());
        assertEquals("running", call("GET", "/containers/web/json", null).body().at("/State/Status").asText());
        assertEquals(restart.id(), call("GET", "/containers/web/json", null).body().get("Id").asText());
        assertEquals(204, call("POST", "/containers/web/stop?t=0", null).status());
        assertEquals("stop", seen.get(seen.size() - 1).action());
        assertEquals(3, seen.size());
        assertEquals(204, call("DELETE", "/containers/web", null).status());
    }

    @Test
    void restartOfACreatedOneStartsItKeepingItsId() {
        String id = created("fresh", "{}");
        assertEquals(204, call("POST", "/containers/fresh/restart", null).status());
        JsonNode c = call("GET", "/containers/fresh/json", null).body();
        assertEquals(id, c.get("Id").asText());
        assertEquals("running", c.at("/State/Status").asText());
        assertEquals("restart", seen.get(0).action());
        assertEquals(204, call("DELETE", "/containers/fresh?force=1", null).status());
    }

    @Test
    void startOfAnExitedOneRunsItAgainKeepingItsIdAndCountsIt() {
        String id = created("again", "{\"Cmd\": [\"exit\", \"3\"]}");
        assertEquals(204, call("POST", "/containers/again/start", null).status());
        JsonNode exited = call("GET", "/containers/again/json", null).body();
        assertEquals("exited", exited.at("/State/Status").asText());
        assertEquals(3, exited.at("/State/ExitCode").asInt());
        assertEquals(0, exited.get("RestartCount").asInt());
        assertEquals(204, call("POST", "/containers/again/start", null).status());
        JsonNode twice = call("GET", "/containers/again/json", null).body();
        assertEquals(id, twice.get("Id").asText());
        assertEquals("/again", twice.get("Name").asText());
        assertEquals("exited", twice.at("/State/Status").asText());
        assertEquals(1, twice.get("RestartCount").asInt());
        assertEquals(204, call("POST", "/containers/again/restart?t=0", null).status());
        assertEquals(2, call("GET", "/containers/again/json", null).body().get("RestartCount").asInt());
        assertEquals(List.of(id), List.copyOf(storage.list().stream().map(Object::toString).toList()));
        assertEquals(204, call("DELETE", "/containers/again", null).status());
        assertTrue(storage.list().isEmpty());
    }

    @Test
    void restartOfARunningOneKeepsItsIdAndItsAddressIsItsOwn() {
        String id = created("up", "{}");
        assertEquals(204, call("POST", "/containers/up/start", null).status());
        assertEquals(204, call("POST", "/containers/up/restart?t=0", null).status());
        JsonNode c = call("GET", "/containers/up/json", null).body();
        assertEquals(id, c.get("Id").asText());
        assertEquals("running", c.at("/State/Status").asText());
        assertEquals(1, c.get("RestartCount").asInt());
        assertEquals(List.of("restart"), seen.stream().map(ApiEvent::action).toList());
        assertEquals(204, call("DELETE", "/containers/up?force=1", null).status());
    }

    @Test
    void refusalsAreDockers() {
        String id = created("c", "{}");
        assertEquals("Container " + id + " is not running", call("POST", "/containers/c/pause", null).message());
        assertEquals("Container " + id + " is not paused", call("POST", "/containers/c/unpause", null).message());
        assertEquals(304, call("POST", "/containers/c/stop", null).status(), "a created one is not running");
        Answer taken = call("POST", "/containers/create?name=c", "{}");
        assertEquals(409, taken.status());
        assertTrue(taken.message().startsWith("Conflict. The container name \"/c\" is already in use by container \""
                + id + "\"."), taken.message());
        assertEquals(404, call("POST", "/containers/create", "{\"Image\": \"nope\"}").status());
        assertEquals("No such container: zz", call("POST", "/containers/zz/start", null).message());
        assertEquals(400, call("POST", "/containers/c/kill?signal=BOGUS", null).status());
        assertEquals(400, call("POST", "/containers/c/stop?t=x", null).status());
        assertEquals(204, call("DELETE", "/containers/c", null).status(), "created: gone without force");
        assertEquals(404, call("DELETE", "/containers/c", null).status());
        assertEquals(0, call("GET", "/containers/json?all=1", null).body().size());
    }

    /** A request with a fixed body; the answer kept for the test. */
    static final class Call implements ApiCall {
        final String method, path;
        final Map<String, String> params, query;
        final byte[] in;
        int status;
        JsonNode body;

        Call(String method, String path, Map<String, String> params, Map<String, String> query, String body) {
            this.method = method;
            this.path = path;
            this.params = params;
            this.query = query;
            this.in = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        }

        public String method() { return method; }
        public String path() { return path; }
        public String version() { return Router.API_VERSION; }
        public String param(String name) { return params.get(name); }
        public Optional<String> query(String name) { return Optional.ofNullable(query.get(name)); }
        public List<String> queries(String name) { return query(name).map(List::of).orElse(List.of()); }
        public Optional<String> header(String name) { return Optional.empty(); }
        public Peer peer() { return Peer.UNKNOWN; }
        public InputStream body() { return new ByteArrayInputStream(in); }

        public void reply(int status, Object body) {
            this.status = status;
            this.body = ApiJson.MAPPER.valueToTree(body);
        }

        public void replyEmpty(int status) {
            this.status = status;
        }

        public void replyBytes(int status, String contentType, byte[] body, Map<String, String> headers) {
            throw new AssertionError("the container routes answer JSON");
        }

        public OutputStream stream(int status, String contentType, Map<String, String> headers) {
            throw new AssertionError("the container routes do not stream");
        }

        public Hijacked hijack(String contentType) {
            throw new AssertionError("the container routes do not hijack");
        }

        public boolean replied() { return status != 0; }
        public boolean open() { return true; }
        public void onClose(Runnable r) { }
    }
}
