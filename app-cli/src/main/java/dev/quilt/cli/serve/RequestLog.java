package dev.quilt.cli.serve;

/** Where the server notes each answered request: who (SO_PEERCRED), what, the status and how long it took. */
public interface RequestLog {
    void answered(Peer peer, String method, String uri, int status, long micros);
}
