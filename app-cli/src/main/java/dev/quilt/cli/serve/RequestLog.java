package dev.quilt.cli.serve;

/** Where the server notes each answered request: who (SO_PEERCRED), what, the status and how long it took. */
public interface RequestLog {
    void answered(Peer peer, String method, String uri, int status, long micros);

    /**
     * A call failed with Quilt's own fault (a 500 that was not a refusal): the client got one line, the server's log
     * gets where it happened. Default: nothing.
     */
    default void fault(Peer peer, String method, String uri, Throwable e) {}

    /**
     * A connection was closed because what it owed did not come within the request deadline (a head, or a JSON
     * body): {@code what} says which, in one line. Once per connection. Default: nothing.
     */
    default void timedOut(Peer peer, String what) {}
}
