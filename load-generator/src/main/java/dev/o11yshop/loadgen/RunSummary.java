package dev.o11yshop.loadgen;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.o11yshop.observability.Json;
import org.HdrHistogram.Histogram;

/**
 * The result of a {@link LoadRun}: counts, rates and latency percentiles per scenario and in total, measured from
 * each action's intended start (coordinated omission corrected).
 *
 * @param startedAt              wall-clock time of the first intended arrival
 * @param elapsed                time requests were scheduled for (the duration, or until stopped)
 * @param targetRate             the target rate at the end, in actions per second
 * @param achievedRate           actions sent per second over {@code elapsed} (arrivals dropped by the cap not included)
 * @param mix                    the scenario weights at the end
 * @param sent                   actions sent
 * @param droppedByCap           arrivals not sent because {@code maxConcurrency} actions were in flight
 * @param unfinished             actions still unanswered when the run gave up waiting for them (not counted below)
 * @param scenarios              one row per scenario that had weight or requests, in scenario order
 * @param total                  all scenarios together
 * @param schedulerLagP99Millis  99th percentile of how late the scheduler handed arrivals on
 * @param schedulerLagMaxMillis  the latest it handed one on
 * @param sampleCheckoutTraceIds trace ids of the first few confirmed checkouts that were sampled
 */
public record RunSummary(Instant startedAt,
                         Duration elapsed,
                         double targetRate,
                         double achievedRate,
                         Mix mix,
                         long sent,
                         long droppedByCap,
                         long unfinished,
                         List<ScenarioStats> scenarios,
                         ScenarioStats total,
                         double schedulerLagP99Millis,
                         double schedulerLagMaxMillis,
                         List<String> sampleCheckoutTraceIds) {
    public RunSummary {
        scenarios = List.copyOf(scenarios);
        sampleCheckoutTraceIds = List.copyOf(sampleCheckoutTraceIds);
    }

    /**
     * One row of the summary.
     *
     * @param scenario scenario label, or {@code total}
     * @param requests actions completed (answered or failed)
     * @param rate     completed actions per second of the run
     * @param ok       actions that ended with the scenario's expected status
     * @param errors   actions that did not
     * @param statuses count per status code, {@code shed} for a 503 with {@code Retry-After} (not counted under 503),
     *                 {@code error} for no answer; in code order
     * @param latency  latencies in nanoseconds from the intended start; a copy owned by this row, do not modify
     */
    public record ScenarioStats(String scenario, long requests, double rate, long ok, long errors,
                                Map<String, Long> statuses, Histogram latency) {
        public ScenarioStats {
            statuses = Collections.unmodifiableMap(new LinkedHashMap<>(statuses));
        }

        /** Latency at {@code percentile} (0–100) in milliseconds; 0 without requests. */
        public double percentileMillis(double percentile) {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1e6;
        }

        public double p50Millis() {
            return percentileMillis(50);
        }

        public double p90Millis() {
            return percentileMillis(90);
        }

        public double p99Millis() {
            return percentileMillis(99);
        }

        public double maxMillis() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1e6;
        }

        public double meanMillis() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMean() / 1e6;
        }

        /** Actions whose latency was at least {@code threshold}. */
        public long requestsAtLeast(Duration threshold) {
            long nanos = threshold.toNanos();
            if (latency.getTotalCount() == 0 || nanos > latency.getMaxValue()) {
                return 0;
            }
            return latency.getCountBetweenValues(latency.lowestEquivalentValue(nanos), latency.getMaxValue());
        }

        /** Share of actions that did not end as expected, 0 to 1 (shed answers included). */
        public double errorRatio() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        /** Actions a service shed: answered at once with 503 and {@code Retry-After} (admission control). */
        public long shed() {
            return statuses.getOrDefault(TrafficStats.SHED_KEY, 0L);
        }

        /** Share of actions that were shed, 0 to 1. */
        public double shedRatio() {
            return requests == 0 ? 0 : (double) shed() / requests;
        }

        /** The outcomes that were not {@code scenario}'s expected one, e.g. {@code 503:4 error:1}, or {@code -}. */
        String errorDetail(Scenario scenario) {
            StringJoiner detail = new StringJoiner(" ");
            statuses.forEach((status, count) -> {
                if (!scenario.expected(code(status))) {
                    detail.add(status + ":" + count);
                }
            });
            return detail.length() == 0 ? "-" : detail.toString();
        }
    }

    /** The row of {@code scenario}; an empty row if it had no weight and no requests. */
    public ScenarioStats scenario(Scenario scenario) {
        return scenarios.stream()
                .filter(row -> row.scenario().equals(scenario.label()))
                .findFirst()
                .orElseGet(() -> new ScenarioStats(scenario.label(), 0, 0, 0, 0, Map.of(), new Histogram(3)));
    }

    /** Checkouts answered 201 (order confirmed). */
    public long confirmedCheckouts() {
        return scenario(Scenario.CHECKOUT).statuses().getOrDefault("201", 0L);
    }

    /** Whether requests were made and not one of them ended as expected: the CLI exits with 1 then. */
    public boolean everyRequestFailed() {
        return total.requests() > 0 && total.ok() == 0;
    }

    /** A plain-text table a person reads at a glance. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Load run: %s at target %.1f req/s, achieved %.1f req/s; mix %s%n",
                                 Durations.format(elapsed.truncatedTo(ChronoUnit.MILLIS)),
                                 targetRate, achievedRate, mix));
        out.append(String.format(Locale.ROOT, "sent %d, dropped by concurrency cap %d%s, scheduler lag p99 %.1f ms (max %.1f ms)%n",
                                 sent, droppedByCap, unfinished > 0 ? ", unfinished " + unfinished : "",
                                 schedulerLagP99Millis, schedulerLagMaxMillis));
        if (droppedByCap > 0) {
            out.append(String.format(Locale.ROOT,
                                     "WARNING: %d arrivals were dropped because the concurrency cap was reached; "
                                             + "raise --max-concurrency or lower the rate%n", droppedByCap));
        }
        out.append('\n');
        String header = String.format(Locale.ROOT, "%-10s %9s %8s %9s %9s %9s %9s %9s %8s  %s%n",
                                      "scenario", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "ok",
                                      "errors", "errors by status");
        out.append(header);
        out.append("-".repeat(header.length() - 1)).append('\n');
        for (ScenarioStats row : scenarios) {
            out.append(row(row, row.errorDetail(Scenario.byLabel(row.scenario()).orElseThrow())));
        }
        out.append(row(total, totalErrorDetail()));
        out.append('\n');
        out.append(String.format(Locale.ROOT, "confirmed checkouts %d%n", confirmedCheckouts()));
        if (total.shed() > 0) {
            out.append(String.format(Locale.ROOT, "shed %d (%.1f%%): answered at once with 503 and Retry-After, the services' "
                                             + "admission control; other 5xx are counted apart%n",
                                     total.shed(), total.shedRatio() * 100));
        }
        if (!sampleCheckoutTraceIds.isEmpty()) {
            out.append("sample checkout trace ids: ").append(String.join(", ", sampleCheckoutTraceIds)).append('\n');
        }
        return out.toString();
    }

    private static String row(ScenarioStats row, String errorDetail) {
        return String.format(Locale.ROOT, "%-10s %9d %8.1f %9.1f %9.1f %9.1f %9.1f %9d %8d  %s%n",
                             row.scenario(), row.requests(), row.rate(), row.p50Millis(), row.p90Millis(),
                             row.p99Millis(), row.maxMillis(), row.ok(), row.errors(), errorDetail);
    }

    /** Unexpected outcomes of all scenarios, summed by status. */
    private String totalErrorDetail() {
        Map<String, Long> byStatus = new TreeMap<>(RunSummary::compareStatus);
        for (ScenarioStats row : scenarios) {
            Scenario scenario = Scenario.byLabel(row.scenario()).orElseThrow();
            row.statuses().forEach((status, count) -> {
                if (!scenario.expected(code(status))) {
                    byStatus.merge(status, count, Long::sum);
                }
            });
        }
        StringJoiner detail = new StringJoiner(" ");
        byStatus.forEach((status, count) -> detail.add(status + ":" + count));
        return detail.length() == 0 ? "-" : detail.toString();
    }

    /** The JSON report ({@code --report}): the same figures as {@link #table()}, latencies in milliseconds. */
    public String toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("startedAt", startedAt.toString());
        root.put("durationSeconds", round(elapsed.toNanos() / 1e9));
        root.put("targetRate", round(targetRate));
        root.put("achievedRate", round(achievedRate));
        ObjectNode mixNode = root.putObject("mix");
        mix.asMap().forEach(mixNode::put);
        root.put("sent", sent);
        root.put("droppedByCap", droppedByCap);
        root.put("unfinished", unfinished);
        root.put("confirmedCheckouts", confirmedCheckouts());
        ObjectNode lag = root.putObject("schedulerLagMs");
        lag.put("p99", round(schedulerLagP99Millis));
        lag.put("max", round(schedulerLagMaxMillis));
        ObjectNode scenarioNodes = root.putObject("scenarios");
        for (ScenarioStats row : scenarios) {
            write(scenarioNodes.putObject(row.scenario()), row);
        }
        write(root.putObject("total"), total);
        sampleCheckoutTraceIds.forEach(root.putArray("sampleCheckoutTraceIds")::add);
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private static void write(ObjectNode node, ScenarioStats row) {
        node.put("requests", row.requests());
        node.put("rate", round(row.rate()));
        node.put("ok", row.ok());
        node.put("errors", row.errors());
        node.put("shed", row.shed());
        ObjectNode latency = node.putObject("latencyMs");
        latency.put("p50", round(row.p50Millis()));
        latency.put("p90", round(row.p90Millis()));
        latency.put("p99", round(row.p99Millis()));
        latency.put("p999", round(row.percentileMillis(99.9)));
        latency.put("max", round(row.maxMillis()));
        latency.put("mean", round(row.meanMillis()));
        ObjectNode statuses = node.putObject("statuses");
        row.statuses().forEach(statuses::put);
    }

    /** Rows of the scenarios with weight or requests, and the total row. */
    static RunSummary of(Instant startedAt, Duration elapsed, double targetRate, Mix mix, long sent, long droppedByCap,
                         long unfinished, TrafficStats stats, List<String> sampleTraceIds) {
        double seconds = elapsed.toNanos() / 1e9;
        List<ScenarioStats> rows = new ArrayList<>();
        Histogram allLatencies = new Histogram(3);
        Map<String, Long> allStatuses = new TreeMap<>(RunSummary::compareStatus);
        long allOk = 0;
        long allRequests = 0;
        for (Scenario scenario : Scenario.values()) {
            Map<String, Long> statuses = stats.statuses(scenario);
            long requests = statuses.values().stream().mapToLong(Long::longValue).sum();
            if (requests == 0 && mix.weight(scenario) == 0) {
                continue;
            }
            long ok = statuses.entrySet().stream()
                    .filter(entry -> scenario.expected(code(entry.getKey())))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            Histogram latency = stats.accumulated(scenario);
            rows.add(new ScenarioStats(scenario.label(), requests, rate(requests, seconds), ok, requests - ok, statuses, latency));
            allLatencies.add(latency);
            statuses.forEach((status, count) -> allStatuses.merge(status, count, Long::sum));
            allOk += ok;
            allRequests += requests;
        }
        ScenarioStats total = new ScenarioStats("total", allRequests, rate(allRequests, seconds), allOk,
                                                allRequests - allOk, allStatuses, allLatencies);
        Histogram lag = stats.lag();
        return new RunSummary(startedAt, elapsed, targetRate, rate(sent, seconds), mix, sent, droppedByCap, unfinished,
                              rows, total,
                              lag.getTotalCount() == 0 ? 0 : lag.getValueAtPercentile(99) / 1e6,
                              lag.getTotalCount() == 0 ? 0 : lag.getMaxValue() / 1e6,
                              sampleTraceIds);
    }

    private static double rate(long count, double seconds) {
        return seconds > 0 ? count / seconds : 0;
    }

    /**
     * The status of a key of {@link ScenarioStats#statuses()}: the code, {@link TrafficStats#SHED} or
     * {@link TrafficStats#NO_RESPONSE}.
     */
    static int code(String status) {
        return switch (status) {
            case "error" -> TrafficStats.NO_RESPONSE;
            case TrafficStats.SHED_KEY -> TrafficStats.SHED;
            default -> Integer.parseInt(status);
        };
    }

    /** Status codes in numeric order, then {@code shed}, then {@code error}. */
    static int compareStatus(String a, String b) {
        return Integer.compare(order(a), order(b));
    }

    private static int order(String status) {
        return switch (status) {
            case TrafficStats.SHED_KEY -> 1000;
            case "error" -> 1001;
            default -> Integer.parseInt(status);
        };
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
