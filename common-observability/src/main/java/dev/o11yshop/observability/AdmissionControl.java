package dev.o11yshop.observability;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission control of the API socket: at most {@code MAX_CONCURRENT_REQUESTS} requests of matched routes are
 * handled at once, and fewer while the CPU is saturated ({@link Reason#SCHEDULER_LAG}). Past that a request is
 * answered at once, never queued: 503 problem+json with
 * {@code Retry-After}, counted in {@code http_requests_rejected_total{reason}} and, under its route with status 503,
 * in {@code http_requests_total}. A service that queues under overload holds every request past its caller's
 * deadline and grows its heap until it dies; one that sheds keeps the admitted requests fast and recovers as soon as
 * the load drops.
 *
 * <p>It is the first filter of the API routing, ahead of the observability filter, because shedding must cost far
 * less than serving: at three times its capacity a service sheds two requests for every one it serves, and a shed
 * request that still got a span, a log line and a serialized problem would take the CPU the admitted ones need. So a
 * shed request is counted, not traced, and logged only in a summary line, {@code requests_shed}, at most every
 * {@link #SHED_LOG_INTERVAL} (metrics tell the rest). The route template comes from the routes registered so far
 * ({@link RouteTemplates.Table}); requests that match no route (404) are not bounded: they cost next to nothing.
 */
public final class AdmissionControl implements Filter {
    /** Seconds a shed client should wait before trying again; short, as capacity frees up within a request's time. */
    static final String RETRY_AFTER_SECONDS = "1";
    /** Shortest time between two {@code requests_shed} log lines. */
    static final Duration SHED_LOG_INTERVAL = Duration.ofSeconds(10);

    /** Why a request was shed: the {@code reason} label, a bounded set. */
    public enum Reason {
        /** {@code MAX_CONCURRENT_REQUESTS} requests were already in progress. */
        CONCURRENCY_LIMIT,
        /**
         * The CPU is saturated: virtual threads run more than {@code MAX_SCHEDULER_LAG_MS} late ({@link SchedulerLag})
         * while at least {@link Settings#lagFloor()} requests are in progress. Admitting more would only queue them
         * behind the CPU; turning them away at once leaves the CPU to the admitted ones and keeps even the shed
         * answers fast. The floor keeps a cold start (JIT compilation lags too) or a GC pause from shedding a trickle.
         */
        SCHEDULER_LAG,
        /**
         * The API socket already held {@link #socketLimit()} requests read and not yet answered: requests waiting for
         * the CPU before they even reach a handler. Helidon sheds these at the socket, before routing, for next to no
         * work (no span, no log line, not in {@code http_requests_total}); a saturated service that still traced and
         * logged every excess request would spend its CPU on them and collapse.
         */
        SOCKET_LIMIT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Settings, read once at start.
     *
     * @param maxConcurrentRequests API requests of matched routes handled at once ({@code MAX_CONCURRENT_REQUESTS})
     * @param maxSchedulerLag       past this lag new requests are shed ({@code MAX_SCHEDULER_LAG_MS}; zero: never)
     */
    public record Settings(int maxConcurrentRequests, Duration maxSchedulerLag) {
        /**
         * A lag that a request feels but that no GC pause of a 256 MiB heap reaches: a tenth of a second before its
         * first line runs is already a fifth of the checkout latency objective.
         */
        public static final Duration DEFAULT_MAX_SCHEDULER_LAG = Duration.ofMillis(100);

        /**
         * Sized for a pod with about one CPU: a request needs the CPU for a few milliseconds and otherwise waits on its
         * downstreams, so ~100 in progress keep one CPU busy at the rates it can sustain (hundreds per second at
         * 50-300 ms each), while 128 bodies of at most 64 KiB and their working sets stay a few MiB of heap. More
         * would only queue for the CPU and push every request towards its deadline.
         */
        public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 128;

        public Settings {
            if (maxConcurrentRequests < 1) {
                throw new IllegalArgumentException("MAX_CONCURRENT_REQUESTS must be at least 1, got " + maxConcurrentRequests);
            }
            if (maxSchedulerLag.isNegative()) {
                throw new IllegalArgumentException("MAX_SCHEDULER_LAG_MS must not be negative, got " + maxSchedulerLag.toMillis());
            }
        }

        /** Only a bound. */
        public Settings(int maxConcurrentRequests) {
            this(maxConcurrentRequests, DEFAULT_MAX_SCHEDULER_LAG);
        }

        /** Requests in progress below which lag never sheds: an eighth of the bound. */
        public int lagFloor() {
            return Math.max(1, maxConcurrentRequests / 8);
        }

        /** From {@code max.concurrent.requests} ({@code MAX_CONCURRENT_REQUESTS}). */
        public static Settings from(Config config) {
            return new Settings(config.get("max.concurrent.requests").asInt().orElse(DEFAULT_MAX_CONCURRENT_REQUESTS),
                                config.get("max.scheduler.lag.ms").asLong().map(Duration::ofMillis)
                                        .orElse(DEFAULT_MAX_SCHEDULER_LAG));
        }
    }

    private static final MeterFamily<Counter> REJECTED = MeterFamily.counter(
            "http_requests_rejected_total", "API requests shed without being handled, by reason", "reason");
    private static final Logger LOG = LoggerFactory.getLogger(AdmissionControl.class);
    private final Settings settings;
    private final RouteTemplates.Table routes;
    private final Semaphore permits;
    private final LongSupplier lagNanos;
    private final ThreadLocal<Boolean> admittedOnThisThread = ThreadLocal.withInitial(() -> false);
    private final long maxLagNanos;
    private final HttpServerMetrics metrics = new HttpServerMetrics();
    private final AtomicLong shedSinceLog = new AtomicLong();
    private final AtomicLong lastShedLogNanos = new AtomicLong(System.nanoTime() - SHED_LOG_INTERVAL.toNanos());

    /** Bounds the requests of the routes in {@code routes} (the table the API services register into). */
    public AdmissionControl(Settings settings, RouteTemplates.Table routes) {
        this(settings, routes, SchedulerLag.instance()::lagNanos);
    }

    /** With the scheduler lag read from {@code lagNanos}, for tests. */
    AdmissionControl(Settings settings, RouteTemplates.Table routes, LongSupplier lagNanos) {
        this.lagNanos = lagNanos;
        this.settings = settings;
        this.routes = routes;
        this.permits = new Semaphore(settings.maxConcurrentRequests());
        this.maxLagNanos = settings.maxSchedulerLag().isZero() ? Long.MAX_VALUE : settings.maxSchedulerLag().toNanos();

        // Every reason is a series from the start, so rate() and alerts see 0 rather than nothing.
        for (Reason reason : Reason.values()) {
            REJECTED.labels(reason.label());
        }
        LOG.atInfo()
                .addKeyValue("max_concurrent_requests", settings.maxConcurrentRequests())
                .addKeyValue("max_scheduler_lag_ms", settings.maxSchedulerLag().toMillis())
                .log("admission_control_configured");
    }

    /**
     * Lets the request through if a permit is free, and frees it once the rest of the chain has answered (Helidon
     * routes on the request's thread, so the request is over by then); otherwise answers 503 itself.
     */
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        Method method = req.prologue().method();
        Optional<String> endpoint = routes.match(method, req.prologue().uriPath());
        if (endpoint.isEmpty() || admittedOnThisThread.get()) {
            // Unbounded, or admitted already: Helidon's in-memory test routing can run a filter twice per request.
            chain.proceed();
        } else if (!permits.tryAcquire()) {
            shed(req, res, LabelValues.method(method.text()), endpoint.get(), start, Reason.CONCURRENCY_LIMIT);
        } else if (inProgress() > settings.lagFloor() && lagNanos.getAsLong() > maxLagNanos) {
            permits.release();
            shed(req, res, LabelValues.method(method.text()), endpoint.get(), start, Reason.SCHEDULER_LAG);
        } else {
            // Helidon runs the rest of the chain, handler included, on this thread.
            admittedOnThisThread.set(true);
            try {
                chain.proceed();
            } finally {
                admittedOnThisThread.remove();
                permits.release();
            }
        }
    }

    private void shed(RoutingRequest req, RoutingResponse res, String method, String endpoint, long start,
                      Reason reason) {
        REJECTED.labels(reason.label()).increment();
        String requestId = RequestId.from(req.headers());
        String path = req.prologue().uriPath().rawPath();
        res.status(Status.SERVICE_UNAVAILABLE_503)
                .header(RequestId.HEADER, requestId)
                .header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS)
                .header(HeaderNames.CONTENT_TYPE, ProblemHandlers.PROBLEM_JSON)
                .send(Json.bytes(overloadedProblem(reason == Reason.CONCURRENCY_LIMIT ? overloaded() : saturated(),
                                                   path, requestId)));
        metrics.completed(method, endpoint, Status.SERVICE_UNAVAILABLE_503.code(), System.nanoTime() - start);
        logShedSummary(reason);
    }

    /** One {@code requests_shed} line per interval at most, with the count since the last one. */
    private void logShedSummary(Reason reason) {
        shedSinceLog.incrementAndGet();
        long last = lastShedLogNanos.get();
        long now = System.nanoTime();
        if (now - last >= SHED_LOG_INTERVAL.toNanos() && lastShedLogNanos.compareAndSet(last, now)) {
            LOG.atWarn()
                    .addKeyValue("last_reason", reason.label())
                    .addKeyValue("shed_count", shedSinceLog.getAndSet(0))
                    .addKeyValue("max_concurrent_requests", settings.maxConcurrentRequests())
                    .addKeyValue("scheduler_lag_ms", lagNanos.getAsLong() / 1_000_000)
                    .log("requests_shed");
        }
    }

    /**
     * Requests the API socket holds at most, routed or not: twice the admission bound, so that admission control
     * (which counts what it sheds under its route) does the shedding while the CPU keeps up, and the socket only when
     * it does not. Past it Helidon answers 503 itself (see {@link ProblemDirectHandlers}).
     */
    public int socketLimit() {
        return 2 * settings.maxConcurrentRequests();
    }

    /** Counts a request Helidon shed at the socket ({@link Reason#SOCKET_LIMIT}). */
    static void countShedAtSocket() {
        REJECTED.labels(Reason.SOCKET_LIMIT.label()).increment();
    }

    /** Requests admitted and not yet finished. */
    public int inProgress() {
        return settings.maxConcurrentRequests() - permits.availablePermits();
    }

    public Settings settings() {
        return settings;
    }

    /** The answer to a shed request, also used by {@link ProblemDirectHandlers} for one shed at the socket. */
    static ProblemException overloaded(String detail) {
        return new ProblemException(Status.SERVICE_UNAVAILABLE_503, "overloaded", "Service overloaded", detail, List.of())
                .withHeader(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }

    /** The problem body of a request shed before routing, so without a trace id; {@code path} only if short. */
    static Problem overloadedProblem(ProblemException shed, String path, String requestId) {
        return new Problem(Problem.TYPE_BASE + shed.slug(), shed.title(), shed.status().code(), shed.detail(),
                           path.isEmpty() || path.length() > Problem.MAX_INSTANCE_LENGTH ? null : path, requestId,
                           null, List.of());
    }

    private ProblemException saturated() {
        return overloaded("the service's CPU is saturated (requests wait more than " + settings.maxSchedulerLag().toMillis()
                                  + " ms to run); retry after " + RETRY_AFTER_SECONDS + " s");
    }

    private ProblemException overloaded() {
        return overloaded("the service is handling its maximum of " + settings.maxConcurrentRequests()
                                  + " requests at once; retry after " + RETRY_AFTER_SECONDS + " s");
    }
}
