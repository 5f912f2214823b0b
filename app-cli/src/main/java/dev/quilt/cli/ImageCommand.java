package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.ImportImage;
import dev.quilt.usecases.RemoveImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "image", description = "Import, list and remove images.",
        subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Rm.class})
final class ImageCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Inject
    ImageCommand() {}

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: import, ls or rm");
    }

    @Command(name = "import", description = "Import a rootfs tarball (.tar or .tar.gz), unpacked once into the store.")
    static final class Import implements Callable<Integer> {
        private final Lazy<ImportImage> importImage;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "the tarball")
        Path file;

        @Option(names = "--name", paramLabel = "NAME", description = "a name to run it by")
        String name;

        private final Invocation invocation;

        @Inject
        Import(Lazy<ImportImage> importImage, Privileges privileges, Invocation invocation) {
            this.importImage = importImage;
            this.privileges = privileges;
            this.invocation = invocation;
        }

        @Override
        public Integer call() {
            Optional<ImageName> n = Optional.ofNullable(name).map(ImageName::new);
            Root.require(privileges, "image import");
            Progress progress = new Progress(spec.commandLine().getErr());
            Image image = importImage.get().importFile(invocation.resolve(file), n, progress);
            progress.done();
            spec.commandLine().getOut().println(image.digest());
            return 0;
        }
    }

    @Command(name = "ls", description = "List images.")
    static final class Ls implements Callable<Integer> {
        private final Lazy<ImageStore> images;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Inject
        Ls(Lazy<ImageStore> images) {
            this.images = images;
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            List<Image> list = images.get().list(line -> err.println("quilt: " + line));
            if (json) {
                out.println(JsonOutput.of(list.stream().map(i -> new ImageView(i.digest().value(),
                        i.names().stream().map(ImageName::value).toList(), i.sizeBytes(), i.importedAt().toString())).toList()));
            } else {
                out.printf("%-24s %-14s %10s  %s%n", "NAME", "DIGEST", "SIZE", "IMPORTED");
                for (Image i : list) {
                    String names = i.names().isEmpty() ? "<none>" : String.join(",", i.names().stream().map(ImageName::value).toList());
                    out.printf("%-24s %-14s %10s  %s%n", names, i.digest().shortForm(), Sizes.human(i.sizeBytes()), i.importedAt());
                }
            }
            out.flush();
            err.flush();
            return 0;
        }

        record ImageView(String digest, List<String> names, long size, String imported) {}
    }

    @Command(name = "rm", description = "Remove images no container uses.")
    static final class Rm implements Callable<Integer> {
        private final Lazy<RemoveImage> removeImage;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "name, digest or digest prefix")
        List<String> refs;

        @Inject
        Rm(Lazy<RemoveImage> removeImage, Privileges privileges) {
            this.removeImage = removeImage;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "image rm");
            for (String ref : refs) {
                spec.commandLine().getOut().println(removeImage.get().remove(ref));
            }
            return 0;
        }
    }
}
