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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.o11yshop.loadgen.OtlpReceiver.ReceivedSpan;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.Telemetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code bench}: the whole checkout path on this machine. Starts the platform as {@code local} does and measures
 * the highest sustainable checkout rate with full observability and with it off, latencies below that rate, trace
 * completeness at a fixed rate, peak RSS of each service, and how accurately the generator held its rates. Prints a
 * markdown table and writes the same as JSON.
 * <p>
 * It survives what it measures: a step that breaks the platform is reported ("collapsed at N/s, recovered /
 * did not recover at M/s"), a step that throws ends its ramp and is reported, the table is printed whatever ends
 * the bench, and no service is left running (see {@link #bench}).
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
    /** Pause after an overloaded step. */
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

    /** Starts a platform for one phase of the bench; tests stand in small processes for the services. */
    interface Platforms {
        LocalPlatform start(Path runDir, Map<String, String> env) throws IOException, InterruptedException;
    }

    /** Drives one stretch of traffic and returns what it measured; tests answer with made-up summaries. */
    interface Driver {
        RunSummary drive(TrafficOptions options);
    }

    /** Pause after an overloaded step; tests shorten it. */
    Duration coolDown = COOL_DOWN;
    /** How long the warm-up ramps up; tests shorten it. */
    Duration warmUpRamp = Duration.ofSeconds(30);

    private PrintWriter out;
    private final List<Step> generatorSteps = new ArrayList<>();
    /** Counted down by the first SIGINT/SIGTERM: the step in progress ends, no other starts, the report prints. */
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();
    private volatile LoadRun current;

    @Override
    public Integer call() throws Exception {
        if (startRate <= 0 || maxRate < startRate || step.isNegative() || step.isZero()) {
            throw new ParameterException(spec.commandLine(), "need 0 < --start-rate <= --max-rate and a positive --step");
        }
        String bindAddress = platformOptions.bindAddress(spec);
        Path project = platformOptions.project(spec);
        Path runDir = platformOptions.runRoot.resolve("bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(runDir);
        stopOnSignal();
        try (OtlpReceiver receiver = new OtlpReceiver(bindAddress)) {
            receiver.retain(false);
            TraceCompleteness completeness = new TraceCompleteness();
            receiver.onSpan(completeness::record);
            Telemetry telemetry = PlatformOptions.generatorTelemetry(receiver);
            return bench(spec.commandLine().getOut(), runDir,
                         (dir, env) -> LocalPlatform.start(project, dir, env, receiver, bindAddress),
                         options -> drive(options, telemetry), completeness, () -> telemetry.flush(5_000));
        }
    }

    /**
     * The bench itself: both phases, each on a platform of its own, then the report. Whatever ends a phase (a step
     * that throws, a platform that will not start, a signal) is reported, the table is printed, and every service
     * is stopped: each platform is closed by try-with-resources, and {@link ChildProcesses} stops what is left when
     * the JVM exits.
     *
     * @return 0, or 1 when a phase ended on a failure
     */
    int bench(PrintWriter out, Path runDir, Platforms platforms, Driver driver, TraceCompleteness completeness,
              Runnable flushSpans) throws IOException {
        this.out = out;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", machine());
        List<String> failures = new ArrayList<>();
        try {
            phase("observability on", runDir.resolve("observability-on"), ENDLESS_STOCK, platforms, failures, platform -> {
                RssSampler rss = RssSampler.start(platform.services());
                try {
                    Search on = maxSustainable(platform, driver, "observability on");
                    report.put("observability_on", on.toMap());
                    if (on.ended() != null) {
                        failuresOf(on, "observability on", failures);
                        progress("observability on: latency below max and trace completeness skipped (" + on.ended() + ")");
                        return;
                    }
                    List<Map<String, Object>> below = new ArrayList<>();
                    for (double share : on.maxRate() > 0 ? new double[] {0.25, 0.5, 0.75} : new double[0]) {
                        Step measured = step(platform, driver, Math.max(TrafficOptions.MIN_RATE, on.maxRate() * share),
                                             "at " + (int) (share * 100) + "% of max");
                        if (measured.failure() != null) {
                            failures.add("observability on: " + measured.failure());
                            return;
                        }
                        below.add(measured.toMap(share));
                    }
                    report.put("latency_below_max", below);

                    completeness.reset();
                    Step fixed = step(platform, driver, completenessRate, "trace completeness");
                    if (fixed.failure() != null) {
                        failures.add("observability on: " + fixed.failure());
                        return;
                    }
                    flushSpans.run();
                    double complete = completeness.awaitSettled(Duration.ofSeconds(30));
                    long confirmed = fixed.summary().confirmedCheckouts();
                    report.put("trace_completeness", Map.of("rate", completenessRate,
                                                            "confirmed_checkouts", confirmed,
                                                            "complete_traces", (long) complete,
                                                            "ratio", confirmed == 0 ? 0 : complete / confirmed));
                } finally {
                    report.put("peak_rss_mib", rss.stop());
                }
            });
            if (!stopped()) {
                progress("observability off (OTEL_TRACES_EXPORTER=none, LOG_LEVEL=WARN): restarting the platform");
                Map<String, String> off = new LinkedHashMap<>(ENDLESS_STOCK);
                off.putAll(OBSERVABILITY_OFF);
                phase("observability off", runDir.resolve("observability-off"), off, platforms, failures, platform -> {
                    Search offSearch = maxSustainable(platform, driver, "observability off");
                    report.put("observability_off", offSearch.toMap());
                    failuresOf(offSearch, "observability off", failures);
                });
            }
        } finally {
            report.put("generator", generatorFigures());
            report.put("failures", failures);
            Path json = runDir.resolve("bench.json");
            try {
                Files.write(json, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
            } catch (IOException | RuntimeException e) {
                failures.add("bench.json not written: " + describe(e));
                json = null;
            }
            out.printf("%n%s%s%n", BenchReport.markdown(report), json == null ? "" : "JSON: " + json);
            out.flush();
        }
        return failures.isEmpty() ? 0 : 1;
    }

    /** What a phase does on its platform. */
    private interface PhaseBody {
        void run(LocalPlatform platform) throws IOException, InterruptedException;
    }

    /**
     * Starts a platform, runs {@code body} on it and stops the platform, whatever happens: a failure (even an
     * AssertionError) is reported in {@code failures} and ends the phase, never the bench.
     */
    private void phase(String label, Path runDir, Map<String, String> env, Platforms platforms, List<String> failures,
                       PhaseBody body) {
        progress(label + ": starting the platform");
        try (LocalPlatform platform = platforms.start(runDir, env)) {
            body.run(platform);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(label + ": interrupted");
        } catch (Exception | AssertionError e) {
            failures.add(label + ": " + describe(e));
            progress(label + " FAILED: " + describe(e));
        }
        if (stopped()) {
            failures.add(label + ": stopped by a signal");
        }
    }

    /** A search that ended on a failure (not on a collapse it recovered from) is a failure of its phase. */
    private static void failuresOf(Search search, String label, List<String> failures) {
        if (search.ended() != null && search.steps().stream().anyMatch(step -> step.failure() != null)) {
            failures.add(label + ": " + search.ended());
        }
    }

    /**
     * Doubles the rate until a step fails, then bisects between the last good and the first bad rate (within 10%).
     * A step that collapses the platform (see {@link Step#collapsed()}) is followed by one at the last good rate (or
     * half the rate): the platform "recovered" when that step is no collapse; if not, more steps would measure a
     * broken platform, so the search ends there. A step that throws ends it too.
     */
    private Search maxSustainable(LocalPlatform platform, Driver driver, String label) {
        warmUp(platform, driver, label);
        List<Step> steps = new ArrayList<>();
        List<Collapse> collapses = new ArrayList<>();
        String ended = null;
        double good = 0;
        double bad = Double.POSITIVE_INFINITY;
        double rate = startRate;
        while (steps.size() < 16 && rate <= maxRate && (Double.isInfinite(bad) || (bad - good) / bad > 0.1)) {
            if (stopped()) {
                ended = "stopped by a signal";
                break;
            }
            Step measured = step(platform, driver, rate, label);
            if (measured.healthy() && !measured.sustainable() && !stopped()) {
                // One slow step can be a GC or JIT hiccup on a busy 2-core machine: a rate fails only twice in a row.
                steps.add(measured);
                measured = step(platform, driver, rate, label + " (again)");
            }
            steps.add(measured);
            if (stopped()) {
                // A step cut short by a signal measured nothing about the platform: no collapse, no probe.
                ended = "stopped by a signal";
                break;
            }
            if (measured.failure() != null) {
                ended = measured.failure() + "; the ramp ended there";
                break;
            }
            if (measured.collapsed()) {
                bad = rate;
                double lower = good > 0 ? good : Math.max(TrafficOptions.MIN_RATE, rate / 2);
                Step probe = step(platform, driver, lower, label + " (recovery)");
                steps.add(probe);
                Collapse collapse = new Collapse(rate, lower, probe.healthy());
                collapses.add(collapse);
                progress(label + ": " + collapse.describe());
                if (!collapse.recovered()) {
                    ended = collapse.describe() + "; the ramp ended there";
                    break;
                }
                if (probe.sustainable()) {
                    good = Math.max(good, lower);
                } else {
                    bad = Math.min(bad, lower);
                }
            } else if (measured.sustainable()) {
                good = rate;
            } else {
                bad = rate;
            }
            rate = Double.isInfinite(bad) ? Math.min(rate * 2, maxRate + 1) : (good + bad) / 2;
        }
        return new Search(good, steps, collapses, ended);
    }

    /** Fresh JVMs are slow until the JIT has compiled the hot paths: ramp up gently before anything is measured. */
    private void warmUp(LocalPlatform platform, Driver driver, String label) {
        TrafficOptions options = TrafficOptions.forLocal(warmupRate, warmUpRamp.plus(step), Mix.parse("checkout=100"))
                .withTargets(platform.order().api(), platform.inventory().api())
                .withRamp(warmUpRamp)
                .withMaxConcurrency(4096)
                .withProgressInterval(Duration.ZERO);
        RunSummary summary = driver.drive(options);
        progress(String.format(Locale.ROOT, "%-34s ramp to %.0f/s over %s, then %s: %d checkouts", label + ": warm-up",
                               warmupRate, Durations.format(warmUpRamp), Durations.format(step),
                               summary.scenario(Scenario.CHECKOUT).requests()));
    }

    /** One measured step; a step whose traffic throws is returned as failed, never thrown. */
    private Step step(LocalPlatform platform, Driver driver, double rate, String label) {
        TrafficOptions options = TrafficOptions.forLocal(rate, step, Mix.parse("checkout=100"))
                .withTargets(platform.order().api(), platform.inventory().api())
                .withMaxConcurrency(4096)
                .withRequestTimeout(REQUEST_TIMEOUT)
                .withProgressInterval(Duration.ZERO);
        long cpuBefore = processCpuNanos();
        long wallBefore = System.nanoTime();
        RunSummary summary;
        try {
            summary = driver.drive(options);
        } catch (RuntimeException | AssertionError e) {
            Step failed = new Step(rate, null, 0, List.of(), String.format(Locale.ROOT, "step at %s/s failed: %s",
                                                                          BenchReport.rate(rate), describe(e)));
            progress(String.format(Locale.ROOT, "%-34s target %7.1f/s  FAILED: %s", label, rate, failed.failure()));
            return failed;
        }
        double cpuShare = (processCpuNanos() - cpuBefore) / (double) (System.nanoTime() - wallBefore)
                / Runtime.getRuntime().availableProcessors();
        List<String> exited = platform.services().stream()
                .filter(service -> !service.isAlive())
                .map(ServiceProcess::name)
                .toList();
        Step measured = new Step(rate, summary, cpuShare, exited, null);
        generatorSteps.add(measured);
        progress(String.format(Locale.ROOT, "%-34s target %7.1f/s achieved %7.1f/s  p50 %6.1f ms  p99 %7.1f ms  errors %.3f%% "
                                       + "(shed %.3f%%)  %s",
                               label, rate, summary.achievedRate(), measured.checkout().p50Millis(),
                               measured.checkout().p99Millis(), measured.checkout().errorRatio() * 100,
                               measured.checkout().shedRatio() * 100,
                               measured.collapsed() ? "COLLAPSED" + (exited.isEmpty() ? "" : " (exited: " + exited + ")")
                                       : measured.sustainable() ? "ok" : "NOT sustainable"));
        if (!measured.sustainable()) {
            coolDown();
        }
        return measured;
    }

    /** The real traffic: a {@link LoadRun} that a signal stops. */
    private RunSummary drive(TrafficOptions options, Telemetry telemetry) {
        LoadRun run = new LoadRun(options, telemetry.tracer(), line -> { });
        current = run;
        try {
            if (stopped()) {
                run.stop();
            }
            return run.run();
        } finally {
            current = null;
        }
    }

    /** After an overloaded step the services drain their queues and the JVMs collect garbage before the next one. */
    private void coolDown() {
        try {
            // A fixed wait is the point here (the system is left alone), not a poll; a signal ends it.
            stopRequested.await(coolDown.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the first signal does: the step in progress ends, no other starts, the report prints. */
    void requestStop() {
        stopRequested.countDown();
        LoadRun run = current;
        if (run != null) {
            run.stop();
        }
    }

    private boolean stopped() {
        return stopRequested.getCount() == 0 || Thread.currentThread().isInterrupted();
    }

    /**
     * The first SIGINT/SIGTERM ends the step in progress and the bench, which still prints its report and stops the
     * services; a second one exits at once (the shutdown hook of {@link ChildProcesses} still stops the services).
     */
    private void stopOnSignal() {
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (signals.incrementAndGet() > 1) {
                        System.exit(128 + signal.getNumber());
                    }
                    progress("SIG" + signal.getName() + " received: ending the bench (again to quit at once)");
                    requestStop();
                });
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal (-Xrs): the default exit stays, and the shutdown hook stops the services.
            }
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

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
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

    /**
     * One measured step.
     *
     * @param summary null when the step failed
     * @param exited  services whose process had exited by the end of the step
     * @param failure what went wrong when the step's traffic threw, else null
     */
    record Step(double rate, RunSummary summary, double cpuShare, List<String> exited, String failure) {
        /** Share of checkouts that failed otherwise than by being shed, at or above which a step collapsed. */
        static final double COLLAPSE_RATIO = 0.5;

        RunSummary.ScenarioStats checkout() {
            return summary.scenario(Scenario.CHECKOUT);
        }

        boolean sustainable() {
            return failure == null
                    && checkout().requests() > 0
                    && checkout().p99Millis() < MAX_P99_MILLIS
                    && checkout().errorRatio() < MAX_ERROR_RATIO
                    && summary.droppedByCap() == 0
                    && summary.achievedRate() >= rate * 0.97;
        }

        /**
         * Whether the platform broke rather than degraded: a service exited, no checkout was answered, or at least
         * half of them failed with something other than a shed answer (a fast 503 with Retry-After is the graceful
         * way to say no; time-outs, refused connections and other 5xx are not).
         */
        boolean collapsed() {
            if (failure != null) {
                return false;
            }
            RunSummary.ScenarioStats checkout = checkout();
            return !exited.isEmpty() || checkout.requests() == 0
                    || (double) (checkout.errors() - checkout.shed()) / checkout.requests() >= COLLAPSE_RATIO;
        }

        /** Neither failed nor collapsed. */
        boolean healthy() {
            return failure == null && !collapsed();
        }

        Map<String, Object> toMap(double share) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("share_of_max", share);
            map.put("rate", rate);
            if (failure != null) {
                map.put("failure", failure);
                return map;
            }
            map.put("achieved_rate", summary.achievedRate());
            map.put("p50_ms", checkout().p50Millis());
            map.put("p90_ms", checkout().p90Millis());
            map.put("p99_ms", checkout().p99Millis());
            map.put("max_ms", checkout().maxMillis());
            map.put("error_ratio", checkout().errorRatio());
            map.put("shed_ratio", checkout().shedRatio());
            map.put("collapsed", collapsed());
            if (!exited.isEmpty()) {
                map.put("exited", exited);
            }
            return map;
        }
    }

    /** A step that broke the platform, and whether it served again at a lower rate right after. */
    record Collapse(double rate, double recoveryRate, boolean recovered) {
        String describe() {
            return String.format(Locale.ROOT, "collapsed at %s/s, %s at %s/s", BenchReport.rate(rate),
                                 recovered ? "recovered" : "did not recover", BenchReport.rate(recoveryRate));
        }

        Map<String, Object> toMap() {
            return Map.of("rate", rate, "recovery_rate", recoveryRate, "recovered", recovered, "description", describe());
        }
    }

    /**
     * The result of a search for the highest sustainable rate.
     *
     * @param ended why the search ended early (a failed step, a collapse without recovery, a signal), else null
     */
    record Search(double maxRate, List<Step> steps, List<Collapse> collapses, String ended) {
        Map<String, Object> toMap() {
            List<Map<String, Object>> tried = new ArrayList<>();
            for (Step step : steps) {
                Map<String, Object> row = step.toMap(0);
                row.remove("share_of_max");
                row.put("sustainable", step.sustainable());
                tried.add(row);
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("max_sustainable_checkouts_per_second", maxRate);
            map.put("steps", tried);
            map.put("collapses", collapses.stream().map(Collapse::toMap).toList());
            if (ended != null) {
                map.put("ended", ended);
            }
            return map;
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
