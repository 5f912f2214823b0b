package dev.quilt.cli;

import dev.quilt.domain.QuiltException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** How {@code [IMAGE] [--] COMMAND...} splits, given the original arguments and what picocli saw. */
record RunArguments(Optional<String> image, List<String> command) {
    static RunArguments split(String verb, List<String> original, List<String> positional) {
        int at = original.indexOf(verb);
        List<String> afterVerb = at < 0 ? original : original.subList(at + 1, original.size());
        int dashes = afterVerb.indexOf("--");
        List<String> pos = new ArrayList<>(positional);
        // picocli keeps a '--' that comes after the first positional
        int literal = pos.indexOf("--");
        if (literal >= 0) return of(pos.subList(0, literal), pos.subList(literal + 1, pos.size()));
        if (dashes >= 0) {
            int after = afterVerb.size() - dashes - 1;
            return of(pos.subList(0, pos.size() - after), pos.subList(pos.size() - after, pos.size()));
        }
        if (pos.isEmpty()) return new RunArguments(Optional.empty(), List.of());
        return new RunArguments(Optional.of(pos.get(0)), List.copyOf(pos.subList(1, pos.size())));
    }

    private static RunArguments of(List<String> before, List<String> after) {
        if (before.size() > 1) {
            throw QuiltException.invalid("only an image may come before '--', got: " + String.join(" ", before));
        }
        return new RunArguments(before.stream().findFirst(), List.copyOf(after));
    }
}
