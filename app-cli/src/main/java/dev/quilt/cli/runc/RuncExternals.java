package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.IoErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What was external at a {@code quilt-runc checkpoint}, kept beside CRIU's images in {@value #FILE} (runc keeps
 * its own in {@code descriptors.json} there): the key the network namespace was dumped as, and the init's stdio
 * fds that were pipes, by inode, which {@code quilt-runc restore} replaces with its caller's stdio
 * ({@code --inherit-fd fd[N]:pipe:[INODE]}). podman's {@code --export} and containerd's checkpoint archive keep
 * every file of the image directory, so the file travels with the images. Shape:
 * {@code {"netKey": "quilt-net", "stdioPipes": [{"fd": 1, "inode": 123}]}}.
 */
final class RuncExternals {
    private RuncExternals() {}

    static final String FILE = "quilt-externals.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes {@code ext} into {@code images} atomically (temp, fsync, rename, fsync dir). */
    static void write(Path images, CheckpointManifest.Externals ext) {
        ObjectNode root = JSON.createObjectNode();
        ext.netKey().ifPresent(k -> root.put("netKey", k));
        ArrayNode pipes = root.putArray("stdioPipes");
        for (CheckpointManifest.PipeEnd p : ext.stdioPipes()) pipes.addObject().put("fd", p.fd()).put("inode", p.inode());
        Path file = images.resolve(FILE);
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot write " + file + ": " + IoErrors.why(e), e);
        }
    }

    /**
     * Reads them back from {@code images}; refused in one line when the directory holds no checkpoint of
     * quilt-runc's or the file is damaged.
     */
    static CheckpointManifest.Externals read(Path images) {
        Path file = images.resolve(FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw QuiltException.invalid("--image-path " + images + " holds no checkpoint made by quilt-runc (no "
                    + FILE + "); give the directory 'quilt-runc checkpoint' wrote");
        } catch (IOException e) {
            throw QuiltException.invalid("cannot read " + file + ": " + IoErrors.why(e) + "; checkpoint again");
        }
        String bad = "checkpoint file " + file + " is damaged; checkpoint again";
        if (root == null || !root.isObject() || !root.path("stdioPipes").isArray()) throw QuiltException.invalid(bad);
        Optional<String> key = root.hasNonNull("netKey") && root.get("netKey").isTextual()
                ? Optional.of(root.get("netKey").asText()) : Optional.empty();
        List<CheckpointManifest.PipeEnd> pipes = new ArrayList<>();
        for (JsonNode p : root.get("stdioPipes")) {
            if (!p.path("fd").isInt() || !p.path("inode").canConvertToLong() || p.get("fd").asInt() < 0
                    || p.get("fd").asInt() > 2) {
                throw QuiltException.invalid(bad);
            }
            pipes.add(new CheckpointManifest.PipeEnd(p.get("fd").asInt(), p.get("inode").asLong()));
        }
        return new CheckpointManifest.Externals(key, pipes);
    }
}
