package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open-model load run: user actions arrive on a schedule at the target rate (with an optional linear ramp),
 * whatever the system under test does.
 * <p>
 * One platform thread, the scheduler, parks until each arrival's intended time, picks a scenario by the mix and
 * hands the action to a virtual thread; it never waits for an answer. When {@code maxConcurrency} actions are in
 * flight, an arrival is not sent but counted as dropped by the cap (progress lines and the summary show it). Each
 * action is a root span named after its scenario ({@code synthetic=true}) whose W3C context goes with every request
 * of the action, and its latency is recorded from its <em>intended</em> start, so time spent queued behind a
 * stalled system counts (coordinated omission corrected).
 * <p>
 * {@link #run()} blocks until the duration is over or {@link #stop()} is called, waits for the actions in flight
 * (up to twice the request timeout) and returns the summary. {@link #setRate(double)} and {@link #setMix(Mix)} change
 * traffic while it runs. A run runs once.
 */
public final class LoadRun {
    private static final Logger LOG = LoggerFactory.getLogger(LoadRun.class);
    /** Trace ids of confirmed checkouts kept for {@link RunSummary#sampleCheckoutTraceIds()}. */
    static final int SAMPLE_TRACES = 5;
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(2);

    private final TrafficOptions options;
    private final Tracer tracer;
    private final Consumer<String> progress;
    private final Executor injectedExecutor;
    private final TrafficStats stats = new TrafficStats();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    private final List<String> sampleTraceIds = new ArrayList<>();
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private final AtomicLong suppressedFailureLogs = new AtomicLong();
    private final Object control = new Object();

    private volatile Mix mix;
    /** Target before the run starts; afterwards the schedule holds it. Guarded by {@link #control}. */
    private double pendingRate;
    private volatile ArrivalSchedule schedule;
    private volatile boolean stopRequested;
    private volatile long startNanos;
    private volatile long schedulingEndNanos;
    private volatile Thread scheduler;
    private volatile Instant startedAt;
    private volatile ProgressSnapshot lastProgress;
    private volatile Throwable schedulerFailure;
    private long lastProgressNanos;
    private long lastProgressSent;

    /**
     * @param options  what to run
     * @param tracer   makes the root span of each action and injects its context into the requests
     * @param progress receives a progress line every {@code progressInterval}; {@code null} for none
     */
    public LoadRun(TrafficOptions options, Tracer tracer, PrintStream progress) {
        this(options, tracer, progress == null ? null : (Consumer<String>) progress::println);
    }

    /** As {@link #LoadRun(TrafficOptions, Tracer, PrintStream)}, with progress lines going to {@code progress}. */
    public LoadRun(TrafficOptions options, Tracer tracer, Consumer<String> progress) {
        this(options, tracer, progress, null);
    }

    /** With the executor that runs each action (tests use it to stall the generator itself); {@code null}: virtual threads. */
    LoadRun(TrafficOptions options, Tracer tracer, Consumer<String> progress, Executor actionExecutor) {
        this.options = Objects.requireNonNull(options, "options");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.progress = progress == null ? line -> { } : progress;
        this.injectedExecutor = actionExecutor;
        this.mix = options.mix();
        this.pendingRate = options.rate();
    }

    /**
     * Runs until the duration is over or {@link #stop()} is called, then waits for the actions in flight (at most
     * twice the request timeout plus a little) and returns the summary.
     *
     * @throws IllegalStateException when called a second time, or when the scheduler failed
     */
    public RunSummary run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a LoadRun runs once");
        }
        try {
            return runOnce();
        } finally {
            finished.countDown();
        }
    }

    private RunSummary runOnce() {
        LoadMetrics.activate(this);
        ExecutorService ownExecutor = injectedExecutor == null
                ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("loadgen-action-", 0).factory())
                : null;
        Executor executor = injectedExecutor == null ? ownExecutor : injectedExecutor;
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("loadgen-progress").daemon(true).factory());
        long unfinished;
        try (ShopActions actions = new ShopActions(options.orderUrl(), options.inventoryUrl(), tracer,
                                                   options.requestTimeout(), options.maxConcurrency())) {
            long t0 = System.nanoTime();
            long end = options.untilStopped() ? Long.MAX_VALUE : t0 + options.duration().toNanos();
            startedAt = Instant.now();
            synchronized (control) {
                startNanos = t0;
                lastProgressNanos = t0;
                schedule = new ArrivalSchedule(t0, pendingRate, options.ramp().toNanos());
            }
            LOG.atInfo()
                    .addKeyValue("target_rate", pendingRate)
                    .addKeyValue("duration", options.untilStopped() ? "until stopped" : Durations.format(options.duration()))
                    .addKeyValue("ramp", Durations.format(options.ramp()))
                    .addKeyValue("mix", mix.toString())
                    .addKeyValue("order_url", options.orderUrl().toString())
                    .addKeyValue("inventory_url", options.inventoryUrl().toString())
                    .addKeyValue("max_concurrency", options.maxConcurrency())
                    .log("load_run_started");
            if (!options.progressInterval().isZero()) {
                long interval = options.progressInterval().toNanos();
                reporter.scheduleAtFixedRate(this::reportProgress, interval, interval, TimeUnit.NANOSECONDS);
            }
            Thread thread = Thread.ofPlatform()
                    .name("loadgen-scheduler")
                    .priority(Thread.MAX_PRIORITY)
                    .unstarted(() -> schedule(end, executor, actions));
            scheduler = thread;
            thread.start();
            joinUninterruptibly(thread);
            // A browse makes two calls, each bounded by the request timeout.
            unfinished = awaitIdle(options.requestTimeout().multipliedBy(2).plus(DRAIN_GRACE));
        } finally {
            reporter.shutdownNow();
            awaitTermination(reporter);
            if (ownExecutor != null) {
                ownExecutor.shutdownNow();
            }
        }
        stats.harvest();
        if (schedulerFailure != null) {
            throw new IllegalStateException("the load generator's scheduler failed", schedulerFailure);
        }
        Duration elapsed = Duration.ofNanos(Math.max(0, schedulingEndNanos - startNanos));
        RunSummary summary;
        synchronized (sampleTraceIds) {
            summary = RunSummary.of(startedAt, elapsed, targetRate(), mix, stats.sent(), stats.droppedByCap(),
                                    unfinished, stats, sampleTraceIds);
        }
        LOG.atInfo()
                .addKeyValue("sent", summary.sent())
                .addKeyValue("achieved_rate", Math.round(summary.achievedRate() * 10) / 10.0)
                .addKeyValue("target_rate", summary.targetRate())
                .addKeyValue("dropped_by_cap", summary.droppedByCap())
                .addKeyValue("errors", summary.total().errors())
                .addKeyValue("unfinished", unfinished)
                .log("load_run_finished");
        return summary;
    }

    /**
     * Changes the target rate from now on, without a burst: the arrival already half waited for comes after half
     * the new gap. During a ramp, the ramp ends and the new rate applies at once.
     *
     * @throws IllegalArgumentException unless {@code 0 < rate <= 100000}
     */
    public void setRate(double rate) {
        TrafficOptions.checkRate("rate", rate);
        synchronized (control) {
            if (schedule == null) {
                pendingRate = rate;
            } else {
                schedule.changeRate(rate, System.nanoTime());
            }
        }
        Thread thread = scheduler;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
        LOG.atInfo().addKeyValue("target_rate", rate).log("target_rate_changed");
    }

    /** Changes the scenario weights for the arrivals from now on. */
    public void setMix(Mix mix) {
        this.mix = Objects.requireNonNull(mix, "mix");
        LOG.atInfo().addKeyValue("mix", mix.toString()).log("mix_changed");
    }

    /** Ends the run: no arrival is scheduled from now on; {@link #run()} returns once the actions in flight are done. */
    public void stop() {
        stopRequested = true;
        Thread thread = scheduler;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Waits until {@link #run()} has returned (or failed).
     *
     * @return whether it did within {@code timeout}
     */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The target rate asked for last (the final rate of a ramp). */
    public double targetRate() {
        synchronized (control) {
            return schedule == null ? pendingRate : schedule.targetRate();
        }
    }

    /** The rate the schedule follows now: below {@link #targetRate()} during a ramp, 0 when not running. */
    public double currentTargetRate() {
        ArrivalSchedule current = schedule;
        if (current == null || finished.getCount() == 0 || stopRequested) {
            return 0;
        }
        return current.rateAt(System.nanoTime());
    }

    public Mix mix() {
        return mix;
    }

    public TrafficOptions options() {
        return options;
    }

    /** Actions sent and not answered yet. */
    public int inFlight() {
        return inFlight.get();
    }

    /** What the run is doing now, for {@code GET /status}. */
    public Status status() {
        long now = System.nanoTime();
        String state = !started.get() ? "not_started" : finished.getCount() == 0 ? "finished"
                : stopRequested ? "stopping" : "running";
        long begin = startNanos;
        double elapsed = started.get() && begin != 0 ? Math.max(0, now - begin) / 1e9 : 0;
        if (state.equals("finished")) {
            elapsed = Math.max(0, schedulingEndNanos - begin) / 1e9;
        }
        Map<String, Map<String, Long>> scenarios = new LinkedHashMap<>();
        for (Scenario scenario : Scenario.values()) {
            scenarios.put(scenario.label(), stats.statuses(scenario));
        }
        ProgressSnapshot last = lastProgress;
        return new Status(state, targetRate(), currentTargetRate(), mix.asMap(),
                          elapsed > 0 ? stats.sent() / elapsed : 0,
                          state.equals("running") ? stats.recentRate(begin, now) : 0,
                          Math.round(elapsed * 1000) / 1000.0, stats.sent(), stats.completed(), stats.droppedByCap(),
                          inFlight.get(), options.maxConcurrency(), stats.classes(), scenarios,
                          last == null ? null : last.p50Millis(), last == null ? null : last.p99Millis());
    }

    /**
     * The state of a run for {@code GET /status}.
     *
     * @param state             {@code not_started}, {@code running}, {@code stopping} or {@code finished}
     * @param targetRate        target rate asked for, actions per second
     * @param currentTargetRate rate the schedule follows now (lower during a ramp)
     * @param mix               scenario weights
     * @param achievedRate      actions sent per second since the start
     * @param recentRate        actions sent per second over the last few seconds
     * @param elapsedSeconds    time since the start
     * @param sent              actions sent
     * @param completed         actions answered or failed
     * @param droppedByCap      arrivals dropped because {@code maxConcurrency} actions were in flight
     * @param inFlight          actions sent and not answered yet
     * @param maxConcurrency    the concurrency cap
     * @param statuses          completed actions by status class ({@code 2xx} ... {@code 5xx}, then {@code shed}:
     *                          503 with {@code Retry-After}, not counted under 5xx, then {@code error}: no answer)
     * @param scenarios         completed actions per scenario by status code (and {@code shed}, {@code error})
     * @param lastIntervalP50Millis median latency of the last progress interval, if any
     * @param lastIntervalP99Millis 99th percentile of the last progress interval, if any
     */
    public record Status(String state, double targetRate, double currentTargetRate, Map<String, Double> mix,
                         double achievedRate, double recentRate, double elapsedSeconds, long sent, long completed,
                         long droppedByCap, int inFlight, int maxConcurrency, Map<String, Long> statuses,
                         Map<String, Map<String, Long>> scenarios, Double lastIntervalP50Millis,
                         Double lastIntervalP99Millis) {
    }

    private void schedule(long end, Executor executor, ShopActions actions) {
        SplittableRandom random = new SplittableRandom();
        long scheduledUntil = end;
        try {
            while (true) {
                if (stopRequested) {
                    scheduledUntil = Math.min(end, System.nanoTime());
                    break;
                }
                ArrivalSchedule arrivals = schedule;
                long intended = arrivals.peek();
                if (intended >= end) {
                    break;
                }
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    // Woken early by setRate/stop (unpark) or spuriously: look again.
                    LockSupport.parkNanos(this, wait);
                    continue;
                }
                if (!arrivals.claim(intended)) {
                    continue;
                }
                dispatch(intended, mix.pick(random.nextDouble()), executor, actions);
            }
        } catch (Throwable failure) {
            schedulerFailure = failure;
            scheduledUntil = Math.min(end, System.nanoTime());
            LOG.atError().setCause(failure).log("load_scheduler_failed");
        } finally {
            schedulingEndNanos = Math.max(startNanos, scheduledUntil);
        }
    }

    private void dispatch(long intended, Scenario scenario, Executor executor, ShopActions actions) {
        long now = System.nanoTime();
        stats.recordLag(now - intended);
        // Only this thread increments, so the check and the increment cannot race with another arrival.
        if (inFlight.get() >= options.maxConcurrency()) {
            stats.recordDroppedByCap();
            LoadMetrics.recordDroppedByCap();
            return;
        }
        inFlight.incrementAndGet();
        stats.recordSent(now);
        executor.execute(() -> perform(scenario, intended, actions));
    }

    private void perform(Scenario scenario, long intended, ShopActions actions) {
        long sentAt = System.nanoTime();
        int status = TrafficStats.NO_RESPONSE;
        boolean shed = false;
        Span span = null;
        Throwable failure = null;
        try {
            span = tracer.spanBuilder(scenario.label())
                    .kind(Span.Kind.CLIENT)
                    .tag("synthetic", true)
                    .tag("scenario", scenario.label())
                    .start();
            ShopActions.Result result = actions.perform(scenario, span, sentAt + options.requestTimeout().toNanos());
            status = result.status();
            shed = result.shed();
            if (result.orderId() != null) {
                span.tag("order.id", result.orderId());
            }
        } catch (IOException e) {
            failure = e;
            logFailure(scenario, e);
        } catch (RuntimeException e) {
            failure = e;
            logFailure(scenario, e);
        } finally {
            try {
                long latency = System.nanoTime() - intended;
                stats.recordResult(scenario, shed ? TrafficStats.SHED : status, latency);
                LoadMetrics.recordResult(scenario, status, shed, latency);
                if (span != null) {
                    finishSpan(span, scenario, status, sentAt - intended, failure);
                }
            } finally {
                // Whatever happened above, the action no longer counts against the concurrency cap.
                if (inFlight.decrementAndGet() == 0) {
                    signalIdle();
                }
            }
        }
    }

    private void finishSpan(Span span, Scenario scenario, int status, long scheduleDelayNanos, Throwable failure) {
        span.tag("loadgen.schedule_delay_ms", scheduleDelayNanos / 1e6);
        if (status > 0) {
            span.tag("http.response.status_code", status);
        }
        if (!scenario.expected(status)) {
            span.status(Span.Status.ERROR);
        }
        if (scenario == Scenario.CHECKOUT && status == 201) {
            rememberTrace(span);
        }
        if (failure != null) {
            span.end(failure);
        } else {
            span.end();
        }
    }

    private void rememberTrace(Span span) {
        synchronized (sampleTraceIds) {
            if (sampleTraceIds.size() < SAMPLE_TRACES && sampled(span)) {
                sampleTraceIds.add(span.context().traceId());
            }
        }
    }

    /** Whether the span's trace is recorded and exported; spans of a no-op tracer are not. */
    private static boolean sampled(Span span) {
        try {
            return span.unwrap(io.opentelemetry.api.trace.Span.class).getSpanContext().isSampled();
        } catch (IllegalArgumentException | ClassCastException notOpenTelemetry) {
            // Not backed by OpenTelemetry (a no-op tracer): there is no trace to point at.
            return false;
        }
    }

    /** Logs failures to get an answer at most once per interval, with how many were not logged. */
    private void logFailure(Scenario scenario, Exception failure) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last < FAILURE_LOG_INTERVAL_NANOS || !lastFailureLog.compareAndSet(last, now)) {
            suppressedFailureLogs.incrementAndGet();
            return;
        }
        var event = LOG.atWarn()
                .addKeyValue("scenario", scenario.label())
                .addKeyValue("error_type", failure.getClass().getName())
                .addKeyValue("error_message", String.valueOf(failure.getMessage()))
                .addKeyValue("similar_failures_not_logged", suppressedFailureLogs.getAndSet(0));
        if (failure instanceof RuntimeException) {
            event = event.setCause(failure);
        }
        event.log("action_failed");
    }

    /** Runs on the reporter's schedule; a failure is logged and the next line still comes (a thrown one would stop them). */
    private void reportProgress() {
        try {
            progressLine();
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).log("progress_report_failed");
        }
    }

    private void progressLine() {
        long now = System.nanoTime();
        Histogram interval = stats.harvest();
        long sent = stats.sent();
        double seconds;
        long sentInInterval;
        synchronized (control) {
            seconds = (now - lastProgressNanos) / 1e9;
            sentInInterval = sent - lastProgressSent;
            lastProgressNanos = now;
            lastProgressSent = sent;
        }
        Double p50 = interval.getTotalCount() == 0 ? null : interval.getValueAtPercentile(50) / 1e6;
        Double p99 = interval.getTotalCount() == 0 ? null : interval.getValueAtPercentile(99) / 1e6;
        lastProgress = new ProgressSnapshot(p50, p99);
        Map<String, Long> classes = stats.classes();
        StringBuilder line = new StringBuilder(String.format(
                Locale.ROOT, "[%4ds] rate %.1f/%.1f req/s  p50 %s  p99 %s  in-flight %d  2xx %d ",
                Math.round((now - startNanos) / 1e9), seconds > 0 ? sentInInterval / seconds : 0,
                currentTargetRate(), millis(p50), millis(p99), inFlight.get(), classes.get("2xx")));
        if (classes.get("3xx") > 0) {
            line.append("3xx ").append(classes.get("3xx")).append(' ');
        }
        line.append(String.format(Locale.ROOT, "4xx %d 5xx %d shed %d error %d  cap-drops %d", classes.get("4xx"),
                                  classes.get("5xx"), classes.get(TrafficStats.SHED_KEY), classes.get("error"),
                                  stats.droppedByCap()));
        if (stats.droppedByCap() > 0) {
            line.append(" (max-concurrency ").append(options.maxConcurrency()).append(" reached)");
        }
        String unexpected = unexpectedOutcomes();
        if (!unexpected.isEmpty()) {
            line.append("  unexpected ").append(unexpected);
        }
        progress.accept(line.toString());
    }

    /** Outcomes so far that were not their scenario's expected one, by status, e.g. {@code 503:12 error:2}. */
    private String unexpectedOutcomes() {
        Map<String, Long> byStatus = new TreeMap<>(RunSummary::compareStatus);
        for (Scenario scenario : Scenario.values()) {
            stats.statuses(scenario).forEach((status, count) -> {
                if (!scenario.expected(RunSummary.code(status))) {
                    byStatus.merge(status, count, Long::sum);
                }
            });
        }
        StringBuilder text = new StringBuilder();
        byStatus.forEach((status, count) -> text.append(text.isEmpty() ? "" : " ").append(status).append(':').append(count));
        return text.toString();
    }

    private static String millis(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f ms", value);
    }

    private record ProgressSnapshot(Double p50Millis, Double p99Millis) {
    }

    private void signalIdle() {
        idleLock.lock();
        try {
            idle.signalAll();
        } finally {
            idleLock.unlock();
        }
    }

    /** Waits until no action is in flight, at most {@code timeout}; returns how many still are. */
    private long awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        idleLock.lock();
        try {
            while (inFlight.get() > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                try {
                    idle.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            idleLock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return inFlight.get();
    }

    /** Joins the scheduler; an interrupt of the caller stops the run (and is kept for the caller). */
    private void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                stop();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTermination(ExecutorService executor) {
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.atWarn().log("progress_reporter_not_stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
