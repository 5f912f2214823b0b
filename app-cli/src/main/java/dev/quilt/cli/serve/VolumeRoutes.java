package dev.quilt.cli.serve;

import javax.inject.Inject;
import java.util.List;
import java.util.Map;

/**
 * Docker's volumes (Engine API 1.41, "Volume"): Quilt has no named volumes, so the list is empty, inspect and
 * delete of any name are 404, and create is a 400 saying what to use instead: a bind mount
 * ({@code HostConfig.Binds host:ctr}) or a tmpfs ({@code HostConfig.Tmpfs}).
 */
public final class VolumeRoutes implements Routes {
    @Inject
    VolumeRoutes() {}

    @Override
    public void register(Router r) {
        r.add("GET", "/volumes", c -> {
            NetworkRoutes.filters(c);
            c.reply(200, Map.of("Volumes", List.of(), "Warnings", List.of()));
        });
        r.add("GET", "/volumes/{name}", c -> {
            throw ApiException.notFound("get " + c.param("name") + ": no such volume");
        });
        r.add("DELETE", "/volumes/{name}", c -> {
            throw ApiException.notFound("get " + c.param("name") + ": no such volume");
        });
        r.add("POST", "/volumes/create", c -> {
            c.json();
            throw ApiException.badRequest("quilt has no named volumes (Name): bind a host directory"
                    + " (HostConfig.Binds host:ctr) or mount a tmpfs (HostConfig.Tmpfs)");
        });
        r.add("POST", "/volumes/prune", c -> c.reply(200, Map.of("VolumesDeleted", List.of(), "SpaceReclaimed", 0)));
    }
}
