package dev.o11yshop.loadgen;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bench report as a markdown table, with the targets the project measures itself against (goals, not
 * assertions).
 */
final class BenchReport {
    private BenchReport() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> report) {
        Map<String, Object> on = (Map<String, Object>) report.get("observability_on");
        Map<String, Object> off = (Map<String, Object>) report.get("observability_off");
        double maxOn = number(on.get("max_sustainable_checkouts_per_second"));
        double maxOff = number(off.get("max_sustainable_checkouts_per_second"));
        Map<String, Object> completeness = (Map<String, Object>) report.get("trace_completeness");
        Map<String, Object> rss = (Map<String, Object>) report.get("peak_rss_mib");
        List<Map<String, Object>> accuracy = (List<Map<String, Object>>) ((Map<String, Object>) report.get("generator")).get("steps");

        StringBuilder md = new StringBuilder();
        md.append("| measure | value | target |\n|---|---|---|\n");
        row(md, "max sustainable checkouts/s, full observability (p99 < 100 ms, errors < 0.1%)", fmt(maxOn), "≥ 2,000");
        row(md, "max sustainable checkouts/s, observability off", fmt(maxOff), "");
        row(md, "cost of observability (1 − on/off)", maxOff == 0 ? "n/a" : pct(1 - maxOn / maxOff), "≤ 10%");
        for (Map<String, Object> below : (List<Map<String, Object>>) report.get("latency_below_max")) {
            row(md, String.format(Locale.ROOT, "checkout latency at %.0f%% of max (%s/s): p50 / p90 / p99",
                                  number(below.get("share_of_max")) * 100, fmt(number(below.get("rate")))),
                String.format(Locale.ROOT, "%.1f / %.1f / %.1f ms", number(below.get("p50_ms")), number(below.get("p90_ms")),
                              number(below.get("p99_ms"))), "");
        }
        row(md, String.format(Locale.ROOT, "trace completeness at %s checkouts/s", fmt(number(completeness.get("rate")))),
            String.format(Locale.ROOT, "%s (%d of %d)", pct(number(completeness.get("ratio"))),
                          ((Number) completeness.get("complete_traces")).longValue(),
                          ((Number) completeness.get("confirmed_checkouts")).longValue()), "100%");
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
        row(md, "generator: worst |achieved − target| over steps without cap drops (up to " + fmt(fastest) + "/s)",
            String.format(Locale.ROOT, "%.2f%%", worst), "≤ 1% up to 5,000/s");
        row(md, "generator: highest CPU share of the machine", pct(cpu), "");
        Map<String, Object> machine = (Map<String, Object>) report.get("machine");
        md.append("\nmachine: ").append(machine.get("cores")).append(" cores, ").append(machine.get("java"))
                .append(", ").append(machine.get("os")).append('\n');
        return md.toString();
    }

    private static void row(StringBuilder md, String measure, String value, String target) {
        md.append("| ").append(measure).append(" | ").append(value).append(" | ").append(target).append(" |\n");
    }

    private static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String pct(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }
}
