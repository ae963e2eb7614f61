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
        CONCURRENCY_LIMIT;

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

    private final MeterFamily<Counter> rejected = MeterFamily.counter(
            "http_requests_rejected_total", "API requests shed without being handled, by reason", "reason");
    private final Settings settings;
    private final Semaphore permits;

    public AdmissionControl(Settings settings) {
        this.settings = settings;
        this.permits = new Semaphore(settings.maxConcurrentRequests());
        // Every reason is a series from the start, so rate() and alerts see 0 rather than nothing.
        for (Reason reason : Reason.values()) {
            rejected.labels(reason.label());
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
            rejected.labels(Reason.CONCURRENCY_LIMIT.label()).increment();
            ProblemHandlers.respond(req, res, overloaded());
            return;
        }
        try {
            handler.handle(req, res);
        } finally {
            permits.release();
        }
    }

    /** Requests admitted and not yet finished. */
    public int inProgress() {
        return settings.maxConcurrentRequests() - permits.availablePermits();
    }

    public Settings settings() {
        return settings;
    }

    private ProblemException overloaded() {
        return new ProblemException(Status.SERVICE_UNAVAILABLE_503, "overloaded", "Service overloaded",
                                    "the service is handling its maximum of " + settings.maxConcurrentRequests()
                                            + " requests at once; retry after " + RETRY_AFTER_SECONDS + " s",
                                    List.of())
                .withHeader(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
}
