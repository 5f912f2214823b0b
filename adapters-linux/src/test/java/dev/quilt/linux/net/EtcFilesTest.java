package dev.quilt.linux.net;

import dev.quilt.domain.NetworkMode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EtcFilesTest {
    private static final String HOST = "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\n"
            + "search example.test\noptions edns0\n";

    @Test
    void aPrivateNamespaceKeepsOnlyResolversItCanReach() {
        assertEquals("# written by quilt from the host's resolv.conf\nnameserver 192.0.2.53\nsearch example.test\n"
                + "options edns0\n", EtcFiles.resolvConf(HOST, NetworkMode.BRIDGE));
        assertEquals(EtcFiles.resolvConf(HOST, NetworkMode.BRIDGE), EtcFiles.resolvConf(HOST, NetworkMode.NONE));
    }

    @Test
    void theHostsNamespaceGetsTheHostsFile() {
        assertEquals(HOST, EtcFiles.resolvConf(HOST, NetworkMode.HOST));
    }
}
