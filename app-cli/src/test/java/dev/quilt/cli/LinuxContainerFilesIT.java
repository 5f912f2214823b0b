package dev.quilt.cli;

import dev.quilt.domain.ProcessRef;
import dev.quilt.linux.files.LinuxContainerFiles;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.ContainerFiles;
import dev.quilt.ports.ContainerFilesContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ContainerFiles contract on the real kernel: quilt-archive in a container quilt started. */
class LinuxContainerFilesIT extends ContainerFilesContract {
    static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    static Path root;
    static Quilt quilt;
    static ContainerFiles files;
    static ContainerFiles.Target target;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-container-files");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "cf", "-e", MARK,
                "--", "sleep", "2147483647");
        assertEquals(0, r.exit(), r.err());
        String state = Files.readString(root.resolve("run").resolve(r.out().strip()).resolve("state.json"));
        Matcher m = Pattern.compile("\"pid\":(\\d+),\"pidStartTime\":(\\d+)").matcher(state);
        assertTrue(m.find(), state);
        target = new ContainerFiles.Target(new ProcessRef(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))),
                false);
        files = new LinuxContainerFiles(NativeLibrary.load(root.resolve("data/native")));
    }

    @AfterAll
    static void down() throws Exception {
        try {
            quilt.run("rm", "-f", "cf");
        } finally {
            quilt.close(MARK);
        }
    }

    @Override
    protected ContainerFiles files() {
        return files;
    }

    @Override
    protected ContainerFiles.Target container() {
        return target;
    }
}
