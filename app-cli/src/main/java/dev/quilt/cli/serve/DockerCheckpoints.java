package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.ForkPlan;
import dev.quilt.domain.checkpoint.CheckpointName;

import java.time.Instant;
import java.util.Optional;

/**
 * The request shapes of the Engine API's experimental checkpoint routes (API 1.41 "Checkpoint": {@code POST
 * /containers/{id}/checkpoints} with {@code {"CheckpointID", "CheckpointDir", "Exit"}}, {@code GET} and {@code DELETE
 * …/checkpoints[/{name}]?dir=}, {@code POST /containers/{id}/start?checkpoint=NAME&checkpoint-dir=}) and of Quilt's
 * fork route ({@code POST /containers/{id}/checkpoints/{name}/restore?copies=N&name=PREFIX}). Pure: each refusal is a
 * 400 naming the field.
 */
final class DockerCheckpoints {
    private DockerCheckpoints() {
    }

    /**
     * A checkpoint create: its name ({@code CheckpointID}; absent or empty: Quilt's default, the time of the dump) and
     * whether the container runs on after it (docker's {@code Exit}: false, the zero value, leaves it running).
     */
    record Create(CheckpointName name, boolean leaveRunning) {}

    static Create create(JsonNode body, Instant now) {
        if (!body.isObject()) throw ApiException.badRequest("the body must be a JSON object: {\"CheckpointID\": NAME}");
        noDir(body.path("CheckpointDir"), "CheckpointDir");
        JsonNode id = body.path("CheckpointID");
        if (!id.isMissingNode() && !id.isNull() && !id.isTextual()) {
            throw ApiException.badRequest("invalid CheckpointID: a string is expected");
        }
        String given = id.isTextual() ? id.asText() : "";
        CheckpointName name = given.isEmpty() ? CheckpointName.at(now)
                : DockerCreate.field("CheckpointID", () -> new CheckpointName(given));
        JsonNode exit = body.path("Exit");
        if (!exit.isMissingNode() && !exit.isNull() && !exit.isBoolean()) {
            throw ApiException.badRequest("invalid Exit: true or false is expected");
        }
        return new Create(name, !exit.asBoolean(false));
    }

    /** {@code ?dir=} / {@code ?checkpoint-dir=}: Quilt keeps checkpoints under its root and takes no other place. */
    static void noDir(Optional<String> dir, String field) {
        if (dir.filter(d -> !d.isEmpty()).isPresent()) refuseDir(field);
    }

    private static void noDir(JsonNode dir, String field) {
        if (dir.isTextual() && !dir.asText().isEmpty()) refuseDir(field);
        if (!dir.isMissingNode() && !dir.isNull() && !dir.isTextual()) refuseDir(field);
    }

    private static void refuseDir(String field) {
        throw ApiException.badRequest(field + " is not supported by quilt: checkpoints stay under the server's root;"
                + " leave it empty");
    }

    /** A checkpoint name of a path or query parameter. */
    static CheckpointName name(String field, String value) {
        return DockerCreate.field(field, () -> new CheckpointName(value));
    }

    /** The fork route's {@code copies}: 1 (the default) to {@link ForkPlan#MAX_COPIES}. */
    static int copies(long copies) {
        if (copies < 1 || copies > ForkPlan.MAX_COPIES) {
            throw ApiException.badRequest("invalid copies: " + copies + " is not 1 to " + ForkPlan.MAX_COPIES);
        }
        return (int) copies;
    }
}
