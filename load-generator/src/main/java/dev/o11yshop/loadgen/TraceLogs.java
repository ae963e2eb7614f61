package dev.o11yshop.loadgen;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The log lines of one trace, found by {@code trace_id} in the services' JSON logs and merged in time order,
 * as a log backend's query would show them.
 */
final class TraceLogs {
    /** Fields already shown in the fixed columns, or noise in a terminal. */
    private static final Set<String> SHOWN = Set.of("@timestamp", "level", "message", "service", "logger_name",
                                                    "thread_name", "trace_id", "span_id", "stack_trace");

    private TraceLogs() {
    }

    static List<JsonNode> find(List<ServiceProcess> services, String traceId) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (ServiceProcess service : services) {
            for (JsonNode line : service.logLines()) {
                if (traceId.equals(line.path("trace_id").asText())) {
                    lines.add(line);
                }
            }
        }
        lines.sort(Comparator.comparing(line -> line.path("@timestamp").asText()));
        return lines;
    }

    static String render(List<JsonNode> lines) {
        StringBuilder out = new StringBuilder();
        for (JsonNode line : lines) {
            String time = line.path("@timestamp").asText();
            out.append("  ").append(time.length() > 11 ? time.substring(11) : time)
                    .append(' ').append(String.format("%-5s", line.path("level").asText()))
                    .append(' ').append(String.format("%-18s", line.path("service").asText()))
                    .append(' ').append(line.path("message").asText());
            for (Iterator<Map.Entry<String, JsonNode>> fields = line.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!SHOWN.contains(field.getKey())) {
                    out.append(' ').append(field.getKey()).append('=').append(field.getValue().asText());
                }
            }
            out.append('\n');
        }
        return out.toString();
    }
}
