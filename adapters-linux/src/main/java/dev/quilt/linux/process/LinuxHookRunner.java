package dev.quilt.linux.process;

import dev.quilt.domain.oci.OciHooks;
import dev.quilt.linux.jni.Hooks;
import dev.quilt.ports.HookRunner;

import java.util.Optional;

/**
 * {@link HookRunner} through the native runner (common/hook.c), the one the monitor and the init use:
 * clone(CLONE_VM|CLONE_VFORK) and execve of the hook's path, the state on a pipe, stdout and stderr
 * kept for the line, a timerfd as the deadline, all awaited in epoll.
 */
public final class LinuxHookRunner implements HookRunner {
    @Override
    public Optional<String> run(String phase, int index, OciHooks.Hook hook, String state, String cwd) {
        long timeoutMs = hook.timeout().map(t -> t * 1000L).orElse(0L);
        return Hooks.run(phase, index, hook.path(), hook.args().toArray(String[]::new),
                hook.env().toArray(String[]::new), timeoutMs, state, cwd);
    }
}
