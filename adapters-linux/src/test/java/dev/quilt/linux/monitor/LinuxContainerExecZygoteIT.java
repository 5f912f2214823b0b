package dev.quilt.linux.monitor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The session contract on the real kernel with exec zygotes on ({@link ExecZygotes}, as {@code quilt serve} has
 * them): after the container's first exec (spawned), each session's quilt-exec is forked by the container's zygote;
 * its exit, its deadline, a signal, a resize and a command that cannot run (FAIL from the forked child) behave as
 * {@link LinuxContainerExecIT}'s spawned ones.
 */
class LinuxContainerExecZygoteIT extends LinuxContainerExecIT {
    private static ExecZygotes zygotes;

    @BeforeAll
    static void zygotesOn() {
        zygotes = new ExecZygotes(lib);
        zygotes.enable();
        exec = new LinuxContainerExec(lib, NONE, zygotes);
    }

    @AfterAll
    static void zygotesOff() {
        try {
            // the contract's sessions went through one (made at the container's second exec), and it is still there
            org.junit.jupiter.api.Assertions.assertEquals(1, zygotes.size(), "the container's zygote");
        } finally {
            zygotes.close(); // each zygote's control socket closed: it exits, before the container is killed
        }
    }
}
