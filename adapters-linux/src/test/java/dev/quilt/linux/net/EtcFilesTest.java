package dev.quilt.linux.net;

import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.NetworkMode;
import org.junit.jupiter.api.Test;

import java.util.Optional;

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

    @Test
    void aDottedHostnameResolvesByItsShortNameToo() {
        assertEquals("127.0.0.1\tlocalhost a.b a\n::1\tlocalhost ip6-localhost ip6-loopback a.b a\n",
                EtcFiles.hosts(new Hostname("a.b"), NetworkMode.NONE, Optional.empty()));
        assertEquals("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tbox\n",
                EtcFiles.hosts(new Hostname("box"), NetworkMode.HOST, Optional.empty()));
    }
}
