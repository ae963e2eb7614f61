package dev.o11yshop.observability;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.LoggerFactory;

/**
 * Admission control of the API socket: at most {@code MAX_CONCURRENT_REQUESTS} requests of matched routes are
 * handled at once. Past the bound a request is answered at once, never queued: 503 problem+json with
 * {@code Retry-After}, counted in {@code http_requests_rejected_total{reason}}. A service that queues under
 * overload holds every request past its caller's deadline and grows its heap until it dies; one that sheds keeps
 * the admitted requests fast and recovers as soon as the load drops.
 *
 * <p>It runs around a route's handler ({@link RouteTemplates.Interceptor}), inside the observability filter, so a
 * shed request is still traced, logged and counted in {@code http_requests_total} under its route with status 503.
 * Requests that match no route (404) are not bounded: routing them costs next to nothing.
 */
public final class AdmissionControl implements RouteTemplates.Interceptor {
    /** Seconds a shed client should wait before trying again; short, as capacity frees up within a request's time. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** Why a request was shed: the {@code reason} label, a bounded set. */
    public enum Reason {
        /** {@code MAX_CONCURRENT_REQUESTS} requests were already in progress. */
        CONCURRENCY_LIMIT,
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
     */
    public record Settings(int maxConcurrentRequests) {
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
        }

        /** From {@code max.concurrent.requests} ({@code MAX_CONCURRENT_REQUESTS}). */
        public static Settings from(Config config) {
            return new Settings(config.get("max.concurrent.requests").asInt().orElse(DEFAULT_MAX_CONCURRENT_REQUESTS));
        }
    }

    private static final MeterFamily<Counter> REJECTED = MeterFamily.counter(
            "http_requests_rejected_total", "API requests shed without being handled, by reason", "reason");
    private final Settings settings;
    private final Semaphore permits;

    public AdmissionControl(Settings settings) {
        this.settings = settings;
        this.permits = new Semaphore(settings.maxConcurrentRequests());
        // Every reason is a series from the start, so rate() and alerts see 0 rather than nothing.
        for (Reason reason : Reason.values()) {
            REJECTED.labels(reason.label());
        }
        LoggerFactory.getLogger(AdmissionControl.class).atInfo()
                .addKeyValue("max_concurrent_requests", settings.maxConcurrentRequests())
                .log("admission_control_configured");
    }

    /**
     * Hands the request to {@code handler} if a permit is free, and frees it when the handler returns or throws
     * (Helidon's handlers answer on the request's thread, so the request is over by then); otherwise answers 503.
     */
    @Override
    public void handle(ServerRequest req, ServerResponse res, Handler handler) throws Exception {
        if (!permits.tryAcquire()) {
            REJECTED.labels(Reason.CONCURRENCY_LIMIT.label()).increment();
            ProblemHandlers.respond(req, res, overloaded());
            return;
        }
        try {
            handler.handle(req, res);
        } finally {
            permits.release();
        }
    }

    /**
     * Requests the API socket holds at most, routed or not: twice the admission bound, so that admission control
     * (which traces and counts what it sheds) does the shedding while the CPU keeps up, and the socket only when it
     * does not. Past it Helidon answers 503 itself (see {@link ProblemDirectHandlers}).
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

    private ProblemException overloaded() {
        return overloaded("the service is handling its maximum of " + settings.maxConcurrentRequests()
                                  + " requests at once; retry after " + RETRY_AFTER_SECONDS + " s");
    }
}
