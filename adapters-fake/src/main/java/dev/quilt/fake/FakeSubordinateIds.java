package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.SubordinateRanges;
import dev.quilt.domain.UserNamespace;
import dev.quilt.ports.SubordinateIds;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Subordinate ids in memory: {@code owned} as if read from /etc/subuid and /etc/subgid; {@link #release} forgets a holder. */
public final class FakeSubordinateIds implements SubordinateIds {
    private final List<SubordinateRanges.Range> owned;
    private final Map<ContainerId, SubordinateRanges.Range> held = new LinkedHashMap<>();

    public FakeSubordinateIds(List<SubordinateRanges.Range> owned) {
        this.owned = List.copyOf(owned);
    }

    /** podman's usual line, containers:100000:65536 (room for one container of the default size). */
    public FakeSubordinateIds() {
        this(List.of(new SubordinateRanges.Range(100000, 65536)));
    }

    @Override
    public synchronized UserNamespace take(ContainerId id, UserNamespace requested) {
        if (!(requested instanceof UserNamespace.Auto auto)) return requested;
        if (owned.isEmpty()) {
            throw QuiltException.invalid("no subordinate ids for 'containers' in /etc/subuid: add a line 'containers:100000:65536'");
        }
        held.remove(id);
        OptionalLong base = SubordinateRanges.pick(owned, List.copyOf(held.values()), auto.size());
        if (base.isEmpty()) {
            throw QuiltException.conflict("no " + auto.size() + " free subordinate ids for 'containers': remove a container or add ids to /etc/subuid");
        }
        held.put(id, new SubordinateRanges.Range(base.getAsLong(), auto.size()));
        UserNamespace.IdMapping m = new UserNamespace.IdMapping(0, base.getAsLong(), auto.size());
        return new UserNamespace.Mapped(List.of(m), List.of(m));
    }

    /** What the record's removal does on Linux. */
    public synchronized void release(ContainerId id) {
        held.remove(id);
    }

    public synchronized Map<ContainerId, SubordinateRanges.Range> held() {
        return Map.copyOf(held);
    }
}
