package dev.quilt.cli;

import java.util.List;
import java.util.Optional;

/**
 * How {@code run [IMAGE] [--] COMMAND...} and {@code exec CONTAINER [--] COMMAND...}
 * split, given the original arguments and what picocli saw as positional.
 *
 * <p>Options end at the first {@code --} or at the first positional, whichever
 * comes first (picocli's stop-at-positional); from there on every word is kept
 * verbatim, later {@code --} included, so {@code run -- echo --} prints {@code --}.
 * When options end at a {@code --}, picocli drops it and everything after it is
 * positional: for run all of it is the command (the default image), for exec the
 * first word is the container (docker's habit) and the rest the command. When
 * they end at a positional, it is the image or the container, and one {@code --}
 * right after it separates the command; any other {@code --} is the command's.
 */
record RunArguments(Optional<String> target, List<String> command) {
    /** {@code [IMAGE] [--] COMMAND...}: empty image means the default one, empty command the image's default. */
    static RunArguments forRun(List<String> original, List<String> positional) {
        if (optionsEndedAtDashes(original, positional)) return new RunArguments(Optional.empty(), List.copyOf(positional));
        return firstThenCommand(positional);
    }

    /** {@code CONTAINER [--] COMMAND...}. */
    static RunArguments forExec(List<String> original, List<String> positional) {
        if (optionsEndedAtDashes(original, positional)) {
            if (positional.isEmpty()) return new RunArguments(Optional.empty(), List.of());
            return new RunArguments(Optional.of(positional.get(0)), List.copyOf(positional.subList(1, positional.size())));
        }
        return firstThenCommand(positional);
    }

    private static RunArguments firstThenCommand(List<String> positional) {
        if (positional.isEmpty()) return new RunArguments(Optional.empty(), List.of());
        List<String> rest = positional.subList(1, positional.size());
        if (!rest.isEmpty() && rest.get(0).equals("--")) rest = rest.subList(1, rest.size());
        return new RunArguments(Optional.of(positional.get(0)), List.copyOf(rest));
    }

    /**
     * picocli keeps the positional words verbatim at the end of the original
     * arguments; the word just before them is a {@code --} only when that {@code --}
     * ended the options (picocli never takes {@code --} as an option's value).
     */
    private static boolean optionsEndedAtDashes(List<String> original, List<String> positional) {
        int before = original.size() - positional.size() - 1;
        return before >= 0 && original.get(before).equals("--");
    }
}
