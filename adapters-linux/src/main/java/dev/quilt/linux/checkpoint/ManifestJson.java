package dev.quilt.linux.checkpoint;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.linux.JsonCodec;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code manifest.json}'s fields; unknown ones are ignored, a missing digest is read as absent (and refused). */
public final class ManifestJson {
    private ManifestJson() {}

    public static Map<String, Object> toMap(CheckpointManifest m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("formatVersion", m.formatVersion());
        out.put("name", m.name().value());
        out.put("containerId", m.containerId().value());
        m.containerName().ifPresent(n -> out.put("containerName", n.value()));
        out.put("created", m.created().toString());
        out.put("criuVersion", m.criuVersion());
        out.put("kernelRelease", m.kernelRelease());
        m.specDigest().ifPresent(d -> out.put("specDigest", d.value()));
        m.imageDigest().ifPresent(d -> out.put("imageDigest", d.value()));
        out.put("leftRunning", m.leftRunning());
        out.put("tcpEstablished", m.tcpEstablished());
        Map<String, Object> ext = new LinkedHashMap<>();
        m.externals().netKey().ifPresent(k -> ext.put("netKey", k));
        List<Map<String, Object>> pipes = new ArrayList<>();
        for (CheckpointManifest.PipeEnd p : m.externals().stdioPipes()) {
            pipes.add(Map.of("fd", p.fd(), "inode", p.inode()));
        }
        ext.put("stdioPipes", pipes);
        out.put("externals", ext);
        List<Map<String, Object>> files = new ArrayList<>();
        for (CheckpointManifest.FileEntry f : m.files()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", f.path());
            e.put("size", f.size());
            e.put("sha256", f.sha256().value());
            files.add(e);
        }
        out.put("files", files);
        return out;
    }

    @SuppressWarnings("unchecked")
    public static CheckpointManifest fromMap(Map<String, Object> m) throws IOException {
        try {
            Map<String, Object> ext = m.get("externals") instanceof Map<?, ?> e ? (Map<String, Object>) e : Map.of();
            List<CheckpointManifest.PipeEnd> pipes = new ArrayList<>();
            if (ext.get("stdioPipes") instanceof List<?> l) {
                for (Object o : l) {
                    Map<String, Object> p = (Map<String, Object>) o;
                    pipes.add(new CheckpointManifest.PipeEnd((int) JsonCodec.number(p, "fd"),
                            JsonCodec.number(p, "inode")));
                }
            }
            List<CheckpointManifest.FileEntry> files = new ArrayList<>();
            if (!(m.get("files") instanceof List<?> fl)) throw new IOException("manifest.json has no files list");
            for (Object o : fl) {
                Map<String, Object> f = (Map<String, Object>) o;
                files.add(new CheckpointManifest.FileEntry(JsonCodec.string(f, "path"), JsonCodec.number(f, "size"),
                        new Digest(JsonCodec.string(f, "sha256"))));
            }
            return new CheckpointManifest((int) JsonCodec.number(m, "formatVersion"),
                    new CheckpointName(JsonCodec.string(m, "name")), ContainerId.of(JsonCodec.string(m, "containerId")),
                    Optional.ofNullable(JsonCodec.optString(m, "containerName")).map(ContainerName::new),
                    Instant.parse(JsonCodec.string(m, "created")), JsonCodec.string(m, "criuVersion"),
                    JsonCodec.string(m, "kernelRelease"),
                    Optional.ofNullable(JsonCodec.optString(m, "specDigest")).map(Digest::new),
                    Optional.ofNullable(JsonCodec.optString(m, "imageDigest")).map(Digest::new),
                    Boolean.TRUE.equals(m.get("leftRunning")), Boolean.TRUE.equals(m.get("tcpEstablished")),
                    new CheckpointManifest.Externals(Optional.ofNullable(JsonCodec.optString(ext, "netKey")), pipes),
                    files);
        } catch (QuiltException | ClassCastException | java.time.format.DateTimeParseException e) {
            throw new IOException("manifest.json has a bad field: " + e.getMessage());
        }
    }
}
