package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.HealthResult;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.CheckHealth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "health", description = "Run a container's health check now; print healthy or unhealthy and what the "
        + "check said. Exit 0 when healthy, 1 when not.")
final class HealthCommand implements Callable<Integer> {
    private final Lazy<CheckHealth> check;
    private final Privileges privileges;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CONTAINER", description = "ID, name or unique ID prefix")
    String ref;

    @Inject
    HealthCommand(Lazy<CheckHealth> check, Privileges privileges) {
        this.check = check;
        this.privileges = privileges;
    }

    @Override
    public Integer call() {
        Root.require(privileges, "health");
        CheckHealth.Outcome o = check.get().now(ref);
        HealthResult r = o.result();
        PrintWriter out = spec.commandLine().getOut();
        out.println(r.healthy() ? "healthy" : "unhealthy (" + r.how() + ")");
        out.print(r.output());
        if (!r.output().isEmpty() && !r.output().endsWith("\n")) out.println();
        out.flush();
        return r.healthy() ? 0 : 1;
    }
}
