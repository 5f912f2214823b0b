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
 * The OCI runtime-spec's own JSON schemas, from Debian's {@code golang-github-opencontainers-specs-dev}
 * (in {@code scripts/setup.sh}'s test packages): it ships {@code schema/state-schema.json} (draft 4, with
 * its {@code defs.json}) but no {@code features-schema.json}, so the features JSON is checked against
 * features.md's rules in {@link RuncJsonTest} instead.
 */
final class OciSchemas {
    static final Path DIR = Path.of("/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema");

    private OciSchemas() {}

    /** The errors of {@code json} against {@code state-schema.json}; empty when it is valid. */
    static List<String> stateErrors(String json) {
        Path file = DIR.resolve("state-schema.json");
        assertTrue(Files.isRegularFile(file), file + " is missing: install golang-github-opencontainers-specs-dev"
                + " (./test installs scripts/setup.sh's test packages)");
        // the schemas are read from the package's directory (state-schema.json's $ref is defs.json beside it)
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
}
