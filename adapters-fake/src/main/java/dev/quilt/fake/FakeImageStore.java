package dev.quilt.fake;

import dev.quilt.domain.Digest;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ImageStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Images as digests of their bytes; nothing is unpacked. */
public final class FakeImageStore implements ImageStore {
    private final FakeKernel kernel;
    private final Clock clock;
    private final Map<Digest, Image> images = new LinkedHashMap<>();
    private final Map<ImageName, Digest> names = new LinkedHashMap<>();

    public FakeImageStore(FakeKernel kernel, Clock clock) {
        this.kernel = kernel;
        this.clock = clock;
    }

    @Override
    public synchronized Image importTar(InputStream tar, Optional<ImageName> name, ImportProgress progress) {
        kernel.maybeFail("images.import");
        byte[] bytes;
        try {
            bytes = tar.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length == 0) throw QuiltException.invalid("the archive holds no files; is it a tar?");
        progress.bytesRead(bytes.length);
        Digest d;
        try {
            d = Digest.sha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        images.putIfAbsent(d, new Image(d, List.of(), bytes.length, clock.now()));
        name.ifPresent(n -> names.put(n, d));
        return withNames(images.get(d));
    }

    @Override
    public synchronized Optional<Image> find(String ref) {
        if (Digest.looksLike(ref)) return Optional.ofNullable(images.get(new Digest(ref))).map(this::withNames);
        for (Map.Entry<ImageName, Digest> e : names.entrySet()) {
            if (e.getKey().value().equals(ref)) return Optional.of(withNames(images.get(e.getValue())));
        }
        List<Digest> matches = images.keySet().stream().filter(d -> d.hex().startsWith(ref)).toList();
        if (ref.isEmpty() || !ref.matches("[0-9a-f]+") || matches.isEmpty()) return Optional.empty();
        if (matches.size() > 1) throw QuiltException.conflict("image prefix '" + ref + "' matches " + matches.size() + " images");
        return Optional.of(withNames(images.get(matches.get(0))));
    }

    @Override
    public synchronized Optional<Digest> resolve(String ref) {
        return find(ref).map(Image::digest);
    }

    @Override
    public synchronized List<Image> list(java.util.function.Consumer<String> unreadable) {
        return images.values().stream().map(this::withNames).toList();
    }

    @Override
    public int sweepAbandoned() {
        return 0;
    }

    @Override
    public synchronized boolean untag(ImageName name) {
        return names.remove(name) != null;
    }

    @Override
    public synchronized void remove(Digest digest) {
        images.remove(digest);
        names.values().removeIf(digest::equals);
    }

    synchronized boolean contains(Digest d) {
        return images.containsKey(d);
    }

    private Image withNames(Image i) {
        List<ImageName> n = new ArrayList<>();
        names.forEach((k, v) -> {
            if (v.equals(i.digest())) n.add(k);
        });
        n.sort((a, b) -> a.value().compareTo(b.value()));
        return new Image(i.digest(), n, i.sizeBytes(), i.importedAt());
    }
}
