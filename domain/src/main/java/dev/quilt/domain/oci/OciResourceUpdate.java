package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code runc update --resources FILE}: an OCI {@code linux.resources} object as a
 * {@link ResourceUpdate}. As in runc, a field that is absent or {@code 0} leaves
 * the limit as it is, and {@code devices} is not something update changes (runc
 * ignores it; CRI sends the container's whole list). A field the engine cannot
 * change on a live container is refused in one line that names every one of them,
 * never dropped: memory reservation, kernel memory, swappiness, disableOOMKiller,
 * cpusets, block-io weights.
 */
public final class OciResourceUpdate {
    private OciResourceUpdate() {}

    public static ResourceUpdate of(OciLinux.Resources r, String origin) {
        List<String> refused = new ArrayList<>();
        Optional<OciLinux.Memory> mem = r.memory();
        mem.flatMap(OciLinux.Memory::reservation).filter(v -> v != 0).ifPresent(v -> refused.add("memory.reservation"));
        mem.flatMap(OciLinux.Memory::kernel).filter(v -> v != 0).ifPresent(v -> refused.add("memory.kernel"));
        mem.flatMap(OciLinux.Memory::kernelTCP).filter(v -> v != 0).ifPresent(v -> refused.add("memory.kernelTCP"));
        mem.flatMap(OciLinux.Memory::swappiness).ifPresent(v -> refused.add("memory.swappiness"));
        mem.flatMap(OciLinux.Memory::disableOOMKiller).filter(v -> v).ifPresent(v -> refused.add("memory.disableOOMKiller"));
        Optional<OciLinux.Cpu> cpu = r.cpu();
        cpu.flatMap(OciLinux.Cpu::cpus).filter(v -> !v.isBlank()).ifPresent(v -> refused.add("cpu.cpus"));
        cpu.flatMap(OciLinux.Cpu::mems).filter(v -> !v.isBlank()).ifPresent(v -> refused.add("cpu.mems"));
        r.blockIO().flatMap(OciLinux.BlockIO::weight).filter(v -> v != 0).ifPresent(v -> refused.add("blockIO.weight"));
        r.blockIO().flatMap(OciLinux.BlockIO::leafWeight).filter(v -> v != 0).ifPresent(v -> refused.add("blockIO.leafWeight"));
        if (!refused.isEmpty()) {
            throw QuiltException.invalid(origin + ": Quilt cannot change " + String.join(", ", refused)
                    + " of a live container; leave " + (refused.size() == 1 ? "it" : "them") + " out");
        }
        try {
            return new ResourceUpdate(mem.flatMap(OciLinux.Memory::limit).filter(v -> v != 0),
                    mem.flatMap(OciLinux.Memory::swap).filter(v -> v != 0),
                    cpu.flatMap(OciLinux.Cpu::shares).filter(v -> v != 0),
                    cpu.flatMap(OciLinux.Cpu::quota).filter(v -> v != 0),
                    cpu.flatMap(OciLinux.Cpu::period).filter(v -> v != 0),
                    r.pidsLimit().filter(v -> v != 0).map(v -> v < 0 ? -1 : v));
        } catch (QuiltException e) {
            throw QuiltException.invalid(origin + ": " + e.getMessage());
        }
    }
}
