package dev.quilt.fake;

import dev.quilt.ports.DefaultImageSource;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

public final class FakeDefaultImage implements DefaultImageSource {
    @Override
    public InputStream openTar() {
        return new ByteArrayInputStream("fake default rootfs".getBytes(StandardCharsets.UTF_8));
    }
}
