package dev.quilt.cli.serve;

/**
 * What a route does with a call. It runs on a worker thread, never on an event loop, so it may block (wait for an
 * exit, follow a log, read a streamed body); it answers through the call ({@link ApiCall#reply} and friends).
 * Whatever it throws becomes one Docker-shaped error ({@link ApiException#of}) if nothing was answered yet.
 */
@FunctionalInterface
public interface Handler {
    void handle(ApiCall call) throws Exception;
}
