package dev.o11yshop.loadgen;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.o11yshop.loadgen.OtlpReceiver.ReceivedSpan;

/**
 * One trace drawn in the terminal: a row per span, nested under its parent, with service, span name, a bar placed
 * on the trace's time line, and the duration. Errors are marked with {@code !}.
 */
final class Waterfall {
    private static final int BAR_WIDTH = 40;

    private Waterfall() {
    }

    static String render(List<ReceivedSpan> trace) {
        if (trace.isEmpty()) {
            return "(no spans)\n";
        }
        Set<String> ids = trace.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
        Map<String, List<ReceivedSpan>> children = new HashMap<>();
        List<ReceivedSpan> roots = new ArrayList<>();
        for (ReceivedSpan span : trace) {
            if (ids.contains(span.parentSpanId())) {
                children.computeIfAbsent(span.parentSpanId(), k -> new ArrayList<>()).add(span);
            } else {
                roots.add(span);
            }
        }
        long start = trace.stream().mapToLong(ReceivedSpan::startNanos).min().orElseThrow();
        long end = trace.stream().mapToLong(ReceivedSpan::endNanos).max().orElseThrow();
        List<Row> rows = new ArrayList<>();
        roots.sort(Comparator.comparingLong(ReceivedSpan::startNanos));
        for (ReceivedSpan root : roots) {
            collect(root, 0, children, rows);
        }
        int serviceWidth = Math.max(7, rows.stream().mapToInt(row -> row.span().service().length()).max().orElse(0));
        int nameWidth = Math.max(4, rows.stream().mapToInt(row -> row.depth() * 2 + row.span().name().length()).max().orElse(0));
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "trace %s  %d spans, %d services, %.1f ms%n", trace.getFirst().traceId(),
                                 trace.size(), trace.stream().map(ReceivedSpan::service).distinct().count(),
                                 (end - start) / 1_000_000.0));
        out.append(String.format(Locale.ROOT, "  %-" + serviceWidth + "s  %-" + nameWidth + "s  %-" + BAR_WIDTH + "s  %9s%n",
                                 "service", "span", "timeline", "duration"));
        double total = Math.max(1, end - start);
        for (Row row : rows) {
            ReceivedSpan span = row.span();
            int from = (int) Math.floor((span.startNanos() - start) / total * BAR_WIDTH);
            int to = Math.max(from + 1, (int) Math.ceil((span.endNanos() - start) / total * BAR_WIDTH));
            String bar = " ".repeat(from) + "█".repeat(Math.min(BAR_WIDTH, to) - from) + " ".repeat(BAR_WIDTH - Math.min(BAR_WIDTH, to));
            String name = "  ".repeat(row.depth()) + span.name();
            out.append(String.format(Locale.ROOT, "  %-" + serviceWidth + "s  %-" + nameWidth + "s  %s  %7.2f ms%s%n",
                                     span.service(), name, bar, span.durationMs(),
                                     "STATUS_CODE_ERROR".equals(span.statusCode()) ? " !" : ""));
        }
        return out.toString();
    }

    private static void collect(ReceivedSpan span, int depth, Map<String, List<ReceivedSpan>> children, List<Row> rows) {
        rows.add(new Row(span, depth));
        List<ReceivedSpan> kids = new ArrayList<>(children.getOrDefault(span.spanId(), List.of()));
        kids.sort(Comparator.comparingLong(ReceivedSpan::startNanos));
        for (ReceivedSpan kid : kids) {
            collect(kid, depth + 1, children, rows);
        }
    }

    private record Row(ReceivedSpan span, int depth) {
    }
}
