package dev.o11yshop.observability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.config.Config;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a service up before it reports ready. A cold JVM answers its first requests one or two orders of
 * magnitude slower than a warm one (class loading, interpreted code), long enough for a caller's 1 s timeout and
 * circuit breaker to turn a rollout into a burst of 5xx. So once its sockets are bound, the service sends its own
 * API requests that change no state (reads, and bodies that validation refuses) and runs its clients' warm-up
 * tasks (which open connections to its dependencies), for a number of rounds or until a time limit, and only then
 * reports ready ({@code warmed-up} readiness check).
 * <p>
 * Warm-up requests are ordinary requests: they are counted and logged like any other (request id
 * {@code warm-up}), and their traces are unsampled, so no warm-up span is exported.
 */
public final class WarmUp {
    /** Request id of every warm-up request, so its log lines can be told apart. */
    public static final String REQUEST_ID = "warm-up";

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    private final List<ApiRequest> requests = new ArrayList<>();
    private final List<Task> tasks = new ArrayList<>();
    /** Set from before the server starts until warm-up ends; routing built without a server (tests) is ready at once. */
    private final AtomicBoolean warming = new AtomicBoolean();

    /**
     * How much warming: {@code rounds} passes over every request and task, at most {@code limit} in all.
     * {@code rounds = 0} turns warm-up off (the service is ready at once).
     */
    public record Settings(int rounds, Duration limit) {
        public static Settings from(Config config) {
            Config warmUp = config.get("warmup");
            return new Settings(warmUp.get("rounds").asInt().orElse(200),
                                Duration.ofMillis(warmUp.get("limit.ms").asLong().orElse(15_000L)));
        }
    }

    /** What one warm-up did, logged as {@code warm_up_completed}. */
    public record Report(int rounds, int calls, int failures, long durationMs) {
    }

    private record ApiRequest(String method, String path, String jsonBody) {
    }

    private record Task(String name, Runnable work) {
    }

    /** Adds a request to the service's own API; it must change no state. {@code jsonBody} may be null. */
    public WarmUp request(String method, String path, String jsonBody) {
        requests.add(new ApiRequest(method, path, jsonBody));
        return this;
    }

    /** Adds work for the service's clients, e.g. a read that opens connections to a dependency; failures are counted, not fatal. */
    public WarmUp task(String name, Runnable work) {
        tasks.add(new Task(name, work));
        return this;
    }

    /** Holds readiness back until {@link #run} ends; called before the server starts. */
    void begin() {
        warming.set(true);
    }

    /** False while warm-up is pending or running. */
    public boolean done() {
        return !warming.get();
    }

    /** Runs the warm-up against the API at {@code api} and marks it done, whatever happens. */
    public Report run(URI api, Settings settings) {
        long start = System.nanoTime();
        int rounds = 0;
        int calls = 0;
        int failures = 0;
        try (HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build()) {
            long deadline = start + settings.limit().toNanos();
            boolean anything = !requests.isEmpty() || !tasks.isEmpty();
            while (anything && rounds < settings.rounds() && System.nanoTime() < deadline) {
                for (ApiRequest request : requests) {
                    calls++;
                    failures += send(client, api, request) ? 0 : 1;
                }
                for (Task task : tasks) {
                    calls++;
                    failures += runUnsampled(task) ? 0 : 1;
                }
                rounds++;
            }
        } finally {
            warming.set(false);
        }
        Report report = new Report(rounds, calls, failures, (System.nanoTime() - start) / 1_000_000);
        LOG.atInfo()
                .addKeyValue("rounds", report.rounds())
                .addKeyValue("calls", report.calls())
                .addKeyValue("failures", report.failures())
                .addKeyValue("duration_ms", report.durationMs())
                .log("warm_up_completed");
        return report;
    }

    /** True when the service answered below 500; a warm-up request is expected to be refused or found missing. */
    private static boolean send(HttpClient client, URI api, ApiRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(api.resolve(request.path()))
                .timeout(Duration.ofSeconds(5))
                .header(RequestId.HEADER.defaultCase(), REQUEST_ID)
                .header("traceparent", unsampledTraceparent())
                .method(request.method(), request.jsonBody() == null ? BodyPublishers.noBody()
                        : BodyPublishers.ofString(request.jsonBody()));
        if (request.jsonBody() != null) {
            builder.header("Content-Type", "application/json");
        }
        try {
            return client.send(builder.build(), BodyHandlers.discarding()).statusCode() < 500;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs a task under an unsampled trace, so the client spans it makes are not exported. */
    private static boolean runUnsampled(Task task) {
        SpanContext unsampled = SpanContext.create(randomHex(16), randomHex(8), TraceFlags.getDefault(),
                                                   TraceState.getDefault());
        try (Scope ignored = Context.root().with(Span.wrap(unsampled)).makeCurrent()) {
            task.work().run();
            return true;
        } catch (RuntimeException e) {
            LOG.atDebug().addKeyValue("task", task.name()).addKeyValue("error_type", e.getClass().getSimpleName())
                    .log("warm_up_task_failed");
            return false;
        }
    }

    private static String unsampledTraceparent() {
        return "00-" + randomHex(16) + "-" + randomHex(8) + "-00";
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros, which W3C trace context treats as invalid
        return HexFormat.of().formatHex(random);
    }
}
