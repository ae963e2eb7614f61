package dev.o11yshop.loadgen;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bench report as a markdown table, with the targets the project measures itself against (goals, not
 * assertions). Every section may be missing (a phase that failed or was stopped): its rows say so, and the table
 * is printed all the same.
 */
final class BenchReport {
    private static final String NOT_MEASURED = "not measured";

    private BenchReport() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> report) {
        Map<String, Object> on = (Map<String, Object>) report.get("observability_on");
        Map<String, Object> off = (Map<String, Object>) report.get("observability_off");
        Map<String, Object> completeness = (Map<String, Object>) report.get("trace_completeness");
        Map<String, Object> rss = (Map<String, Object>) report.getOrDefault("peak_rss_mib", Map.of());
        List<Map<String, Object>> accuracy = (List<Map<String, Object>>) ((Map<String, Object>) report
                .getOrDefault("generator", Map.of())).getOrDefault("steps", List.of());

        StringBuilder md = new StringBuilder();
        md.append("| measure | value | target |\n|---|---|---|\n");
        row(md, "max sustainable checkouts/s, full observability (p99 < 100 ms, errors < 0.1%)", max(on), "≥ 2,000");
        row(md, "max sustainable checkouts/s, observability off", max(off), "");
        double maxOn = on == null ? 0 : number(on.get("max_sustainable_checkouts_per_second"));
        double maxOff = off == null ? 0 : number(off.get("max_sustainable_checkouts_per_second"));
        row(md, "cost of observability (1 − on/off)", on == null || maxOff == 0 ? "n/a" : pct(1 - maxOn / maxOff), "≤ 10%");
        row(md, "overload, full observability", overload(on), "recovered");
        row(md, "overload, observability off", overload(off), "recovered");
        row(md, "most shed at one step (503 with Retry-After), full observability", shed(on), "");
        for (Map<String, Object> below : (List<Map<String, Object>>) report.getOrDefault("latency_below_max", List.of())) {
            row(md, String.format(Locale.ROOT, "checkout latency at %.0f%% of max (%s/s): p50 / p90 / p99",
                                  number(below.get("share_of_max")) * 100, rate(number(below.get("rate")))),
                String.format(Locale.ROOT, "%.1f / %.1f / %.1f ms", number(below.get("p50_ms")), number(below.get("p90_ms")),
                              number(below.get("p99_ms"))), "");
        }
        if (completeness == null) {
            row(md, "trace completeness", NOT_MEASURED, "100%");
        } else {
            row(md, String.format(Locale.ROOT, "trace completeness at %s checkouts/s", rate(number(completeness.get("rate")))),
                String.format(Locale.ROOT, "%s (%d of %d)", pct(number(completeness.get("ratio"))),
                              ((Number) completeness.get("complete_traces")).longValue(),
                              ((Number) completeness.get("confirmed_checkouts")).longValue()), "100%");
        }
        rss.forEach((service, mib) -> row(md, "peak RSS " + service, mib + " MiB", "< 256 MiB"));
        // Accuracy is the generator's own: steps where the system fell so far behind that the concurrency cap dropped
        // arrivals measure the system, not the schedule.
        double worst = accuracy.stream()
                .filter(step -> number(step.get("dropped_by_cap")) == 0)
                .mapToDouble(step -> Math.abs(number(step.get("deviation_percent")))).max().orElse(0);
        double fastest = accuracy.stream()
                .filter(step -> number(step.get("dropped_by_cap")) == 0)
                .mapToDouble(step -> number(step.get("target_rate"))).max().orElse(0);
        double cpu = accuracy.stream().mapToDouble(step -> number(step.get("generator_cpu_share"))).max().orElse(0);
        row(md, "generator: worst |achieved − target| over steps without cap drops (up to " + rate(fastest) + "/s)",
            String.format(Locale.ROOT, "%.2f%%", worst), "≤ 1% up to 5,000/s");
        row(md, "generator: highest CPU share of the machine", pct(cpu), "");
        for (Object failure : (List<Object>) report.getOrDefault("failures", List.of())) {
            row(md, "FAILED", String.valueOf(failure), "");
        }
        Map<String, Object> machine = (Map<String, Object>) report.get("machine");
        if (machine != null) {
            md.append("\nmachine: ").append(machine.get("cores")).append(" cores, ").append(machine.get("java"))
                    .append(", ").append(machine.get("os")).append('\n');
        }
        return md.toString();
    }

    /** A rate as the report spells it, e.g. {@code 1,600}. */
    static String rate(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String max(Map<String, Object> search) {
        if (search == null) {
            return NOT_MEASURED;
        }
        String max = rate(number(search.get("max_sustainable_checkouts_per_second")));
        return search.get("ended") == null ? max : max + " (ended early: " + search.get("ended") + ")";
    }

    @SuppressWarnings("unchecked")
    private static String overload(Map<String, Object> search) {
        if (search == null) {
            return NOT_MEASURED;
        }
        List<Map<String, Object>> collapses = (List<Map<String, Object>>) search.getOrDefault("collapses", List.of());
        if (collapses.isEmpty()) {
            return "no collapse";
        }
        return String.join("; ", collapses.stream().map(collapse -> String.valueOf(collapse.get("description"))).toList());
    }

    @SuppressWarnings("unchecked")
    private static String shed(Map<String, Object> search) {
        if (search == null) {
            return NOT_MEASURED;
        }
        return ((List<Map<String, Object>>) search.getOrDefault("steps", List.of())).stream()
                .filter(step -> step.get("shed_ratio") != null)
                .max((a, b) -> Double.compare(number(a.get("shed_ratio")), number(b.get("shed_ratio"))))
                .filter(step -> number(step.get("shed_ratio")) > 0)
                .map(step -> pct(number(step.get("shed_ratio"))) + " at " + rate(number(step.get("rate"))) + "/s")
                .orElse("none");
    }

    private static void row(StringBuilder md, String measure, String value, String target) {
        // A | inside a cell (|achieved − target|, a failure's message) would split it.
        md.append("| ").append(cell(measure)).append(" | ").append(cell(value)).append(" | ").append(target).append(" |\n");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    private static String pct(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }
}
