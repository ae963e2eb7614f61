package dev.o11yshop.loadgen;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * What a run has measured so far. Latencies go into one HdrHistogram {@link Recorder} per scenario (wait-free for
 * the recording threads); {@link #harvest()} swaps out the interval histograms and adds them to the accumulated
 * ones, so progress lines show the last interval and the summary the whole run. Outcomes are counted per scenario
 * and status code, a shed answer (503 with {@code Retry-After}: the service's admission control turned it away at
 * once) apart from other 5xx; the scheduler's lag behind the schedule has its own recorder.
 */
final class TrafficStats {
    /** Status of an action that got no answer (connection failure, timeout). */
    static final int NO_RESPONSE = -1;
    /** Pseudo-status of an action a service shed (503 with {@code Retry-After}): counted apart from other 5xx. */
    static final int SHED = -2;
    /** The outcome key of a shed answer in {@link #statuses(Scenario)} and {@link #classes()}. */
    static final String SHED_KEY = "shed";
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Map<Scenario, PerScenario> scenarios = new EnumMap<>(Scenario.class);
    private final SingleWriterRecorder lag = new SingleWriterRecorder(SIGNIFICANT_DIGITS);
    private final Histogram lagTotal = new Histogram(SIGNIFICANT_DIGITS);
    private Histogram lagInterval;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong droppedByCap = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final RecentRate recent = new RecentRate();

    TrafficStats() {
        for (Scenario scenario : Scenario.values()) {
            scenarios.put(scenario, new PerScenario());
        }
    }

    /** Scheduler thread only: how late an arrival was handed on, sent or dropped. */
    void recordLag(long lagNanos) {
        lag.recordValue(Math.max(0, lagNanos));
    }

    /** Scheduler thread only: an arrival was handed to a worker. */
    void recordSent(long nowNanos) {
        sent.incrementAndGet();
        recent.add(nowNanos);
    }

    /** Scheduler thread only: an arrival was dropped because {@code maxConcurrency} actions were in flight. */
    void recordDroppedByCap() {
        droppedByCap.incrementAndGet();
    }

    /**
     * Any thread: the outcome of one action, its latency measured from its intended start.
     *
     * @param status the HTTP status, {@link #NO_RESPONSE} or {@link #SHED}
     */
    void recordResult(Scenario scenario, int status, long latencyNanos) {
        PerScenario counters = scenarios.get(scenario);
        counters.latency.recordValue(Math.max(0, latencyNanos));
        if (status == SHED) {
            counters.shed.incrementAndGet();
        } else {
            counters.statuses.incrementAndGet(status >= 100 && status <= 599 ? status : 0);
        }
        completed.incrementAndGet();
    }

    long sent() {
        return sent.get();
    }

    long droppedByCap() {
        return droppedByCap.get();
    }

    long completed() {
        return completed.get();
    }

    /** Arrivals sent per second over the last few whole seconds (or since {@code startNanos} when shorter). */
    double recentRate(long startNanos, long nowNanos) {
        return recent.rate(startNanos, nowNanos);
    }

    /**
     * Outcome counts of {@code scenario} so far, by status code, then {@code "shed"} (503 with {@code Retry-After},
     * not counted under 503) and {@code "error"} (no answer).
     */
    Map<String, Long> statuses(Scenario scenario) {
        AtomicLongArray codes = scenarios.get(scenario).statuses;
        Map<String, Long> result = new LinkedHashMap<>();
        for (int code = 100; code < codes.length(); code++) {
            long count = codes.get(code);
            if (count > 0) {
                result.put(Integer.toString(code), count);
            }
        }
        long shed = scenarios.get(scenario).shed.get();
        if (shed > 0) {
            result.put(SHED_KEY, shed);
        }
        long errors = codes.get(0);
        if (errors > 0) {
            result.put("error", errors);
        }
        return result;
    }

    /**
     * Outcome counts of all scenarios by class: {@code 2xx}, {@code 3xx} (with 1xx), {@code 4xx}, {@code 5xx} (shed
     * answers not included), {@code shed}, {@code error}.
     */
    Map<String, Long> classes() {
        long[] byClass = new long[6];
        long errors = 0;
        long shed = 0;
        for (PerScenario counters : scenarios.values()) {
            AtomicLongArray codes = counters.statuses;
            errors += codes.get(0);
            shed += counters.shed.get();
            for (int code = 100; code < codes.length(); code++) {
                byClass[code / 100] += codes.get(code);
            }
        }
        Map<String, Long> result = new LinkedHashMap<>();
        result.put("2xx", byClass[2]);
        result.put("3xx", byClass[1] + byClass[3]);
        result.put("4xx", byClass[4]);
        result.put("5xx", byClass[5]);
        result.put(SHED_KEY, shed);
        result.put("error", errors);
        return result;
    }

    /**
     * Moves what was recorded since the last call into the accumulated histograms.
     *
     * @return the latencies of all scenarios recorded since the last call
     */
    synchronized Histogram harvest() {
        Histogram interval = new Histogram(SIGNIFICANT_DIGITS);
        for (PerScenario counters : scenarios.values()) {
            counters.interval = counters.latency.getIntervalHistogram(counters.interval);
            counters.accumulated.add(counters.interval);
            interval.add(counters.interval);
        }
        lagInterval = lag.getIntervalHistogram(lagInterval);
        lagTotal.add(lagInterval);
        return interval;
    }

    /** A copy of the accumulated latencies of {@code scenario}, in nanoseconds, as of the last {@link #harvest()}. */
    synchronized Histogram accumulated(Scenario scenario) {
        return scenarios.get(scenario).accumulated.copy();
    }

    /** A copy of the accumulated scheduler lag, in nanoseconds, as of the last {@link #harvest()}. */
    synchronized Histogram lag() {
        return lagTotal.copy();
    }

    private static final class PerScenario {
        final Recorder latency = new Recorder(SIGNIFICANT_DIGITS);
        final Histogram accumulated = new Histogram(SIGNIFICANT_DIGITS);
        Histogram interval;
        /** Index = status code; index 0 counts actions without an answer. */
        final AtomicLongArray statuses = new AtomicLongArray(600);
        final AtomicLong shed = new AtomicLong();
    }

    /** Sends per whole second since the start, in a ring of the last {@value #SLOTS} seconds; one writer. */
    private static final class RecentRate {
        private static final int SLOTS = 8;
        private static final int WINDOW = 5;
        private final AtomicLongArray seconds = new AtomicLongArray(SLOTS);
        private final AtomicLongArray counts = new AtomicLongArray(SLOTS);
        private volatile long origin = Long.MIN_VALUE;

        void add(long nowNanos) {
            if (origin == Long.MIN_VALUE) {
                origin = nowNanos;
            }
            long second = (nowNanos - origin) / 1_000_000_000L;
            int slot = (int) (second % SLOTS);
            if (seconds.get(slot) != second + 1) {
                counts.set(slot, 0);
                seconds.set(slot, second + 1);
            }
            counts.incrementAndGet(slot);
        }

        double rate(long startNanos, long nowNanos) {
            long base = origin;
            if (base == Long.MIN_VALUE || nowNanos <= startNanos) {
                return 0;
            }
            long current = (nowNanos - base) / 1_000_000_000L;
            if (current == 0) {
                // Less than a second in: count what there is over the time elapsed.
                long count = seconds.get(0) == 1 ? counts.get(0) : 0;
                return count / ((nowNanos - startNanos) / 1e9);
            }
            long from = Math.max(0, current - WINDOW);
            long total = 0;
            for (long second = from; second < current; second++) {
                int slot = (int) (second % SLOTS);
                if (seconds.get(slot) == second + 1) {
                    total += counts.get(slot);
                }
            }
            return total / (double) (current - from);
        }
    }
}
