package dev.quilt.cli.serve;

import dev.quilt.linux.monitor.ExecZygotes;

import javax.inject.Inject;

/**
 * The server's exec zygotes ({@link ExecZygotes}, native/src/exec/zygote.h): on while it serves, so exec starts,
 * readiness probes and health checks get a quilt-exec forked by their container's resident zygote; at the stop
 * every zygote's control socket is closed and each exits (execs it forked run on). First in the set, so the
 * supervisor's first probes already use them.
 */
public final class ExecZygotesSwitch implements Background {
    private final ExecZygotes zygotes;

    @Inject
    ExecZygotesSwitch(ExecZygotes zygotes) {
        this.zygotes = zygotes;
    }

    @Override
    public void start() {
        zygotes.enable();
    }

    @Override
    public void stop() {
        zygotes.close();
    }
}
