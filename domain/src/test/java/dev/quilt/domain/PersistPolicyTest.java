package dev.quilt.domain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PersistPolicy} and {@link Restored}: who asks for it, what rm does first, which checkpoint a create takes. */
class PersistPolicyTest {
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    private static final ProcessRef INIT = new ProcessRef(200, 2), MONITOR = new ProcessRef(199, 1);

    private static ContainerSpec spec(Map<String, String> labels, Optional<Bundle> bundle) {
        return new ContainerSpec(new ProcessSpec(List.of("sleep", "9"), List.of(), "/", User.ROOT, false),
                new RootFs.Image(Digest.sha256("ab".repeat(32))), new Hostname("box"), ContainerSpec.DEFAULT_NAMESPACES,
                false, false, NetworkMode.NONE, Resources.DEFAULT, Optional.empty(), ReadyPolicy.DEFAULT,
                LogLimit.DEFAULT, Security.DEFAULT, bundle, labels);
    }

    private static Container container(Map<String, String> labels, Status status) {
        Container c = Container.creating(ContainerId.of("c1"), Optional.of(ContainerName.of("web")),
                spec(labels, Optional.empty()), T0, false);
        return switch (status) {
            case CREATING -> c;
            case CREATED -> c.created(INIT, MONITOR);
            case RUNNING -> c.running(INIT, MONITOR, T0);
            case PAUSED -> c.running(INIT, MONITOR, T0).paused();
            case STOPPED -> c.running(INIT, MONITOR, T0).stopped(ExitStatus.exited(0), T0);
        };
    }

    @Test
    void theLabelTakesTrueOrFalseInAnyCase() {
        assertTrue(PersistPolicy.asked(Map.of("quilt.persist", "true")));
        assertTrue(PersistPolicy.asked(Map.of("quilt.persist", " TRUE ")));
        assertFalse(PersistPolicy.asked(Map.of("quilt.persist", "false")));
        assertFalse(PersistPolicy.asked(Map.of("app", "web")), "no key: not persisted");
    }

    @Test
    void anyOtherValueIsRefusedNamingTheLabel() {
        QuiltException e = assertThrows(QuiltException.class, () -> PersistPolicy.asked(Map.of("quilt.persist", "yes")));
        assertEquals("label quilt.persist='yes' must be true or false", e.getMessage());
        e = assertThrows(QuiltException.class, () -> PersistPolicy.asked(Map.of("quilt.persist", "")));
        assertEquals("label quilt.persist='' must be true or false", e.getMessage());
    }

    @Test
    void aBundleAsksThroughItsAnnotation() {
        Bundle b = new Bundle("/b", Map.of("dev.quilt.persist", "true"), Map.of(), Optional.empty(),
                Bundle.NO_HOOKS, RuncTerms.RUNC);
        assertTrue(PersistPolicy.asked(spec(Map.of(), Optional.of(b))));
        Bundle off = new Bundle("/b", Map.of("dev.quilt.persist", "false"), Map.of(), Optional.empty(),
                Bundle.NO_HOOKS, RuncTerms.RUNC);
        assertFalse(PersistPolicy.asked(spec(Map.of(), Optional.of(off))));
        Bundle bad = new Bundle("/b", Map.of("dev.quilt.persist", "1"), Map.of(), Optional.empty(),
                Bundle.NO_HOOKS, RuncTerms.RUNC);
        QuiltException e = assertThrows(QuiltException.class, () -> PersistPolicy.asked(spec(Map.of(), Optional.of(bad))));
        assertEquals("annotation dev.quilt.persist='1' must be true or false", e.getMessage());
    }

    @Property
    void rmCheckpointsFirstExactlyWhenPersistedAndItsProcessesRun(@ForAll Status status, @ForAll boolean persisted) {
        Container c = container(persisted ? Map.of("quilt.persist", "true") : Map.of(), status);
        boolean live = status == Status.RUNNING || status == Status.PAUSED;
        assertEquals(live && persisted ? PersistPolicy.OnRemove.CHECKPOINT_THEN_REMOVE : PersistPolicy.OnRemove.REMOVE,
                PersistPolicy.onRemove(c));
    }

    @Provide
    Arbitrary<List<PersistPolicy.Candidate>> candidates() {
        Arbitrary<PersistPolicy.Candidate> one = net.jqwik.api.Combinators.combine(
                Arbitraries.of("web", "db", "job"), Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1)
                        .ofMaxLength(3), Arbitraries.longs().between(0, 50))
                .as((n, ck, s) -> new PersistPolicy.Candidate(ContainerName.of(n), "id-" + n, ck, T0.plusSeconds(s)));
        return one.list().ofMaxSize(12);
    }

    @Property
    void theNewestOfThatNameIsChosenWhateverTheOrder(@ForAll("candidates") List<PersistPolicy.Candidate> all,
                                                     @ForAll long seed) {
        ContainerName web = ContainerName.of("web");
        Optional<PersistPolicy.Candidate> chosen = PersistPolicy.newest(all, web);
        List<PersistPolicy.Candidate> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new java.util.Random(seed));
        assertEquals(chosen, PersistPolicy.newest(shuffled, web), "the store's order does not matter");
        List<PersistPolicy.Candidate> ofWeb = all.stream().filter(c -> c.container().equals(web)).toList();
        assertEquals(ofWeb.isEmpty(), chosen.isEmpty());
        chosen.ifPresent(c -> {
            assertEquals(web, c.container(), "never another name's");
            for (PersistPolicy.Candidate o : ofWeb) assertFalse(o.createdAt().isAfter(c.createdAt()), "none newer");
        });
    }

    @Test
    void withNoCheckpointTheCreateIsFreshAndSaysSo() {
        Optional<Restored> r = PersistPolicy.withoutRestore(ContainerName.of("web"), Optional.empty());
        assertEquals(Optional.of(Restored.fresh(Optional.empty(), "no checkpoint of 'web'")), r);
        assertEquals("no checkpoint of 'web'; created fresh", r.get().warning());
        PersistPolicy.Candidate c = new PersistPolicy.Candidate(ContainerName.of("web"), "id", "persist-1", T0);
        assertEquals(Optional.empty(), PersistPolicy.withoutRestore(ContainerName.of("web"), Optional.of(c)),
                "with one, the restore is tried first");
        assertEquals("web/persist-1", c.ref());
    }

    @Property
    void aFallbackNamesTheCheckpointAndTheReason(@ForAll("reasons") String reason) {
        Restored r = Restored.fresh(Optional.of("web/persist-1"), reason);
        assertEquals(Restored.Path.FRESH, r.path());
        assertEquals("restore of web/persist-1 failed (" + reason + "); created fresh", r.warning());
        assertFalse(r.warning().contains("\n"));
    }

    @Provide
    Arbitrary<String> reasons() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(40).filter(s -> !s.isBlank());
    }

    @Test
    void aRestoreNamesItsCheckpointAndAReasonIsOneLine() {
        assertEquals(Restored.Path.RESTORE, Restored.restore("web/persist-1").path());
        assertThrows(IllegalArgumentException.class, () -> new Restored(Optional.empty(), Restored.Path.RESTORE, "x"));
        assertThrows(IllegalArgumentException.class, () -> Restored.fresh(Optional.empty(), "two\nlines"));
        assertEquals(Restored.Path.FRESH, Restored.Path.of("fresh"));
        assertEquals("restore", Restored.Path.RESTORE.word());
    }

    @Property
    void copiesAreNamedAndCountedOneToN(@ForAll @IntRange(min = 1, max = ForkPlan.MAX_COPIES) int n,
                                        @ForAll("prefixes") String prefix, @ForAll("hostnames") String host) {
        ForkPlan p = ForkPlan.of(prefix, new Hostname(host), n);
        assertEquals(n, p.size());
        for (int i = 0; i < n; i++) {
            ForkPlan.Copy c = p.copies().get(i);
            assertEquals(i + 1, c.counter());
            assertEquals(prefix + "-" + (i + 1), c.name().value());
            assertTrue(c.hostname().value().endsWith("-" + (i + 1)));
            assertTrue(c.hostname().value().length() <= 63);
            assertEquals((i + 1) + "\n", c.cloneFile());
            assertEquals("QUILT_CLONE=" + (i + 1), c.cloneEnv());
        }
        assertEquals(n, p.copies().stream().map(ForkPlan.Copy::hostname).distinct().count(), "distinct hostnames");
        assertEquals(n, p.copies().stream().map(ForkPlan.Copy::name).distinct().count(), "distinct names");
    }

    @Provide
    Arbitrary<String> prefixes() {
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(60);
    }

    @Provide
    Arbitrary<String> hostnames() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('-', '.').ofMinLength(1).ofMaxLength(64)
                .filter(s -> {
                    try {
                        new Hostname(s);
                        return true;
                    } catch (QuiltException e) {
                        return false;
                    }
                });
    }

    @Test
    void copiesOutOfRangeOrNamesTooLongAreRefused() {
        Hostname h = new Hostname("box");
        assertEquals("--copies 0: give 1 to 100",
                assertThrows(QuiltException.class, () -> ForkPlan.of("web", h, 0)).getMessage());
        assertEquals("--copies 101: give 1 to 100",
                assertThrows(QuiltException.class, () -> ForkPlan.of("web", h, 101)).getMessage());
        String p = "w".repeat(62);
        assertEquals("name prefix '" + p + "' is too long for 10 copies: 'PREFIX-10' must be at most 64 characters",
                assertThrows(QuiltException.class, () -> ForkPlan.of(p, h, 10)).getMessage());
        assertEquals("w".repeat(62) + "-9", ForkPlan.of(p, h, 9).copies().get(8).name().value());
    }

    @Test
    void aLongHostnameIsCutBeforeItsCounter() {
        Hostname h = new Hostname("a".repeat(59) + "-bcd");
        assertEquals("a".repeat(59) + "-10", ForkPlan.hostnameOf(h, 10).value(), "cut, and no '-' left before -10");
    }

    @Property
    void theOutcomeGoesIntoLabelsAndComesBack(@ForAll("reasons") String reason, @ForAll boolean restored,
                                              @ForAll boolean tried) {
        Restored r = restored ? Restored.restore("web/c1") : Restored.fresh(tried ? Optional.of("web/c1")
                : Optional.empty(), reason);
        Map<String, String> before = new java.util.LinkedHashMap<>(Map.of("app", "x", "quilt.restored.from", "old/c0"));
        Map<String, String> labels = r.into(before);
        assertEquals("x", labels.get("app"), "the user's labels stay");
        assertEquals(Optional.of(r), Restored.of(labels));
        assertEquals(Optional.empty(), Restored.of(Map.of("app", "x")));
        assertEquals(Optional.empty(), Restored.of(Map.of("quilt.restored.path", "sideways", "quilt.restored.reason", "x")));
    }

    @Test
    void aCopysSpecHasItsHostnameCounterAndEnvironment() {
        ContainerSpec saved = new ContainerSpec(new ProcessSpec(List.of("sleep", "9"),
                List.of("PATH=/bin", "HOSTNAME=box", "A=1"), "/", User.ROOT, false),
                new RootFs.Image(Digest.sha256("ab".repeat(32))), new Hostname("box"), ContainerSpec.DEFAULT_NAMESPACES,
                false, false, NetworkMode.BRIDGE, Resources.DEFAULT, Optional.empty(), ReadyPolicy.DEFAULT,
                LogLimit.DEFAULT, Security.DEFAULT, Optional.empty(), Map.of("app", "x"));
        ForkPlan.Copy c = ForkPlan.of("web", saved.hostname(), 3).copies().get(1);
        ContainerSpec s = c.applyTo(saved);
        assertEquals("box-2", s.hostname().value());
        assertEquals(List.of("PATH=/bin", "HOSTNAME=box-2", "A=1", "QUILT_CLONE=2"), s.process().env());
        assertEquals(Map.of("app", "x", "quilt.clone", "2"), s.labels());
        assertEquals(saved.process().args(), s.process().args());
        assertEquals(saved.root(), s.root());
        assertEquals(saved.network(), s.network());
    }

    @Test
    void anOldRecordsOtherValueNeverBlocksItsRemoval() {
        assertEquals(PersistPolicy.OnRemove.REMOVE,
                PersistPolicy.onRemove(container(Map.of("quilt.persist", "yes"), Status.RUNNING)));
    }

    @Test
    void whatCanNeverBeCheckpointedIsRefusedWithPersistNamingTheOption() {
        Security plain = Security.DEFAULT;
        assertEquals(Optional.empty(), PersistPolicy.cannotPersist(false, NetworkMode.BRIDGE, plain));
        assertEquals(Optional.empty(), PersistPolicy.cannotPersist(false, NetworkMode.NONE, plain));
        assertTrue(PersistPolicy.cannotPersist(true, NetworkMode.BRIDGE, plain).orElseThrow()
                .startsWith("--persist (label quilt.persist=true) cannot go with --init (or no command"));
        assertTrue(PersistPolicy.cannotPersist(false, NetworkMode.HOST, plain).orElseThrow()
                .contains("cannot go with --network host"));
        Security bind = plain.withMounts(List.of(new MountSpec("/data", "bind", "/srv/data", List.of("rbind"))));
        assertEquals("--persist (label quilt.persist=true) cannot go with the bind mount -v /srv/data:/data: a"
                + " container with bind mounts from the host cannot be checkpointed; drop one of them",
                PersistPolicy.cannotPersist(false, NetworkMode.BRIDGE, bind).orElseThrow());
        Security tmpfs = plain.withMounts(List.of(new MountSpec("/scratch", "tmpfs", "tmpfs", List.of())));
        assertEquals(Optional.empty(), PersistPolicy.cannotPersist(false, NetworkMode.BRIDGE, tmpfs));
    }

    @Test
    void aRestoreCarriesTheUsersLabelsAndNoneOfQuiltsBookkeeping() {
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        labels.put("team", "a");
        labels.put(Expiry.TTL, "1h");
        labels.put(PersistPolicy.LABEL, "true");
        labels.putAll(Restored.fresh(Optional.of("p2/x"), "no manifest").into(Map.of()));
        labels.put(Restored.RESTORED_FROM, "id/ck");
        labels.put(ForkPlan.CLONE_LABEL, "3");
        assertEquals(Map.of("team", "a", Expiry.TTL, "1h"), Restored.carried(labels));
    }
}
