package dev.quilt.linux.net;

import dev.quilt.domain.NetworkMode;
import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** resolv.conf for containers, from stub files standing in for the host's. */
class ResolvConfTest {
    private static final String STUB = "# This is /run/systemd/resolve/stub-resolv.conf managed by systemd-resolved\n"
            + "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
    private static final String UPSTREAM = "# This is /run/systemd/resolve/resolv.conf managed by systemd-resolved\n"
            + "nameserver 192.0.2.1\nnameserver 2001:db8::1\nsearch lan\n";

    private Path dir;
    private ResolvConf conf;

    @BeforeEach
    void files() throws IOException {
        dir = Files.createTempDirectory("quilt-resolv-");
        conf = new ResolvConf(dir.resolve("etc-resolv.conf"), dir.resolve("systemd-resolv.conf"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        AtomicFiles.deleteTree(dir);
    }

    private void host(String s) throws IOException {
        Files.writeString(conf.host(), s);
    }

    private void upstream(String s) throws IOException {
        Files.writeString(conf.upstream(), s);
    }

    @Test
    void aSystemdResolvedStubGivesWayToItsUpstreamServers() throws IOException {
        host(STUB);
        upstream(UPSTREAM);
        assertEquals("# written by quilt from systemd-resolved's upstream servers: the host's own resolver is on"
                + " loopback, which a container cannot reach\nnameserver 192.0.2.1\nnameserver 2001:db8::1\nsearch lan\n",
                conf.forContainer(NetworkMode.BRIDGE));
        assertEquals(conf.forContainer(NetworkMode.BRIDGE), conf.forContainer(NetworkMode.NONE));
    }

    @Test
    void aStubWithoutUpstreamServersFallsBackToPublicResolvers() throws IOException {
        host(STUB);
        String fallback = "# written by quilt: no nameserver of the host is reachable from a container; public"
                + " fallback\noptions edns0 trust-ad\nsearch lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n";
        assertEquals(fallback, conf.forContainer(NetworkMode.BRIDGE), "no upstream file");
        upstream("nameserver 127.0.0.1\n");
        assertEquals(fallback, conf.forContainer(NetworkMode.BRIDGE), "an upstream file with only loopback");
    }

    @Test
    void noResolvConfAtAllFallsBackToo() throws IOException {
        assertEquals("# written by quilt: no nameserver of the host is reachable from a container; public fallback\n"
                + "nameserver 8.8.8.8\nnameserver 8.8.4.4\n", conf.forContainer(NetworkMode.BRIDGE));
    }

    @Test
    void reachableHostServersAreKeptAndLoopbackOnesDropped() throws IOException {
        host("nameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\noptions ndots:2\n");
        upstream(UPSTREAM);
        assertEquals("# written by quilt from the host's resolv.conf\nnameserver 10.255.255.53\noptions ndots:2\n",
                conf.forContainer(NetworkMode.BRIDGE));
    }

    @Test
    void theHostsNetworkGetsTheHostsFileAsItIs() throws IOException {
        host(STUB);
        upstream(UPSTREAM);
        assertEquals(STUB, conf.forContainer(NetworkMode.HOST), "127.0.0.53 is reachable from the host's namespace");
    }
}
