package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OciResourceUpdateTest {
    private static OciLinux.Memory memory(Optional<Long> limit, Optional<Long> reservation, Optional<Long> swap) {
        return new OciLinux.Memory(limit, reservation, swap, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static OciLinux.Resources resources(Optional<OciLinux.Memory> m, Optional<OciLinux.Cpu> cpu, Optional<Long> pids) {
        return new OciLinux.Resources(List.of(new OciLinux.DeviceRule(false, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("rwm"))), m, cpu, pids, Optional.empty());
    }

    @Test
    void whatIsGivenChangesAndZeroOrAbsentStaysAsRuncReadsIt() {
        ResourceUpdate u = OciResourceUpdate.of(resources(Optional.of(memory(Optional.of(64L << 20), Optional.of(0L),
                        Optional.of(128L << 20))),
                Optional.of(new OciLinux.Cpu(Optional.of(512L), Optional.of(0L), Optional.of(100_000L), Optional.of(""),
                        Optional.empty())), Optional.of(-5L)), "r.json");
        assertEquals(new ResourceUpdate(Optional.of(64L << 20), Optional.of(128L << 20), Optional.of(512L), Optional.empty(),
                Optional.of(100_000L), Optional.of(-1L)), u, "devices are not update's (runc ignores them); -5 pids is none");
    }

    @Test
    void whatTheEngineCannotChangeIsNamedNeverDropped() {
        QuiltException e = assertThrows(QuiltException.class, () -> OciResourceUpdate.of(resources(
                Optional.of(memory(Optional.empty(), Optional.of(1L << 20), Optional.empty())),
                Optional.of(new OciLinux.Cpu(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("0-1"),
                        Optional.of("0"))), Optional.empty()), "r.json"));
        assertEquals("r.json: Quilt cannot change memory.reservation, cpu.cpus, cpu.mems of a live container; leave them out",
                e.getMessage());
        e = assertThrows(QuiltException.class, () -> OciResourceUpdate.of(resources(Optional.empty(),
                Optional.of(new OciLinux.Cpu(Optional.of(1L), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty())), Optional.empty()), "r.json"));
        assertEquals("r.json: cpu-shares must be 2 to 262144, not 1", e.getMessage());
    }
}
