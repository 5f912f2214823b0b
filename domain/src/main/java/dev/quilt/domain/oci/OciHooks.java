package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;

import java.util.List;
import java.util.Optional;

/**
 * config.md "POSIX-platform Hooks": programs the runtime runs around the container's
 * lifecycle, each list in order ({@code prestart} is deprecated but still parsed).
 */
public record OciHooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
                       List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
    public OciHooks {
        prestart = List.copyOf(prestart);
        createRuntime = List.copyOf(createRuntime);
        createContainer = List.copyOf(createContainer);
        startContainer = List.copyOf(startContainer);
        poststart = List.copyOf(poststart);
        poststop = List.copyOf(poststop);
    }

    /** Whether any hook is given. */
    public boolean isEmpty() {
        return prestart.isEmpty() && createRuntime.isEmpty() && createContainer.isEmpty() && startContainer.isEmpty()
                && poststart.isEmpty() && poststop.isEmpty();
    }

    /** One hook: an absolute {@code path}, its {@code args} and {@code env}, {@code timeout} in seconds (> 0). */
    public record Hook(String path, List<String> args, List<String> env, Optional<Integer> timeout) {
        public Hook {
            args = List.copyOf(args);
            env = List.copyOf(env);
            Ids.absolute("hook path", path);
            timeout.ifPresent(t -> {
                if (t <= 0) throw QuiltException.invalid("timeout " + t + " must be more than 0 seconds");
            });
        }
    }
}
