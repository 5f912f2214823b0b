package dev.quilt.cli.serve;

/**
 * One part of the API: registers its paths with the {@link Router}. Each part is one class bound into the server's
 * set ({@code ServeModule}), so parts do not share a file.
 */
public interface Routes {
    void register(Router router);
}
