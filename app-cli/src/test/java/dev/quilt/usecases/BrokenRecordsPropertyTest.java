package dev.quilt.usecases;

import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.RecordedPids;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.fake.FakeCgroups;
import dev.quilt.fake.FakeClock;
import dev.quilt.fake.FakeContainerExec;
import dev.quilt.fake.FakeContainerProcesses;
import dev.quilt.fake.FakeContainerStorage;
import dev.quilt.fake.FakeDefaultImage;
import dev.quilt.fake.FakeHostNetwork;
import dev.quilt.fake.FakeImageStore;
import dev.quilt.fake.FakeKernel;
import dev.quilt.fake.FakeNetworkStore;
import dev.quilt.fake.FakeProcessSpawner;
import dev.quilt.fake.FakeTicker;
import dev.quilt.fake.SequentialIds;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.state.FsStateStore;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A root of several containers, running, created and stopped, on the real
 * {@link FsStateStore} in a temp dir (the fake kernel plays processes,
 * cgroups, layers and addresses, and its monitors write pids.json and exit.json
 * as quilt-monitor does). Random records of random containers are damaged, and
 * stray things are put among them. Then: {@code ps} lists every container, the
 * damaged ones as broken with the file at fault; every other container is seen
 * as it was; {@code rm -f} and {@code gc} remove everything of the broken ones
 * (processes, cgroup, layer, address, link, name, directory), touch nothing
 * else, and leave what Quilt did not make.
 */
class BrokenRecordsPropertyTest {
    enum Kind { RUNNING, CREATED, STOPPED }

    /** What happens to a container's files: state.json's damage is enough to break it, as is exit.json's. */
    enum Damage {
        CUT_STATE("state.json"), EMPTY_STATE("state.json"), GARBAGE_STATE("state.json"), ARRAY_STATE("state.json"),
        NO_SPEC("state.json"), NO_STATE("state.json"), GARBAGE_EXIT("exit.json"),
        GARBAGE_PIDS_ONLY(null), CUT_STATE_AND_GARBAGE_PIDS("state.json");

        /** The file a broken record's reason names; null when the damage leaves the record readable. */
        final String blames;

        Damage(String blames) {
            this.blames = blames;
        }
    }

    record Spec(Kind kind, boolean named, Optional<Damage> damage, int cutAt) {}

    enum Stray { NOT_AN_ID, PLAIN_FILE, ID_SHAPED_DIRECTORY }

    record Scenario(List<Spec> containers, Set<Stray> strays, boolean rmFirst) {}

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Spec> spec = Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.of(true, false),
                Arbitraries.of(Damage.class).optional(0.5), Arbitraries.integers().between(1, 400)).as(Spec::new);
        return Combinators.combine(spec.list().ofMinSize(2).ofMaxSize(6), Arbitraries.of(Stray.class).set(),
                Arbitraries.of(true, false)).as(Scenario::new);
    }

    /** One root: the real store, the fake kernel for everything else, and the use cases on them. */
    static final class World implements AutoCloseable {
        final Path dir;
        final LinuxPaths paths;
        final FakeKernel kernel = new FakeKernel();
        final FakeClock clock = new FakeClock();
        final FsStateStore state;
        final FakeImageStore images = new FakeImageStore(kernel, clock);
        final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
        final FakeContainerProcesses processes;
        final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
        final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
        final FakeCgroups cgroups = new FakeCgroups(kernel);
        final Forget forget;
        final CreateContainer create;
        final ContainerLookup lookup;
        final ListContainers ps;
        final RemoveContainer rm;
        final CollectGarbage gc;

        World() throws IOException {
            dir = Files.createTempDirectory("quilt-broken-");
            paths = LinuxPaths.under(dir);
            state = new FsStateStore(paths);
            processes = new FakeContainerProcesses(kernel, state);
            kernel.recorder(this::monitorWritesExit);
            forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
            ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()), state,
                    storage, new FakeProcessSpawner(kernel, this::monitorWritesPids), forget,
                    new AttachNetwork(addresses, hostNetwork), cgroups, new SequentialIds(), clock,
                    dev.quilt.fake.FakeHostLimits.DEFAULT, new dev.quilt.fake.FakeSubordinateIds());
            lookup = new ContainerLookup(state, processes, clock);
            FakeContainerExec exec = new FakeContainerExec(kernel);
            BecomeReady ready = new BecomeReady(state, exec, processes, new CheckHealth(lookup, state, cgroups, exec, clock),
                    new FakeTicker(clock), forget, clock);
            create = new CreateContainer(launcher, ready);
            ps = new ListContainers(lookup);
            rm = new RemoveContainer(lookup, state, processes, forget, cgroups,
                    new LifecycleHooks(new dev.quilt.fake.FakeHookRunner(), new dev.quilt.fake.FakeWarnings()));
            gc = new CollectGarbage(lookup, state, storage, images, addresses, cgroups, forget, processes);
        }

        /** As quilt-monitor: pids.json as soon as the init is cloned, written whole. */
        private void monitorWritesPids(ContainerId id, RecordedPids p) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("monitorPid", p.monitor().pid());
            m.put("monitorStartTime", p.monitor().startTime());
            m.put("initPid", p.init().pid());
            m.put("initStartTime", p.init().startTime());
            write(id, "pids.json", m);
        }

        /** As quilt-monitor: exit.json when the init exits; a directory removed meanwhile gets nothing. */
        private void monitorWritesExit(ContainerId id, ExitStatus exit, Optional<String> error) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("exitCode", exit.code());
            m.put("signal", exit.signal());
            m.put("oomKilled", false);
            m.put("exitedAt", clock.now().toString());
            error.ifPresent(e -> m.put("error", e));
            write(id, "exit.json", m);
        }

        private void write(ContainerId id, String name, Map<String, Object> m) {
            Path d = paths.containerState(id);
            if (!Files.isDirectory(d)) return;
            try {
                AtomicFiles.write(d.resolve(name), JsonCodec.write(m));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Path file(ContainerId id, String name) {
            return paths.containerState(id).resolve(name);
        }

        @Override
        public void close() throws IOException {
            AtomicFiles.deleteTree(dir);
        }
    }

    private static ContainerRequest request(Kind kind, Optional<String> name) {
        List<String> args = kind == Kind.STOPPED ? List.of("exit", "3") : List.of("sleep");
        return new ContainerRequest(Optional.empty(), name.map(ContainerName::of), args, List.of(), k -> Optional.empty(),
                Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.BRIDGE, Resources.DEFAULT);
    }

    private static void damage(World w, ContainerId id, Damage d, int cutAt) throws IOException {
        Path state = w.file(id, "state.json");
        switch (d) {
            case CUT_STATE -> Files.write(state, java.util.Arrays.copyOf(Files.readAllBytes(state), cutAt));
            case EMPTY_STATE -> Files.write(state, new byte[0]);
            case GARBAGE_STATE -> Files.write(state, new byte[] {'x', 0, (byte) 0xff, '{'});
            case ARRAY_STATE -> Files.writeString(state, "[\"not\", \"a record\"]");
            case NO_SPEC -> Files.writeString(state, Files.readString(state).replace("\"spec\"", "\"spex\""));
            case NO_STATE -> Files.delete(state);
            case GARBAGE_EXIT -> Files.writeString(w.file(id, "exit.json"), "exit code three");
            case GARBAGE_PIDS_ONLY -> Files.writeString(w.file(id, "pids.json"), "{\"monitorPid\":");
            case CUT_STATE_AND_GARBAGE_PIDS -> {
                Files.write(state, java.util.Arrays.copyOf(Files.readAllBytes(state), cutAt));
                Files.writeString(w.file(id, "pids.json"), "]");
            }
        }
    }

    private static Set<Path> strays(World w, Set<Stray> kinds) throws IOException {
        Set<Path> out = new HashSet<>();
        Path run = w.paths.run();
        for (Stray s : kinds) {
            switch (s) {
                case NOT_AN_ID -> out.add(Files.createDirectories(run.resolve("lost+found").resolve("keep")).getParent());
                case PLAIN_FILE -> out.add(Files.writeString(run.resolve("NOTES"), "mine"));
                case ID_SHAPED_DIRECTORY -> out.add(Files.createDirectories(run.resolve("backup").resolve("keep")).getParent());
            }
        }
        return out;
    }

    @Property(tries = 150)
    void brokenRecordsNeverCostTheOthersAndGoWithEverythingOfThem(@ForAll("scenarios") Scenario s) throws Exception {
        try (World w = new World()) {
            Map<ContainerId, Spec> specs = new LinkedHashMap<>();
            Map<ContainerId, Optional<ContainerName>> names = new HashMap<>();
            int n = 0;
            for (Spec spec : s.containers()) {
                Optional<String> name = spec.named() ? Optional.of("n" + n++) : Optional.empty();
                Container c = spec.kind() == Kind.CREATED ? w.create.create(request(spec.kind(), name))
                        : w.create.runDetached(request(spec.kind(), name));
                specs.put(c.id(), spec);
                names.put(c.id(), name.map(ContainerName::of));
            }
            Map<ContainerId, Status> before = new HashMap<>();
            for (ContainerId id : specs.keySet()) before.put(id, w.lookup.get(id.value()).status());
            for (Map.Entry<ContainerId, Spec> e : specs.entrySet()) {
                if (e.getValue().damage().isPresent()) damage(w, e.getKey(), e.getValue().damage().get(), e.getValue().cutAt());
            }
            Set<Path> strays = strays(w, s.strays());
            Map<ContainerId, String> broken = new HashMap<>();
            specs.forEach((id, spec) -> spec.damage().map(d -> d.blames).ifPresent(f -> broken.put(id, f)));
            Set<ContainerId> intact = specs.keySet().stream().filter(id -> !broken.containsKey(id)).collect(Collectors.toSet());

            // ps -a: every container, the damaged ones as broken, naming the file at fault
            List<ContainerRecord> all = w.ps.list(true);
            assertEquals(specs.keySet(), all.stream().map(ContainerRecord::id).collect(Collectors.toSet()));
            for (ContainerRecord r : all) {
                if (broken.containsKey(r.id())) {
                    ContainerRecord.Broken b = assertInstanceOf(ContainerRecord.Broken.class, r, r.id().value());
                    assertTrue(b.reason().startsWith(broken.get(r.id())), b.reason());
                } else {
                    Container c = assertInstanceOf(ContainerRecord.Readable.class, r, r.id().value()).container();
                    assertEquals(before.get(c.id()), c.status());
                }
            }
            // ps without -a: the broken ones and the live ones
            Set<ContainerId> shown = w.ps.list(false).stream().map(ContainerRecord::id).collect(Collectors.toSet());
            for (ContainerId id : specs.keySet()) {
                assertEquals(broken.containsKey(id) || before.get(id) != Status.STOPPED, shown.contains(id), id.value());
            }
            // inspect: the others as they were; a broken one says so; rm without -f refuses it
            for (ContainerId id : specs.keySet()) {
                if (broken.containsKey(id)) {
                    assertThrows(BrokenRecordException.class, () -> w.lookup.get(id.value()));
                    assertThrows(BrokenRecordException.class, () -> w.rm.remove(id.value(), false));
                    names.get(id).ifPresent(name -> assertEquals(id, w.lookup.resolve(name.value()), "found by its name"));
                } else {
                    assertEquals(before.get(id), w.lookup.get(id.value()).status());
                }
            }

            // rm -f of the broken ones (by name where they have one), then gc; or gc alone
            List<ContainerId> collected = new ArrayList<>();
            if (s.rmFirst()) {
                for (ContainerId id : broken.keySet()) {
                    String ref = names.get(id).map(ContainerName::value).orElse(id.value());
                    assertEquals(id, w.rm.remove(ref, true));
                }
            }
            CollectGarbage.Report report = w.gc.collect();
            report.broken().forEach(b -> collected.add(b.id()));
            assertEquals(s.rmFirst() ? Set.of() : broken.keySet(), Set.copyOf(collected), "gc took the broken ones");
            assertEquals(strays.stream().map(Path::toString).sorted().toList(), report.strays());

            for (ContainerId id : broken.keySet()) {
                assertTrue(w.state.read(id).isEmpty(), "record of " + id);
                assertFalse(Files.exists(w.paths.containerState(id)), "directory of " + id);
                assertFalse(w.kernel.cgroupSnapshot().contains(id), "cgroup of " + id);
                assertFalse(w.storage.list().contains(id), "layer of " + id);
                assertFalse(w.addresses.leases().containsValue(id), "address of " + id);
                assertFalse(w.kernel.linkSnapshot().containsValue(id), "link of " + id);
                assertTrue(w.kernel.processes().values().stream().noneMatch(p -> p.container.equals(id)), "processes of " + id);
                names.get(id).ifPresent(name -> assertEquals(Optional.empty(), w.state.byName(name), "name of " + id));
            }
            for (ContainerId id : intact) {
                Container c = w.lookup.get(id.value());
                assertEquals(before.get(id), c.status(), id.value());
                assertEquals(names.get(id), c.name());
                assertTrue(w.storage.list().contains(id), "layer of " + id);
                if (c.status() != Status.STOPPED) {
                    assertTrue(w.kernel.cgroupSnapshot().contains(id), "cgroup of " + id);
                    assertTrue(w.addresses.leases().containsValue(id), "address of " + id);
                    assertTrue(w.processes.isAlive(c.init().orElseThrow()), "init of " + id);
                }
            }
            for (Path p : strays) assertTrue(Files.exists(p), "quilt removed " + p + ", which it did not make");
            try (var left = Files.list(w.paths.run())) {
                Set<String> expected = new HashSet<>();
                intact.forEach(id -> expected.add(id.value()));
                strays.forEach(p -> expected.add(p.getFileName().toString()));
                assertEquals(expected, left.map(p -> p.getFileName().toString()).filter(f -> !f.equals(".names"))
                        .collect(Collectors.toSet()), "no half-removed directory, no work directory");
            }
        }
    }
}
