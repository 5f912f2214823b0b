package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
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
import dev.quilt.ports.StdioPairs;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exec routes on the fake engine: docker's events for an exec's life (exec_create, exec_start, exec_die with its
 * code, and timedOut=true when the deadline ended it), and inspect's answer, through a detached start.
 */
class ExecEventsTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel),
            cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock);
    private final FakeContainerExec fakeExec = new FakeContainerExec(kernel);
    private final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()),
            new BecomeReady(state, fakeExec, processes, new CheckHealth(lookup, state, cgroups, fakeExec, clock),
                    new FakeTicker(clock), forget, clock));
    private final ExecInContainer exec = new ExecInContainer(lookup, cgroups, fakeExec, FakeHostLimits.DEFAULT);
    private final EventBus bus = new EventBus();
    private final ExecSessions sessions = new ExecSessions(new dev.quilt.fake.FakeExecRecords());
    /** Detached starts take /dev/null (a number the fake engine never opens), never a pair; each is closed once. */
    private final List<Integer> closed = new ArrayList<>();
    private final StdioPairs noPairs = new StdioPairs() {
        @Override
        public int[] pair() {
            throw new AssertionError("a detached exec makes no pair");
        }

        @Override
        public int discard() {
            return 1000;
        }

        @Override
        public synchronized void close(int fd) {
            closed.add(fd);
        }
    };
    private final ExecRoutes routes = new ExecRoutes(() -> exec, () -> lookup, sessions, bus, noPairs, new Workers(),
            new ShutdownGrace(), () -> new dev.quilt.usecases.ResolveUser(new dev.quilt.fake.FakeContainerFiles()));

    /** A call with a JSON body and an {@code id} parameter; it keeps the answer. */
    private static final class Call implements ApiCall {
        final String id;
        final byte[] body;
        int status;
        Object answer;

        Call(String id, String json) {
            this.id = id;
            this.body = json.getBytes(StandardCharsets.UTF_8);
        }

        @Override public String method() { return "POST"; }
        @Override public String path() { return "/"; }
        @Override public String version() { return Router.API_VERSION; }
        @Override public String param(String name) { return id; }
        @Override public Optional<String> query(String name) { return Optional.empty(); }
        @Override public List<String> queries(String name) { return List.of(); }
        @Override public Optional<String> header(String name) { return Optional.empty(); }
        @Override public Peer peer() { return Peer.UNKNOWN; }
        @Override public InputStream body() { return new ByteArrayInputStream(body); }
        @Override public void reply(int status, Object body) { this.status = status; this.answer = body; }
        @Override public void replyEmpty(int status) { this.status = status; }
        @Override public void replyBytes(int status, String contentType, byte[] body, Map<String, String> headers) {
            this.status = status;
        }
        @Override public OutputStream stream(int status, String contentType, Map<String, String> headers) {
            throw new AssertionError("the exec routes do not stream");
        }
        @Override public Hijacked hijack(String contentType) {
            throw new AssertionError("a detached start is not hijacked");
        }
        @Override public boolean replied() { return status != 0; }
        @Override public boolean open() { return true; }
        @Override public void onClose(Runnable r) {}
    }

    private Handler route(String method, String path) {
        Router r = new Router();
        routes.register(r);
        return r.find(method, path).orElseThrow().handler();
    }

    private String createExec(String json) throws Exception {
        Call c = new Call("web", json);
        route("POST", "/containers/web/exec").handle(c);
        assertEquals(201, c.status);
        return (String) ((Map<?, ?>) c.answer).get("Id");
    }

    /** Starts it detached; returns its exec_die, the events in order as they came. */
    private ApiEvent startDetached(String id, List<ApiEvent> seen) throws Exception {
        CompletableFuture<ApiEvent> died = new CompletableFuture<>();
        try (AutoCloseable sub = bus.subscribe(0, e -> {
            synchronized (seen) {
                seen.add(e);
            }
            if (e.action().equals("exec_die")) died.complete(e);
        })) {
            Call c = new Call(id, "{\"Detach\": true}");
            route("POST", "/exec/" + id + "/start").handle(c);
            assertEquals(200, c.status);
            return died.get(30, TimeUnit.SECONDS);
        }
    }

    private void runWeb() {
        create.runDetached(new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of("web")),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED).withLabels(Map.of("team", "blue")));
    }

    @Test
    void anExecsLifeIsThreeEventsAndItsCodeIsKept() throws Exception {
        runWeb();
        String id = createExec("{\"Cmd\": [\"sh\", \"-c\", \"exit 3\"]}");
        List<ApiEvent> seen = new ArrayList<>();
        ApiEvent die = startDetached(id, seen);
        List<String> actions = new ArrayList<>();
        synchronized (seen) {
            for (ApiEvent e : seen) actions.add(e.action());
        }
        assertEquals(List.of("exec_create: sh -c exit 3", "exec_start: sh -c exit 3", "exec_die"), actions);
        assertEquals("container", die.type());
        assertEquals(lookup.get("web").id().value(), die.id());
        assertEquals(id, die.attributes().get("execID"));
        assertEquals("3", die.attributes().get("exitCode"));
        assertEquals("web", die.attributes().get("name"));
        assertEquals(null, die.attributes().get("timedOut"));
        synchronized (seen) {
            for (ApiEvent e : seen) assertEquals("blue", e.attributes().get("team"), "the container's label: " + e);
            // every one names its exec, as dockerd's do: a client matches a create to its die by it
            for (ApiEvent e : seen) assertEquals(id, e.attributes().get("execID"), "the exec's ID: " + e);
        }
        synchronized (noPairs) {
            assertEquals(List.of(1000), closed, "its /dev/null is closed once the command has it");
        }
        Call inspect = new Call(id, "");
        route("GET", "/exec/" + id + "/json").handle(inspect);
        JsonNode json = ApiJson.MAPPER.valueToTree(inspect.answer);
        assertEquals(3, json.get("ExitCode").asInt());
        assertEquals(false, json.get("Running").asBoolean());
    }

    @Test
    void theDeadlineEndsItWith137AndSaysSo() throws Exception {
        runWeb();
        String id = createExec("{\"Cmd\": [\"sh\", \"-c\", \"sleep 1000\"], \"QuiltTimeout\": \"2s\"}");
        ApiEvent die = startDetached(id, new ArrayList<>());
        assertEquals("137", die.attributes().get("exitCode"));
        assertEquals("true", die.attributes().get("timedOut"));
        Call inspect = new Call(id, "");
        route("GET", "/exec/" + id + "/json").handle(inspect);
        JsonNode json = ApiJson.MAPPER.valueToTree(inspect.answer);
        assertEquals(137, json.get("ExitCode").asInt());
        assertEquals(true, json.get("Quilt").get("TimedOut").asBoolean());
        assertEquals("2s", json.get("Quilt").get("Timeout").asText());
    }
}
