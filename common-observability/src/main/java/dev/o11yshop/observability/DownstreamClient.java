package dev.o11yshop.observability;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.helidon.config.Config;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import io.helidon.http.Method;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Timer;
import io.helidon.tracing.HeaderConsumer;
import io.helidon.tracing.HeaderProvider;
import io.helidon.tracing.Scope;
import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;

/**
 * The instrumented HTTP client for one downstream service ({@code peer}). Every attempt is a CLIENT span,
 * child of the active span, whose context is injected as W3C {@code traceparent}/{@code tracestate}/{@code baggage};
 * every attempt is counted in {@code http_client_requests_total} and timed. Calls are bounded by the caller's
 * {@link Deadline}; only idempotent calls are retried, with jittered exponential backoff; and a circuit breaker
 * per peer fails fast while the peer is failing, visible in {@code dependency_circuit_state}.
 * <p>
 * Answers below 500 are returned for the caller to interpret. Everything else, whether refused, 5xx, a timeout or
 * an open circuit, is a {@link DownstreamException}.
 */
public final class DownstreamClient {
    private static final MeterFamily<Counter> REQUESTS = MeterFamily.counter(
            "http_client_requests_total", "HTTP requests to dependencies, by peer and status ('error': no response)",
            "peer", "method", "status");
    private static final MeterFamily<Timer> DURATION = MeterFamily.latencyHistogram(
            "http_client_request_duration_seconds", "Time for a dependency to answer an HTTP request", "peer", "method");

    private final String peer;
    private final URI baseUri;
    private final Settings settings;
    private final Tracer tracer;
    private final HttpClient client;
    private final CircuitBreaker breaker;
    private final Semaphore bulkhead;

    /**
     * Timeouts, retries and circuit breaker of one peer.
     *
     * @param connectTimeout  time to open a connection
     * @param callTimeout     longest wait for one answer (less if the deadline is nearer)
     * @param maxAttempts     attempts of an idempotent call, first one included
     * @param retryBackoff    base of the exponential backoff; each wait is random in [0, base * 2^n]
     * @param breakerVolume   calls in the breaker's rolling window
     * @param breakerErrorRatio percentage of failed calls in the window that opens the circuit
     * @param breakerDelay    how long the circuit stays open before a trial call
     * @param maxConcurrency  calls in flight to the peer at once (a bulkhead); more wait, within their deadline
     */
    public record Settings(Duration connectTimeout, Duration callTimeout, int maxAttempts, Duration retryBackoff,
                           int breakerVolume, int breakerErrorRatio, Duration breakerDelay, int maxConcurrency) {
        /** Defaults, overridable under {@code client.*} in config ({@code CLIENT_CALL_TIMEOUT_MS}, ...). */
        public static Settings from(Config config) {
            Config client = config.get("client");
            return new Settings(Duration.ofMillis(client.get("connect.timeout.ms").asLong().orElse(500L)),
                                Duration.ofMillis(client.get("call.timeout.ms").asLong().orElse(1_000L)),
                                client.get("max.attempts").asInt().orElse(3),
                                Duration.ofMillis(client.get("retry.backoff.ms").asLong().orElse(25L)),
                                client.get("breaker.volume").asInt().orElse(20),
                                client.get("breaker.error.ratio").asInt().orElse(50),
                                Duration.ofMillis(client.get("breaker.delay.ms").asLong().orElse(5_000L)),
                                client.get("max.concurrency").asInt().orElse(64));
        }
    }

    public DownstreamClient(String peer, URI baseUri, Settings settings, Tracer tracer) {
        this.peer = peer;
        this.baseUri = baseUri;
        this.settings = settings;
        this.tracer = tracer;
        // The JDK client: per-request timeouts without Helidon 4.1.2's WebClient pitfalls (a connection pool per
        // distinct read timeout, and an idle-connection monitor that fails a reused connection on a stale timeout).
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.bulkhead = new Semaphore(settings.maxConcurrency(), true);
        this.breaker = CircuitBreaker.builder()
                .name(peer)
                .volume(settings.breakerVolume())
                .errorRatio(settings.breakerErrorRatio())
                .delay(settings.breakerDelay())
                .successThreshold(1)
                // A peer that sheds is alive and answering at once: its breaker must not open and turn a brief
                // overload into seconds of failed calls after it has passed.
                .addSkipOn(PeerShed.class)
                .build();
        // One client per peer in a service; in a test JVM with several, the first one created reports the state.
        Metrics.globalRegistry().getOrCreate(
                Gauge.builder("dependency_circuit_state", breaker, DownstreamClient::stateValue)
                        .description("Circuit breaker per dependency: 0 closed, 1 open, 2 half-open")
                        .tags(Metrics.tags("peer", peer)));
    }

    public String peer() {
        return peer;
    }

    public CircuitBreaker.State circuitState() {
        return breaker.state();
    }

    /** GET, retried on failure. */
    public DownstreamResponse get(String pathTemplate, Deadline deadline, String... pathParams) {
        return call(Method.GET, pathTemplate, null, true, deadline, pathParams);
    }

    /**
     * POST; retried only when {@code idempotent}, i.e. when the peer deduplicates it (by order id, say).
     */
    public DownstreamResponse post(String pathTemplate, Object body, boolean idempotent, Deadline deadline,
                                   String... pathParams) {
        return call(Method.POST, pathTemplate, body, idempotent, deadline, pathParams);
    }

    /** DELETE, retried on failure. */
    public DownstreamResponse delete(String pathTemplate, Deadline deadline, String... pathParams) {
        return call(Method.DELETE, pathTemplate, null, true, deadline, false, pathParams);
    }

    /**
     * DELETE that undoes earlier work (a compensation): retried, and not held back by the bulkhead, so that a
     * congested peer cannot starve it. It stays bounded: at most one per call it undoes.
     */
    public DownstreamResponse undo(String pathTemplate, Deadline deadline, String... pathParams) {
        return call(Method.DELETE, pathTemplate, null, true, deadline, true, pathParams);
    }

    /**
     * One GET outside the breaker and the bulkhead, for warm-up: it opens a connection to the peer and runs the
     * client's code once, and a peer that is still starting opens no circuit. Returns the status.
     */
    public int warmUp(String path) {
        return exchange(Method.GET, path, path, null, 0, settings.callTimeout()).status();
    }

    private DownstreamResponse call(Method method, String pathTemplate, Object body, boolean idempotent,
                                    Deadline deadline, String... pathParams) {
        return call(method, pathTemplate, body, idempotent, deadline, false, pathParams);
    }

    private DownstreamResponse call(Method method, String pathTemplate, Object body, boolean idempotent,
                                    Deadline deadline, boolean bypassBulkhead, String... pathParams) {
        String path = expand(pathTemplate, pathParams);
        byte[] entity = body == null ? null : Json.bytes(body);
        // A call that was never sent (the connection could not be opened) is retried even when it is not
        // idempotent: the peer never saw it. Anything else is retried only when the peer deduplicates it.
        int attempts = Math.max(1, settings.maxAttempts());
        DownstreamException failure = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0 && !backoff(attempt, deadline)) {
                break;
            }
            // The bulkhead is outside the breaker: waiting for a free slot is local congestion, not the peer failing.
            boolean slot = !bypassBulkhead;
            if (slot && !enterBulkhead(min(settings.callTimeout(), deadline.remaining()))) {
                throw new DownstreamException(peer, DownstreamException.Kind.TIMEOUT,
                                              settings.maxConcurrency() + " calls already in flight for the whole time budget", null);
            }
            try {
                // No call starts once the budget is spent; checked before the breaker, because running out of time
                // here (after a wait for the bulkhead, say) is not the peer failing.
                Duration timeout = min(settings.callTimeout(), deadline.remaining());
                if (timeout.isZero()) {
                    throw new DownstreamException(peer, DownstreamException.Kind.TIMEOUT,
                                                  "no time left in the request budget", null);
                }
                int resend = attempt;
                return breaker.invoke(() -> exchange(method, pathTemplate, path, entity, resend, timeout));
            } catch (PeerShed e) {
                // Retry-After is longer than any budget here: retrying would only add to the overload.
                throw new DownstreamException(peer, DownstreamException.Kind.UNAVAILABLE,
                                              method.text() + " " + pathTemplate + " was shed: the peer is overloaded", e);
            } catch (CircuitBreakerOpenException e) {
                throw new DownstreamException(peer, DownstreamException.Kind.UNAVAILABLE, "circuit breaker is open", e);
            } catch (DownstreamException e) {
                failure = e;
                if (!idempotent && !neverSent(e)) {
                    break;
                }
            } finally {
                if (slot) {
                    bulkhead.release();
                }
            }
        }
        throw failure != null ? failure
                : new DownstreamException(peer, DownstreamException.Kind.TIMEOUT, "time budget spent before retry", null);
    }

    private boolean enterBulkhead(Duration timeout) {
        try {
            return bulkhead.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private DownstreamResponse exchange(Method method, String pathTemplate, String path, byte[] entity, int resendCount,
                                        Duration timeout) {
        long start = System.nanoTime();
        Span span = tracer.spanBuilder(method.text() + " " + pathTemplate)
                .kind(Span.Kind.CLIENT)
                .tag("http.request.method", method.text())
                .tag("server.address", baseUri.getHost())
                .tag("server.port", port(baseUri))
                .tag("url.full", baseUri.resolve(path).toString())
                .tag("url.template", pathTemplate)
                .tag("peer.service", peer)
                .start();
        if (resendCount > 0) {
            span.tag("http.request.resend_count", resendCount);
        }
        String statusLabel = "error";
        try (Scope ignored = span.activate()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(baseUri.resolve(path))
                    .timeout(timeout)
                    .method(method.text(), entity == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(entity));
            if (entity != null) {
                request.header("Content-Type", "application/json");
            }
            Map<String, String> propagation = new LinkedHashMap<>();
            tracer.inject(span.context(), HeaderProvider.empty(), new MapHeaders(propagation));
            propagation.forEach(request::header);
            RequestId.current().ifPresent(id -> request.header(RequestId.HEADER.defaultCase(), id));
            HttpResponse<byte[]> response = await(client.sendAsync(request.build(), BodyHandlers.ofByteArray()), timeout);
            int status = response.statusCode();
            statusLabel = LabelValues.status(status);
            span.tag("http.response.status_code", status);
            if (status >= 500) {
                span.status(Span.Status.ERROR);
                span.tag("error.type", Integer.toString(status));
                if (status == 503 && response.headers().firstValue("retry-after").isPresent()) {
                    throw new PeerShed();
                }
                throw new DownstreamException(peer, DownstreamException.Kind.UNAVAILABLE,
                                              method.text() + " " + pathTemplate + " answered " + status, null);
            }
            span.end();
            return new DownstreamResponse(status, response.body());
        } catch (DownstreamException | PeerShed e) {
            span.end(e);
            throw e;
        } catch (IOException e) {
            DownstreamException failure = classify(e);
            span.tag("error.type", e.getClass().getName());
            span.end(failure);
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            DownstreamException failure = new DownstreamException(peer, DownstreamException.Kind.UNAVAILABLE,
                                                                  "interrupted", e);
            span.end(failure);
            throw failure;
        } finally {
            REQUESTS.labels(peer, method.text(), statusLabel).increment();
            DURATION.labels(peer, method.text()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Waits for the answer at most {@code timeout}, whatever the client's own timer does: the JDK client fires its
     * request timeouts from its one selector thread, which falls seconds behind on a saturated machine, and a
     * checkout must answer within its budget at any load. A late answer is cancelled.
     */
    private static HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> pending, Duration timeout)
            throws IOException, InterruptedException {
        try {
            return pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** True when the call failed before its request left: refused, or no connection within the connect timeout. */
    private static boolean neverSent(DownstreamException e) {
        return e.getCause() instanceof HttpConnectTimeoutException || causedBy(e.getCause(), ConnectException.class);
    }

    private DownstreamException classify(IOException e) {
        if (e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException)) {
            return new DownstreamException(peer, DownstreamException.Kind.TIMEOUT, "no answer in time", e);
        }
        String reason = e instanceof HttpConnectTimeoutException ? "connect timed out"
                : causedBy(e, ConnectException.class) ? "connection refused"
                : causedBy(e, EOFException.class) ? "connection closed by the peer"
                : "connection failed";
        return new DownstreamException(peer, DownstreamException.Kind.UNAVAILABLE, reason, e);
    }

    /** Waits before retry {@code attempt}; false when the deadline would pass first. */
    private boolean backoff(int attempt, Deadline deadline) {
        long ceiling = settings.retryBackoff().toMillis() << Math.min(attempt - 1, 6);
        long wait = ThreadLocalRandom.current().nextLong(ceiling + 1);
        if (deadline.remaining().toMillis() <= wait) {
            return false;
        }
        try {
            Thread.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String expand(String template, String... params) {
        StringBuilder path = new StringBuilder(template.length() + 32);
        int param = 0;
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                path.append(template, i, template.length());
                break;
            }
            int close = template.indexOf('}', open);
            path.append(template, i, open);
            if (param >= params.length) {
                throw new IllegalArgumentException("missing value for " + template.substring(open, close + 1));
            }
            path.append(URLEncoder.encode(params[param++], StandardCharsets.UTF_8));
            i = close + 1;
        }
        return path.toString();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }


    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static double stateValue(CircuitBreaker breaker) {
        return switch (breaker.state()) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }

    /** The peer answered 503 with {@code Retry-After}: it shed the call (admission control), which the breaker skips. */
    private static final class PeerShed extends RuntimeException {
        PeerShed() {
            super("shed by the peer", null, false, false);
        }
    }

    /** Collects the propagation headers the tracer writes. */
    private record MapHeaders(Map<String, String> headers) implements HeaderConsumer {
        @Override
        public void setIfAbsent(String key, String... values) {
            headers.putIfAbsent(key, String.join(",", values));
        }

        @Override
        public void set(String key, String... values) {
            headers.put(key, String.join(",", values));
        }

        @Override
        public Iterable<String> keys() {
            return headers.keySet();
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(headers.get(key));
        }

        @Override
        public Iterable<String> getAll(String key) {
            return get(key).stream().toList();
        }

        @Override
        public boolean contains(String key) {
            return headers.containsKey(key);
        }
    }
}
