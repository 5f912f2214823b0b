package dev.quilt.cli.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ps} output as {@code GET /containers/{id}/top} answers it (Engine API 1.41 "List processes running inside
 * a container", dockerd's {@code parsePSOutput}): {@code Titles} the header's words, {@code Processes} the rows whose
 * PID column is one of {@code pids}, each split on blanks into as many fields as there are titles, the last field
 * keeping the rest of the row (a command with its arguments).
 */
final class PsTable {
    private PsTable() {}

    /** {@code {"Titles": [...], "Processes": [[...]]}}; output without a PID column is a 400. */
    static Map<String, Object> parse(String psOutput, List<Integer> pids) {
        List<String> lines = psOutput.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) throw ApiException.badRequest("invalid value for ps_args: ps printed nothing");
        List<String> titles = Arrays.asList(lines.get(0).strip().split("\\s+"));
        int pidColumn = titles.indexOf("PID");
        if (pidColumn < 0) {
            throw ApiException.badRequest("invalid value for ps_args: ps's output has no PID column to match the"
                    + " container's processes by");
        }
        Set<Integer> wanted = new HashSet<>(pids);
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.strip().split("\\s+", titles.size());
            if (f.length <= pidColumn) continue;
            int pid;
            try {
                pid = Integer.parseInt(f[pidColumn]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (wanted.contains(pid)) rows.add(List.of(f));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Titles", titles);
        m.put("Processes", rows);
        return m;
    }
}
