package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.usecases.ResumeContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import javax.inject.Inject;
import java.util.concurrent.Callable;

/** {@code quilt-runc resume ID}: thaws a paused container (runc 1.1's {@code resume}); prints nothing. */
@Command(name = "resume", description = "resumes all processes that have been previously paused")
public final class RuncResume implements Callable<Integer> {
    private final RuncContainers containers;
    private final Lazy<ResumeContainer> resume;

    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;

    @Inject
    public RuncResume(Lazy<ResumeContainer> resume, RuncContainers containers) {
        this.containers = containers;
        this.resume = resume;
    }

    @Override
    public Integer call() {
        resume.get().resume(containers.require(id).value());
        return 0;
    }
}
