package dev.quilt.linux.state;

import dev.quilt.domain.Container;
import dev.quilt.linux.JsonCodec;

import java.io.IOException;

/** A container's record in {@code state.json}'s form, for what keeps a copy elsewhere (a checkpoint). */
public final class ContainerRecords {
    private ContainerRecords() {}

    public static byte[] encode(Container c) {
        return JsonCodec.write(StateFile.toMap(c));
    }

    /** @throws IOException naming the field that is missing or wrong */
    public static Container decode(byte[] json) throws IOException {
        return StateFile.fromMap(JsonCodec.read(json));
    }
}
