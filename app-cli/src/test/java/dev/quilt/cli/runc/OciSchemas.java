package dev.quilt.cli.runc;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OCI runtime-spec's own JSON schemas (1.2.0: {@code state-schema.json}, {@code features-schema.json} and
 * the {@code defs*.json} and {@code features-linux.json} they refer to), from Debian 13's
 * {@code golang-github-opencontainers-specs-dev}, which {@code scripts/setup.sh}'s {@code quilt_oci_schemas}
 * unpacks under {@code .build} ({@code ./test} does it first).
 */
final class OciSchemas {
    static final Path DIR = Path.of(System.getProperty("quilt.oci.schemas",
            Path.of("..", ".build", "oci-runtime-spec-1.2.0", "schema").toString())).toAbsolutePath().normalize();

    private OciSchemas() {}

    /** The errors of {@code json} against {@code state-schema.json}; empty when it is valid. */
    static List<String> stateErrors(String json) {
        return errors("state-schema.json", json);
    }

    /** The errors of {@code json} against {@code features-schema.json}; empty when it is valid. */
    static List<String> featuresErrors(String json) {
        return errors("features-schema.json", json);
    }

    private static List<String> errors(String schemaFile, String json) {
        Path file = DIR.resolve(schemaFile);
        assertTrue(Files.isRegularFile(file), file + " is missing: ./test fetches the OCI runtime-spec schemas"
                + " (scripts/setup.sh, quilt_oci_schemas)");
        // the schemas are read from their directory ($ref "defs.json#..." and "features-linux.json#..." are beside them)
        String base = DIR.toUri().toString();
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4, b -> b.schemas(iri -> {
            if (!iri.startsWith(base)) return null;
            try {
                return Files.readString(DIR.resolve(iri.substring(base.length())));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })).getSchema(SchemaLocation.of(file.toUri().toString()));
        return schema.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
    }

    static void assertValidState(String json) {
        assertEquals(List.of(), stateErrors(json), json);
    }

    static void assertValidFeatures(String json) {
        assertEquals(List.of(), featuresErrors(json), json);
    }
}
