package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import dev.o11yshop.loadgen.OtlpReceiver.ReceivedSpan;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.Telemetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: the whole checkout path on this machine. Starts the platform as {@code local} does and measures
 * the highest sustainable checkout rate with full observability and with it off, latencies below that rate, trace
 * completeness at a fixed rate, peak RSS of each service, and how accurately the generator held its rates. Prints a
 * markdown table and writes the same as JSON.
 */
@Command(name = "bench",
         mixinStandardHelpOptions = true,
         description = "Benchmarks the checkout path: max sustainable checkouts/s with and without observability, "
                 + "latency, trace completeness, RSS, generator accuracy.")
final class BenchCommand implements Callable<Integer> {
    /** A step is sustainable when the checkout p99 stays under this and errors under {@link #MAX_ERROR_RATIO}. */
    static final double MAX_P99_MILLIS = 100;
    static final double MAX_ERROR_RATIO = 0.001;
    /** Span names of a complete checkout trace: the generator's root and every span of the three services. */
    static final Set<String> COMPLETE_TRACE = Set.of(
            "load-generator:checkout",
            "order-service:POST /api/orders", "order-service:process_order", "order-service:validate_order",
            "order-service:check_inventory", "order-service:process_payment", "order-service:confirm_inventory",
            "order-service:POST /api/reservations", "order-service:POST /api/payments",
            "order-service:POST /api/reservations/{reservationId}/commit",
            "inventory-service:POST /api/reservations", "inventory-service:reserve_stock",
            "inventory-service:POST /api/reservations/{reservationId}/commit",
            "payment-service:POST /api/payments", "payment-service:authorize_payment", "payment-service:fraud_check");
    /** Stock that never runs out, so that every checkout can be confirmed at any rate. */
    private static final Map<String, String> ENDLESS_STOCK = Map.of(
            "INVENTORY_RESTOCK_INTERVAL_MS", "200", "INVENTORY_RESTOCK_UNITS", "1000000",
            "INVENTORY_RESTOCK_CEILING", "1000000");
    /** Pause after an overloaded step; a fixed wait is the point here (the system is left alone), not a poll. */
    private static final Duration COOL_DOWN = Duration.ofSeconds(10);
    /** Past saturation, long timeouts only pile requests up; 2 s is 20 times the p99 bound. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Map<String, String> OBSERVABILITY_OFF = Map.of("OTEL_TRACES_EXPORTER", "none", "LOG_LEVEL", "WARN");

    @Spec
    CommandSpec spec;

    @Option(names = "--step", defaultValue = "10s", converter = DurationConverter.class,
            description = "length of each measured step (default: ${DEFAULT-VALUE})")
    Duration step;

    @Option(names = "--start-rate", defaultValue = "200", description = "first checkout rate tried (default: ${DEFAULT-VALUE})")
    double startRate;

    @Option(names = "--max-rate", defaultValue = "8000", description = "highest checkout rate tried (default: ${DEFAULT-VALUE})")
    double maxRate;

    @Option(names = "--warmup-rate", defaultValue = "500",
            description = "rate the warm-up ramps to, so the JIT has compiled the hot paths first (default: ${DEFAULT-VALUE})")
    double warmupRate;

    @Option(names = "--completeness-rate", defaultValue = "1000",
            description = "checkouts/s at which trace completeness is measured (default: ${DEFAULT-VALUE})")
    double completenessRate;

    @Mixin
    PlatformOptions platformOptions;

    private PrintWriter out;
    private final List<Step> generatorSteps = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (startRate <= 0 || maxRate < startRate || step.isNegative() || step.isZero()) {
            throw new ParameterException(spec.commandLine(), "need 0 < --start-rate <= --max-rate and a positive --step");
        }
        Path project = platformOptions.project(spec);
        Path runDir = platformOptions.runRoot.resolve("bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(runDir);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", machine());

        try (OtlpReceiver receiver = new OtlpReceiver()) {
            receiver.retain(false);
            TraceCompleteness completeness = new TraceCompleteness();
            receiver.onSpan(completeness::record);
            Telemetry telemetry = PlatformOptions.generatorTelemetry(receiver);

            progress("observability on: starting the platform");
            try (LocalPlatform platform = LocalPlatform.start(project, runDir.resolve("observability-on"), ENDLESS_STOCK, receiver)) {
                RssSampler rss = RssSampler.start(platform.services());
                Search on = maxSustainable(platform, telemetry, "observability on");
                report.put("observability_on", on.toMap());
                List<Map<String, Object>> below = new ArrayList<>();
                for (double share : on.maxRate() > 0 ? new double[] {0.25, 0.5, 0.75} : new double[0]) {
                    Step measured = step(platform, telemetry, Math.max(1, on.maxRate() * share), "at " + (int) (share * 100) + "% of max");
                    below.add(measured.toMap(share));
                }
                report.put("latency_below_max", below);

                completeness.reset();
                Step fixed = step(platform, telemetry, completenessRate, "trace completeness");
                telemetry.flush(5_000);
                double complete = completeness.awaitSettled(Duration.ofSeconds(30));
                report.put("trace_completeness", Map.of("rate", completenessRate,
                                                        "confirmed_checkouts", fixed.summary().confirmedCheckouts(),
                                                        "complete_traces", (long) complete,
                                                        "ratio", fixed.summary().confirmedCheckouts() == 0 ? 0
                                                                : complete / fixed.summary().confirmedCheckouts()));
                report.put("peak_rss_mib", rss.stop());
            }

            progress("observability off (OTEL_TRACES_EXPORTER=none, LOG_LEVEL=WARN): restarting the platform");
            Map<String, String> off = new LinkedHashMap<>(ENDLESS_STOCK);
            off.putAll(OBSERVABILITY_OFF);
            try (LocalPlatform platform = LocalPlatform.start(project, runDir.resolve("observability-off"), off, receiver)) {
                Search offSearch = maxSustainable(platform, telemetry, "observability off");
                report.put("observability_off", offSearch.toMap());
            }
        }
        report.put("generator", generatorFigures());
        Files.write(runDir.resolve("bench.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
        out.printf("%n%s%nJSON: %s%n", BenchReport.markdown(report), runDir.resolve("bench.json"));
        out.flush();
        return 0;
    }

    /** Doubles the rate until a step fails, then bisects between the last good and the first bad rate (within 10%). */
    private Search maxSustainable(LocalPlatform platform, Telemetry telemetry, String label) {
        warmUp(platform, telemetry, label);
        List<Step> steps = new ArrayList<>();
        double good = 0;
        double bad = Double.POSITIVE_INFINITY;
        double rate = startRate;
        while (steps.size() < 16 && rate <= maxRate && (Double.isInfinite(bad) || (bad - good) / bad > 0.1)) {
            Step measured = step(platform, telemetry, rate, label);
            if (!measured.sustainable()) {
                // One slow step can be a GC or JIT hiccup on a busy 2-core machine: a rate fails only twice in a row.
                steps.add(measured);
                measured = step(platform, telemetry, rate, label + " (again)");
            }
            steps.add(measured);
            if (measured.sustainable()) {
                good = rate;
            } else {
                bad = rate;
            }
            rate = Double.isInfinite(bad) ? Math.min(rate * 2, maxRate + 1) : (good + bad) / 2;
        }
        return new Search(good, steps);
    }

    /** Fresh JVMs are slow until the JIT has compiled the hot paths: ramp up gently before anything is measured. */
    private void warmUp(LocalPlatform platform, Telemetry telemetry, String label) {
        Duration ramp = Duration.ofSeconds(30);
        TrafficOptions options = TrafficOptions.forLocal(warmupRate, ramp.plus(step), Mix.parse("checkout=100"))
                .withTargets(platform.order().api(), platform.inventory().api())
                .withRamp(ramp)
                .withMaxConcurrency(4096);
        RunSummary summary = new LoadRun(options, telemetry.tracer(), line -> { }).run();
        progress(String.format(Locale.ROOT, "%-34s ramp to %.0f/s over %s, then %s: %d checkouts", label + ": warm-up",
                               warmupRate, Durations.format(ramp), Durations.format(step), summary.scenario(Scenario.CHECKOUT).requests()));
    }

    private Step step(LocalPlatform platform, Telemetry telemetry, double rate, String label) {
        TrafficOptions options = TrafficOptions.forLocal(rate, step, Mix.parse("checkout=100"))
                .withTargets(platform.order().api(), platform.inventory().api())
                .withMaxConcurrency(4096)
                .withRequestTimeout(REQUEST_TIMEOUT)
                .withProgressInterval(Duration.ZERO);
        long cpuBefore = processCpuNanos();
        long wallBefore = System.nanoTime();
        RunSummary summary = new LoadRun(options, telemetry.tracer(), line -> { }).run();
        double cpuShare = (processCpuNanos() - cpuBefore) / (double) (System.nanoTime() - wallBefore)
                / Runtime.getRuntime().availableProcessors();
        Step measured = new Step(rate, summary, cpuShare);
        generatorSteps.add(measured);
        if (!measured.sustainable()) {
            coolDown();
        }
        progress(String.format(Locale.ROOT, "%-34s target %7.1f/s achieved %7.1f/s  p50 %6.1f ms  p99 %7.1f ms  errors %.3f%%  %s",
                               label, rate, summary.achievedRate(), measured.checkout().p50Millis(),
                               measured.checkout().p99Millis(), measured.checkout().errorRatio() * 100,
                               measured.sustainable() ? "ok" : "NOT sustainable"));
        return measured;
    }

    /** After an overloaded step the services drain their queues and the JVMs collect garbage before the next one. */
    private static void coolDown() {
        try {
            Thread.sleep(COOL_DOWN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<String, Object> generatorFigures() {
        List<Map<String, Object>> accuracy = new ArrayList<>();
        for (Step step : generatorSteps) {
            accuracy.add(Map.of("target_rate", step.rate(), "achieved_rate", step.summary().achievedRate(),
                                "deviation_percent", (step.summary().achievedRate() - step.rate()) / step.rate() * 100,
                                "dropped_by_cap", step.summary().droppedByCap(),
                                "generator_cpu_share", step.cpuShare()));
        }
        return Map.of("steps", accuracy);
    }

    private void progress(String line) {
        out.printf("[bench] %s%n", line);
        out.flush();
    }


    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    private static Map<String, Object> machine() {
        return Map.of("cores", Runtime.getRuntime().availableProcessors(),
                      "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                      "os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }

    /** One measured step. */
    record Step(double rate, RunSummary summary, double cpuShare) {
        RunSummary.ScenarioStats checkout() {
            return summary.scenario(Scenario.CHECKOUT);
        }

        boolean sustainable() {
            return checkout().requests() > 0
                    && checkout().p99Millis() < MAX_P99_MILLIS
                    && checkout().errorRatio() < MAX_ERROR_RATIO
                    && summary.droppedByCap() == 0
                    && summary.achievedRate() >= rate * 0.97;
        }

        Map<String, Object> toMap(double share) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("share_of_max", share);
            map.put("rate", rate);
            map.put("achieved_rate", summary.achievedRate());
            map.put("p50_ms", checkout().p50Millis());
            map.put("p90_ms", checkout().p90Millis());
            map.put("p99_ms", checkout().p99Millis());
            map.put("max_ms", checkout().maxMillis());
            map.put("error_ratio", checkout().errorRatio());
            return map;
        }
    }

    /** The result of a search for the highest sustainable rate. */
    record Search(double maxRate, List<Step> steps) {
        Map<String, Object> toMap() {
            List<Map<String, Object>> tried = new ArrayList<>();
            for (Step step : steps) {
                Map<String, Object> row = step.toMap(0);
                row.remove("share_of_max");
                row.put("sustainable", step.sustainable());
                tried.add(row);
            }
            return Map.of("max_sustainable_checkouts_per_second", maxRate, "steps", tried);
        }
    }

    /** Counts checkout traces that arrived whole: every span of {@link #COMPLETE_TRACE}. */
    static final class TraceCompleteness {
        private final ConcurrentMap<String, Set<String>> traces = new ConcurrentHashMap<>();

        void record(ReceivedSpan span) {
            String key = span.service() + ":" + span.name();
            if (COMPLETE_TRACE.contains(key)) {
                traces.computeIfAbsent(span.traceId(), id -> ConcurrentHashMap.newKeySet()).add(key);
            }
        }

        void reset() {
            traces.clear();
        }

        long complete() {
            return traces.values().stream().filter(names -> names.containsAll(COMPLETE_TRACE)).count();
        }

        /** Waits until the number of complete traces stops growing for 2 s (or {@code timeout}); returns it. */
        double awaitSettled(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            long last = -1;
            long stableSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                long now = complete();
                if (now != last) {
                    last = now;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > 2_000_000_000L) {
                    break;
                }
                Thread.sleep(200);
            }
            return complete();
        }
    }

    /** Peak resident memory of each service, read from /proc every 500 ms while the bench runs. */
    static final class RssSampler {
        private final Map<String, Long> peakKib = new ConcurrentHashMap<>();
        private final Thread thread;

        private RssSampler(List<ServiceProcess> services) {
            thread = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    for (ServiceProcess service : services) {
                        rssKib(service.pid()).ifPresent(kib -> peakKib.merge(service.name(), kib, Math::max));
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        static RssSampler start(List<ServiceProcess> services) {
            return new RssSampler(services);
        }

        Map<String, Long> stop() throws InterruptedException {
            thread.interrupt();
            thread.join();
            Map<String, Long> mib = new LinkedHashMap<>();
            peakKib.forEach((service, kib) -> mib.put(service, kib / 1024));
            return mib;
        }

        private static OptionalLong rssKib(long pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")));
                    }
                }
                return OptionalLong.empty();
            } catch (IOException e) {
                // The process is gone (it exits at the end of a platform); nothing to sample.
                return OptionalLong.empty();
            }
        }
    }
}
