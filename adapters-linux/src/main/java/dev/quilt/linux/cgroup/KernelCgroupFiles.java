package dev.quilt.linux.cgroup;

import dev.quilt.domain.QuiltException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** cgroupfs as it is: each write is one write(2), so the kernel sees the whole value at once. */
public class KernelCgroupFiles implements CgroupFiles {
    @Override
    public void mkdir(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // made by an earlier call or a concurrent create: what we wanted
        } catch (IOException e) {
            throw failed("mkdir", dir, e);
        }
    }

    @Override
    public void rmdir(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw failed("rmdir", dir, e);
        }
    }

    @Override
    public void write(Path file, String value) {
        // no O_CREAT: a missing file is a controller that is not there, and must say so
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
            ch.write(b);
            if (b.hasRemaining()) throw new IOException("short write");
        } catch (IOException e) {
            throw failed("write", file + "\", \"" + value.strip(), e);
        }
    }

    @Override
    public String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw failed("read", file, e);
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public List<String> children(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = new ArrayList<>();
            s.filter(Files::isDirectory).forEach(p -> out.add(p.getFileName().toString()));
            return out;
        } catch (IOException e) {
            throw failed("opendir", dir, e);
        }
    }

    /** {@code write("/sys/fs/cgroup/x/pids.max", "0") failed: Invalid argument} */
    static QuiltException failed(String op, Object object, IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, op + "(\"" + object + "\") failed: "
                + dev.quilt.linux.IoErrors.why(e), e);
    }
}
