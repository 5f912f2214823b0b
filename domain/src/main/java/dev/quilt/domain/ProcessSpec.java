package dev.quilt.domain;

import java.util.List;

/** What to run in the container: the OCI {@code process} object. */
public record ProcessSpec(List<String> args, List<String> env, String cwd, User user, boolean terminal) {
    public ProcessSpec {
        args = List.copyOf(args);
        env = List.copyOf(env);
        if (!args.isEmpty() && args.get(0).isEmpty()) throw ExecveLimits.emptyProgram(); // 127, as docker's
        for (String a : args) {
            if (a.indexOf('\0') >= 0) throw QuiltException.invalid("a command argument holds a NUL byte");
        }
        if (cwd == null || !cwd.startsWith("/")) {
            throw QuiltException.invalid("working directory '" + cwd + "' must be an absolute path");
        }
    }
}
