package dev.quilt.cli.serve;

/**
 * Work the server runs beside its routes (the supervisor of health schedules, TTLs and exits; the state watcher):
 * started once the socket listens, in the set's order, and stopped when the server stops. A stop must not stop
 * containers: they outlive the server.
 */
public interface Background {
    void start();

    void stop();
}
