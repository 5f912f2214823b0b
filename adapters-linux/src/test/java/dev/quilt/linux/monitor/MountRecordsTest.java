package dev.quilt.linux.monitor;

import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.MountFlags;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Security;
import dev.quilt.linux.jni.Protocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountRecordsTest {
    /** The records of one tag, in order. */
    private static List<String> records(MessageWriter w, int tag) {
        ByteBuffer b = ByteBuffer.wrap(w.array(), 0, w.length()).order(ByteOrder.nativeOrder());
        List<String> out = new ArrayList<>();
        while (b.remaining() >= 8) {
            int t = b.getShort() & 0xffff;
            b.getShort();
            byte[] v = new byte[b.getInt()];
            b.get(v);
            if (t == tag) out.add(new String(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static MessageWriter encode(Security s) {
        MessageWriter w = new MessageWriter(Protocol.MSG_CONFIG);
        MountRecords.put(w, s);
        return w;
    }

    @Test
    void theDefaultsMaskAndMakeReadOnlyAndNothingMore() {
        MessageWriter w = encode(Security.DEFAULT);
        assertEquals(Security.DEFAULT_MASKED, records(w, Protocol.T_MASKED));
        assertEquals(Security.DEFAULT_READONLY, records(w, Protocol.T_READONLY));
        assertEquals(List.of(), records(w, Protocol.T_MOUNT));
        assertEquals(List.of(), records(w, Protocol.T_READONLY_ROOT));
        assertEquals(List.of(), records(w, Protocol.T_SYS_RW));
    }

    @Test
    void mountsDevicesAndReadOnlyRootInOrder() {
        Security s = Security.DEFAULT.withMounts(List.of(MountFlags.volume("/srv:/data:ro"), MountFlags.tmpfs("/t:size=1m")))
                .withDevices(List.of(new DeviceSpec("/dev/mynull", 'c', 1, 3, 0666, 0, 5, "rw")))
                .withReadonlyRootfs(true);
        MessageWriter w = encode(s);
        assertEquals(List.of("bind\n/data\n/srv\nrbind,rprivate,ro", "tmpfs\n/t\ntmpfs\nrw,noexec,nosuid,nodev,size=1m"),
                records(w, Protocol.T_MOUNT));
        assertEquals(List.of("c 1 3 666 0 5 /dev/mynull"), records(w, Protocol.T_DEVICE));
        assertEquals(List.of("1"), records(w, Protocol.T_READONLY_ROOT));
    }

    @Test
    void aSpecsMountsOfWhatQuiltMakesAreNotMountedTwice() {
        // as `runc spec` writes them
        List<MountSpec> runc = List.of(new MountSpec("/proc", "proc", "proc", List.of()),
                new MountSpec("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                new MountSpec("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec")),
                new MountSpec("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev")),
                new MountSpec("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new MountSpec("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                new MountSpec("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "ro")),
                new MountSpec("/work", "bind", "/srv", List.of("rbind")));
        assertEquals(List.of("bind\n/work\n/srv\nrbind"), records(encode(Security.DEFAULT.withMounts(runc)), Protocol.T_MOUNT));
    }

    @Test
    void privilegedMakesSysWritable() {
        Security d = Security.DEFAULT;
        Security p = new Security(d.capabilities(), false, d.seccomp(), List.of(), List.of(), Optional.empty(), Map.of(),
                List.of(), List.of(), List.of(), List.of(), false, true);
        MessageWriter w = encode(p);
        assertEquals(List.of("1"), records(w, Protocol.T_SYS_RW));
        assertEquals(List.of(), records(w, Protocol.T_MASKED));
    }

    @Test
    void aNewlineInAMountIsRefused() {
        Security s = Security.DEFAULT.withMounts(List.of(new MountSpec("/a", "tmpfs", "tmpfs", List.of("size=1m\nx"))));
        QuiltException e = assertThrows(QuiltException.class, () -> encode(s));
        assertTrue(e.getMessage().contains("newline"), e.getMessage());
    }

    @Test
    void aCgroupMountElsewhereIsRefused() {
        Security s = Security.DEFAULT.withMounts(List.of(new MountSpec("/cg", "cgroup", "cgroup", List.of("ro"))));
        QuiltException e = assertThrows(QuiltException.class, () -> encode(s));
        assertTrue(e.getMessage().startsWith("a cgroup mount on '/cg' is not supported"), e.getMessage());
    }

    @Test
    void tooManyMountsAreOneLine() {
        List<MountSpec> many = new ArrayList<>();
        for (int i = 0; i <= MountRecords.MAX; i++) many.add(MountFlags.tmpfs("/t" + i));
        QuiltException e = assertThrows(QuiltException.class, () -> encode(Security.DEFAULT.withMounts(many)));
        assertEquals("a container may have at most 128 mounts, not 129", e.getMessage());
    }
}
