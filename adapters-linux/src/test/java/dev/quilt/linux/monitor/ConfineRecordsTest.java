package dev.quilt.linux.monitor;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Seccomp;
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

/** The session keyring record: runc's {@code _ses.<id>}, or none with {@code --no-new-keyring}. */
class ConfineRecordsTest {
    private static final ContainerId ID = ContainerId.of("ab".repeat(32));
    /** No seccomp: there is no program to compile, whatever the capabilities. */
    private static final Security UNCONFINED = new Security(Security.DEFAULT.capabilities(), true, Seccomp.UNCONFINED,
            List.of(), List.of(), Optional.empty(), Map.of(), List.of(), List.of(), List.of(), List.of(), false, false);

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

    private static List<String> keyring(boolean newKeyring) {
        MessageWriter w = new MessageWriter(Protocol.MSG_CONFIG);
        ConfineRecords.put(w, ID, UNCONFINED, (choice, caps) -> Optional.empty(), newKeyring);
        return records(w, Protocol.T_KEYRING);
    }

    @Test
    void aContainerGetsASessionKeyringOfItsOwnNamedAsRuncNamesIt() {
        assertEquals(List.of("_ses." + ID.value()), keyring(true));
    }

    @Test
    void noNewKeyringSendsNone() {
        assertEquals(List.of(), keyring(false));
    }
}
