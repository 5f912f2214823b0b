package dev.quilt.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * When a container ends by itself, from its labels (Quilt's own keys beside docker's {@code Labels}); the server's
 * supervisor acts on them, through the same stop and remove as every face:
 * <ul>
 *   <li>{@code quilt.ttl=DURATION}: {@code DURATION} after it started ({@code startedAt}) it is removed (forced),
 *       or stopped with {@code quilt.ttl.action=stop} ({@code remove}, the default);</li>
 *   <li>{@code quilt.idle-timeout=DURATION}: {@code DURATION} after its last activity (an exec, an attach, an
 *       archive, a request about it; its start when there was none) it is stopped, or removed with
 *       {@code quilt.idle.action=remove} ({@code stop}, the default).</li>
 * </ul>
 * Durations as {@link Durations} reads them ({@code 30s}, {@code 5m}, {@code 1h30m}). A label that is not one of
 * these shapes is refused at create, naming it. The deadlines are computed from recorded times, so a server started
 * later keeps them, and a deadline that passed meanwhile is due at once.
 */
public record Expiry(Optional<Rule> ttl, Optional<Rule> idle) {
    public static final String TTL = "quilt.ttl";
    public static final String TTL_ACTION = "quilt.ttl.action";
    public static final String IDLE = "quilt.idle-timeout";
    public static final String IDLE_ACTION = "quilt.idle.action";

    public static final Expiry NONE = new Expiry(Optional.empty(), Optional.empty());

    /** What is done at a deadline. */
    public enum Action {
        STOP, REMOVE;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a container was stopped or removed: the {@code reason} attribute of its events. */
    public enum Reason {
        TTL("ttl"), IDLE_TIMEOUT("idle-timeout");

        private final String word;

        Reason(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /** {@code action} after {@code after}. */
    public record Rule(Duration after, Action action) {
        public Rule {
            if (after == null || after.isZero() || after.isNegative()) throw new IllegalArgumentException("after " + after);
        }
    }

    /** A due deadline: what to do, and why. */
    public record Due(Instant at, Action action, Reason reason) {}

    /**
     * The rules in {@code labels}; labels without Quilt's keys give {@link #NONE}.
     *
     * @throws QuiltException INVALID naming the label that is not a duration or an action, or an action without
     *                        its duration
     */
    public static Expiry of(Map<String, String> labels) {
        Optional<Rule> ttl = rule(labels, TTL, TTL_ACTION, Action.REMOVE);
        Optional<Rule> idle = rule(labels, IDLE, IDLE_ACTION, Action.STOP);
        return ttl.isEmpty() && idle.isEmpty() ? NONE : new Expiry(ttl, idle);
    }

    private static Optional<Rule> rule(Map<String, String> labels, String key, String actionKey, Action dflt) {
        String d = labels.get(key);
        String a = labels.get(actionKey);
        if (d == null) {
            if (a != null) {
                throw QuiltException.invalid("label " + actionKey + "=" + a + " needs " + key + "=DURATION beside it");
            }
            return Optional.empty();
        }
        Duration after = Durations.parse("label " + key, d);
        Action action = dflt;
        if (a != null) {
            action = switch (a.strip().toLowerCase(Locale.ROOT)) {
                case "stop" -> Action.STOP;
                case "remove" -> Action.REMOVE;
                default -> throw QuiltException.invalid("label " + actionKey + "='" + a + "' must be stop or remove");
            };
        }
        return Optional.of(new Rule(after, action));
    }

    public boolean any() {
        return ttl.isPresent() || idle.isPresent();
    }

    /**
     * The first deadline of a container that started at {@code startedAt} and was last active at
     * {@code lastActivity} (none, or one before its start: its start counts): the TTL's or the idle timeout's,
     * whichever comes first; the TTL's when both fall at once. A container that is not {@code live} (exited) has
     * only its {@code remove} rules left: stopping it again would do nothing. Empty when no rule is left.
     */
    public Optional<Due> next(Instant startedAt, Optional<Instant> lastActivity, boolean live) {
        Optional<Due> t = ttl.filter(r -> live || r.action() == Action.REMOVE)
                .map(r -> new Due(startedAt.plus(r.after()), r.action(), Reason.TTL));
        Instant active = lastActivity.filter(a -> a.isAfter(startedAt)).orElse(startedAt);
        Optional<Due> i = idle.filter(r -> live || r.action() == Action.REMOVE)
                .map(r -> new Due(active.plus(r.after()), r.action(), Reason.IDLE_TIMEOUT));
        if (t.isEmpty()) return i;
        if (i.isEmpty()) return t;
        return i.get().at().isBefore(t.get().at()) ? i : t;
    }
}
