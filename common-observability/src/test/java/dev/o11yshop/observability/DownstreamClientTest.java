package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.tracing.Scope;
import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;
import io.helidon.tracing.providers.opentelemetry.HelidonOpenTelemetry;
import io.helidon.webserver.WebServer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.api.common.AttributeKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.slf4j.MDC;

/**
 * The instrumented client against a real Helidon server on an ephemeral port: retries, failure accounting,
 * timeouts, refused connections, the circuit breaker and trace propagation. The peer counts every request it
 * receives, so "not retried" and "failed fast" are observed where they matter: at the peer.
 */
class DownstreamClientTest {
    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static final OpenTelemetrySdk OTEL = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    /** Not registered globally: Telemetry.install owns the process-global setup. */
    private static final Tracer TRACER = HelidonOpenTelemetry.create(OTEL, OTEL.getTracer("downstream-client-test"), Map.of());

    private static final Map<String, AtomicInteger> HITS = new ConcurrentHashMap<>();
    private static final AtomicBoolean HEALTHY = new AtomicBoolean();
    private static final CountDownLatch RELEASE_SLOW = new CountDownLatch(1);
    private static WebServer peer;
    private static URI peerUri;

    private String peerName;

    @BeforeAll
    static void startPeer() {
        peer = WebServer.builder()
                .host("localhost")
                .port(0)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(routing -> routing
                        .addFilter((chain, req, res) -> {
                            HITS.computeIfAbsent(req.prologue().method().text() + " " + req.prologue().uriPath().path(),
                                                 key -> new AtomicInteger()).incrementAndGet();
                            chain.proceed();
                        })
                        .get("/ok", (req, res) -> res.send("{\"ok\":true}"))
                        .any("/fail", (req, res) -> res.status(Status.INTERNAL_SERVER_ERROR_500).send("boom"))
                        .post("/conflict", (req, res) -> res.status(Status.CONFLICT_409)
                                .header(HeaderNames.CONTENT_TYPE, ProblemHandlers.PROBLEM_JSON)
                                .send("{\"type\":\"" + Problem.TYPE_BASE + "out-of-stock\",\"title\":\"Out of stock\","
                                              + "\"status\":409,\"detail\":\"SKU-0001\"}"))
                        .get("/shed", (req, res) -> res.status(Status.SERVICE_UNAVAILABLE_503)
                                .header(HeaderNames.RETRY_AFTER, "1")
                                .header(HeaderNames.CONTENT_TYPE, ProblemHandlers.PROBLEM_JSON)
                                .send("{\"type\":\"" + Problem.TYPE_BASE + "overloaded\",\"status\":503}"))
                        .post("/echo-body", (req, res) -> res.send(req.content().as(String.class)))
                        .get("/flaky", (req, res) -> {
                            if (HEALTHY.get()) {
                                res.send("{\"ok\":true}");
                            } else {
                                res.status(Status.SERVICE_UNAVAILABLE_503).send("down");
                            }
                        })
                        .get("/slow", (req, res) -> {
                            // "Sleeps" far longer than any call timeout here; released when the class is done.
                            if (!RELEASE_SLOW.await(30, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("slow handler was never released");
                            }
                            res.send("late");
                        })
                        .get("/headers", (req, res) -> res.send(Json.bytes(Map.of(
                                "traceparent", req.headers().first(HeaderNames.create("traceparent")).orElse(""),
                                "requestId", req.headers().first(RequestId.HEADER).orElse(""))))))
                .build()
                .start();
        peerUri = URI.create("http://localhost:" + peer.port());
    }

    @AfterAll
    static void stopPeer() {
        RELEASE_SLOW.countDown();
        if (peer != null) {
            peer.stop();
        }
    }

    @BeforeEach
    void uniquePeer(TestInfo test) {
        // Meters and the circuit-state gauge are keyed by peer name in the global registry: one name per test.
        peerName = "peer-" + test.getTestMethod().orElseThrow().getName();
        SPANS.reset();
        HEALTHY.set(false);
    }

    // ---------------------------------------------------------------- retries

    @Test
    void retriesAGetThatFailsWith5xxUpToMaxAttempts() {
        DownstreamClient client = client(Duration.ofSeconds(2), 3, Duration.ofSeconds(5));
        int before = hits("GET /fail");

        DownstreamException failure = assertThrows(DownstreamException.class, () -> client.get("/fail", budget()));

        assertEquals(DownstreamException.Kind.UNAVAILABLE, failure.kind());
        assertEquals(peerName, failure.peer());
        assertThat(failure.getMessage(), containsString("500"));
        assertEquals(before + 3, hits("GET /fail"), "three attempts reached the peer");
        assertEquals(3, requests("GET", "500"), "every failed attempt is counted with its status");
    }

    @Test
    void doesNotRetryANonIdempotentPost() {
        DownstreamClient client = client(Duration.ofSeconds(2), 3, Duration.ofSeconds(5));
        int before = hits("POST /fail");

        DownstreamException failure = assertThrows(DownstreamException.class,
                                                   () -> client.post("/fail", Map.of("a", 1), false, budget()));

        assertEquals(DownstreamException.Kind.UNAVAILABLE, failure.kind());
        assertEquals(before + 1, hits("POST /fail"), "a non-idempotent call reaches the peer once");
        assertEquals(1, requests("POST", "500"));
    }

    @Test
    void retriesAnIdempotentPost() {
        DownstreamClient client = client(Duration.ofSeconds(2), 3, Duration.ofSeconds(5));
        int before = hits("POST /fail");

        assertThrows(DownstreamException.class, () -> client.post("/fail", Map.of("a", 1), true, budget()));

        assertEquals(before + 3, hits("POST /fail"));
    }

    @Test
    void retriesADelete() {
        DownstreamClient client = client(Duration.ofSeconds(2), 2, Duration.ofSeconds(5));
        int before = hits("DELETE /fail");

        assertThrows(DownstreamException.class, () -> client.delete("/fail", budget()));

        assertEquals(before + 2, hits("DELETE /fail"));
    }

    @Test
    void returnsAnswersBelow500WithoutRetrying() {
        DownstreamClient client = client(Duration.ofSeconds(2), 3, Duration.ofSeconds(5));
        int before = hits("POST /conflict");

        DownstreamResponse response = client.post("/conflict", Map.of("orderId", "o-1"), true, budget());

        assertEquals(409, response.status());
        assertFalse(response.isSuccess());
        assertEquals("out-of-stock", response.problem().orElseThrow().type().substring(Problem.TYPE_BASE.length()));
        assertEquals(before + 1, hits("POST /conflict"), "a 4xx is an answer, not a failure");
        assertEquals(1, requests("POST", "409"));
        assertEquals(CircuitBreaker.State.CLOSED, client.circuitState());
    }

    @Test
    void sendsTheBodyAsJsonAndReadsTheAnswer() {
        DownstreamClient client = client(Duration.ofSeconds(2), 1, Duration.ofSeconds(5));
        record Reservation(String orderId, int quantity) {
        }

        DownstreamResponse response = client.post("/echo-body", new Reservation("o-1", 2), false, budget());

        assertTrue(response.isSuccess());
        assertEquals(new Reservation("o-1", 2), response.as(Reservation.class));
        assertEquals(1, requests("POST", "200"));
    }

    @Test
    void anUnreadableAnswerIsADependencyProblem() {
        DownstreamResponse response = new DownstreamResponse(200, "not json".getBytes(StandardCharsets.UTF_8));

        ProblemException problem = assertThrows(ProblemException.class, () -> response.as(Map.class));

        assertEquals(503, problem.status().code());
        assertEquals(Optional.empty(), response.problem());
    }

    // ---------------------------------------------------------------- timeouts and refused connections

    @Test
    void timesOutWellBeforeTheSlowPeerAnswers() {
        DownstreamClient client = client(Duration.ofMillis(300), 1, Duration.ofSeconds(5));

        long start = System.nanoTime();
        DownstreamException failure = assertThrows(DownstreamException.class, () -> client.get("/slow", budget()));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(DownstreamException.Kind.TIMEOUT, failure.kind(), failure.toString());
        assertThat(elapsed.toMillis(), lessThan(3_000L));
        assertEquals(1, requests("GET", "error"), "no answer is counted as status 'error'");
        ProblemException problem = failure.toProblem();
        assertEquals(504, problem.status().code());
        assertEquals("dependency-timeout", problem.slug());
    }

    @Test
    void theRequestBudgetBoundsTheCall() {
        DownstreamClient client = client(Duration.ofSeconds(10), 3, Duration.ofSeconds(5));

        long start = System.nanoTime();
        DownstreamException failure = assertThrows(DownstreamException.class,
                                                   () -> client.get("/slow", Deadline.after(Duration.ofMillis(300))));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(DownstreamException.Kind.TIMEOUT, failure.kind(), failure.toString());
        assertThat(elapsed.toMillis(), lessThan(3_000L));
    }

    @Test
    void anExpiredBudgetDoesNotCallThePeer() {
        DownstreamClient client = client(Duration.ofSeconds(1), 3, Duration.ofSeconds(5));
        int before = hits("GET /ok");

        DownstreamException failure = assertThrows(DownstreamException.class,
                                                   () -> client.get("/ok", Deadline.after(Duration.ZERO)));

        assertEquals(DownstreamException.Kind.TIMEOUT, failure.kind());
        assertEquals(before, hits("GET /ok"));
    }

    @Test
    void aRefusedConnectionIsUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        DownstreamClient client = new DownstreamClient(peerName, URI.create("http://127.0.0.1:" + closedPort),
                                                       settings(Duration.ofSeconds(1), 2, 100, Duration.ofSeconds(5)),
                                                       TRACER);

        long start = System.nanoTime();
        DownstreamException failure = assertThrows(DownstreamException.class, () -> client.get("/ok", budget()));

        assertEquals(DownstreamException.Kind.UNAVAILABLE, failure.kind(), failure.toString());
        assertThat(failure.getMessage(), containsString("connection refused"));
        assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis(), lessThan(3_000L));
        assertEquals(2, requests("GET", "error"), "both attempts counted without a status");
        assertEquals(503, failure.toProblem().status().code());
    }

    // ---------------------------------------------------------------- circuit breaker

    @Test
    void theCircuitOpensFailsFastAndClosesWhenThePeerRecovers() throws Exception {
        DownstreamClient client = new DownstreamClient(peerName, peerUri,
                                                       settings(Duration.ofSeconds(2), 1, 4, Duration.ofMillis(1_500)),
                                                       TRACER);
        assertEquals(0.0, circuitGauge());

        for (int i = 0; i < 4; i++) {
            DownstreamException failure = assertThrows(DownstreamException.class, () -> client.get("/flaky", budget()));
            assertEquals(DownstreamException.Kind.UNAVAILABLE, failure.kind());
        }
        assertEquals(CircuitBreaker.State.OPEN, client.circuitState(), "4 of 4 calls failed");
        assertEquals(1.0, circuitGauge());

        int reachedPeer = hits("GET /flaky");
        long start = System.nanoTime();
        DownstreamException fast = assertThrows(DownstreamException.class, () -> client.get("/flaky", budget()));
        assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis(), lessThan(500L));
        assertEquals(DownstreamException.Kind.UNAVAILABLE, fast.kind());
        assertThat(fast.getMessage(), containsString("circuit breaker is open"));
        assertEquals(reachedPeer, hits("GET /flaky"), "an open circuit does not call the peer");

        HEALTHY.set(true);
        awaitTrue(Duration.ofSeconds(10), () -> client.circuitState() != CircuitBreaker.State.OPEN,
                  "circuit left OPEN after its delay");
        assertEquals(2.0, circuitGauge(), "half-open");

        DownstreamResponse trial = client.get("/flaky", budget());

        assertEquals(200, trial.status());
        assertEquals(CircuitBreaker.State.CLOSED, client.circuitState());
        assertEquals(0.0, circuitGauge());
        assertEquals(reachedPeer + 1, hits("GET /flaky"));
    }

    @Test
    void aFailedTrialOpensTheCircuitAgain() throws Exception {
        DownstreamClient client = new DownstreamClient(peerName, peerUri,
                                                       settings(Duration.ofSeconds(2), 1, 2, Duration.ofMillis(300)),
                                                       TRACER);
        for (int i = 0; i < 2; i++) {
            assertThrows(DownstreamException.class, () -> client.get("/flaky", budget()));
        }
        assertEquals(CircuitBreaker.State.OPEN, client.circuitState());
        awaitTrue(Duration.ofSeconds(10), () -> client.circuitState() == CircuitBreaker.State.HALF_OPEN,
                  "circuit half-open after its delay");

        assertThrows(DownstreamException.class, () -> client.get("/flaky", budget()));

        assertEquals(CircuitBreaker.State.OPEN, client.circuitState());
        assertEquals(1.0, circuitGauge());
    }

    @Test
    void answersBelow500DoNotOpenTheCircuit() {
        DownstreamClient client = new DownstreamClient(peerName, peerUri,
                                                       settings(Duration.ofSeconds(2), 1, 2, Duration.ofSeconds(5)),
                                                       TRACER);
        for (int i = 0; i < 5; i++) {
            assertEquals(409, client.post("/conflict", Map.of(), false, budget()).status());
        }

        assertEquals(CircuitBreaker.State.CLOSED, client.circuitState());
    }

    @Test
    void aPeerThatShedsIsNeitherRetriedNorCountedAgainstItsCircuit() {
        DownstreamClient client = new DownstreamClient(peerName, peerUri,
                                                       settings(Duration.ofSeconds(2), 3, 2, Duration.ofSeconds(5)),
                                                       TRACER);
        for (int i = 0; i < 5; i++) {
            DownstreamException shed = assertThrows(DownstreamException.class, () -> client.get("/shed", budget()));
            assertEquals(DownstreamException.Kind.UNAVAILABLE, shed.kind());
            assertThat(shed.getMessage(), containsString("was shed"));
        }

        assertEquals(5, hits("GET /shed"), "a shed call is not retried: Retry-After outlasts the budget");
        assertEquals(CircuitBreaker.State.CLOSED, client.circuitState(), "a peer that sheds is alive");
    }

    // ---------------------------------------------------------------- trace propagation

    @Test
    void injectsTheActiveTraceAsW3cTraceparent() throws IOException {
        DownstreamClient client = client(Duration.ofSeconds(2), 1, Duration.ofSeconds(5));
        Span parent = TRACER.spanBuilder("process_order").start();
        String traceparent;
        String requestId;
        MDC.put(RequestId.MDC_KEY, "req-propagated-1");
        try (Scope ignored = parent.activate()) {
            DownstreamResponse response = client.get("/headers", budget());
            JsonNode headers = Json.MAPPER.readTree(response.body());
            traceparent = headers.path("traceparent").asText();
            requestId = headers.path("requestId").asText();
        } finally {
            MDC.remove(RequestId.MDC_KEY);
            parent.end();
        }

        String[] parts = traceparent.split("-");
        assertEquals(4, parts.length, traceparent);
        assertEquals("00", parts[0]);
        assertEquals(parent.context().traceId(), parts[1], "the peer continues the caller's trace");
        assertEquals("01", parts[3], "sampled");
        assertEquals("req-propagated-1", requestId, "the request id travels with the call");

        SpanData clientSpan = onlySpan(SpanKind.CLIENT);
        assertEquals(parts[2], clientSpan.getSpanId(), "the peer's parent is the CLIENT span");
        assertEquals(parent.context().spanId(), clientSpan.getParentSpanId(), "the CLIENT span is a child of the active span");
        assertEquals(parent.context().traceId(), clientSpan.getTraceId());
        assertEquals("GET /headers", clientSpan.getName());
        assertEquals("GET", clientSpan.getAttributes().get(AttributeKey.stringKey("http.request.method")));
        assertEquals("localhost", clientSpan.getAttributes().get(AttributeKey.stringKey("server.address")));
        assertEquals((long) peer.port(), clientSpan.getAttributes().get(AttributeKey.longKey("server.port")));
        assertEquals(peerName, clientSpan.getAttributes().get(AttributeKey.stringKey("peer.service")));
        assertEquals(200L, clientSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    }

    @Test
    void startsANewTraceWithoutAnActiveSpan() throws IOException {
        DownstreamClient client = client(Duration.ofSeconds(2), 1, Duration.ofSeconds(5));

        DownstreamResponse response = client.get("/headers", budget());

        String traceparent = Json.MAPPER.readTree(response.body()).path("traceparent").asText();
        assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"), traceparent);
        assertEquals("", onlySpan(SpanKind.CLIENT).getParentSpanId().replace("0", ""), "a root CLIENT span");
    }

    @Test
    void everyAttemptIsItsOwnClientSpanMarkedAsError() {
        DownstreamClient client = client(Duration.ofSeconds(2), 3, Duration.ofSeconds(5));
        Span parent = TRACER.spanBuilder("check_inventory").start();
        try (Scope ignored = parent.activate()) {
            assertThrows(DownstreamException.class, () -> client.get("/fail", budget()));
        } finally {
            parent.end();
        }

        List<SpanData> attempts = SPANS.getFinishedSpanItems().stream()
                .filter(span -> span.getKind() == SpanKind.CLIENT).toList();
        assertEquals(3, attempts.size());
        for (SpanData attempt : attempts) {
            assertEquals(io.opentelemetry.api.trace.StatusCode.ERROR, attempt.getStatus().getStatusCode());
            assertEquals(parent.context().spanId(), attempt.getParentSpanId());
            assertEquals(500L, attempt.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        }
        assertEquals(2L, attempts.get(2).getAttributes().get(AttributeKey.longKey("http.request.resend_count")));
        assertNotEquals(attempts.get(0).getSpanId(), attempts.get(1).getSpanId());
    }

    // ---------------------------------------------------------------- helpers

    private DownstreamClient client(Duration callTimeout, int maxAttempts, Duration breakerDelay) {
        // A large breaker window keeps the circuit closed in tests that are not about it.
        return new DownstreamClient(peerName, peerUri, settings(callTimeout, maxAttempts, 100, breakerDelay), TRACER);
    }

    private static DownstreamClient.Settings settings(Duration callTimeout, int maxAttempts, int breakerVolume,
                                                      Duration breakerDelay) {
        return new DownstreamClient.Settings(Duration.ofMillis(500), callTimeout, maxAttempts, Duration.ofMillis(5),
                                             breakerVolume, 50, breakerDelay, 64);
    }

    private static Deadline budget() {
        return Deadline.after(Duration.ofSeconds(10));
    }

    private static int hits(String methodAndPath) {
        return HITS.getOrDefault(methodAndPath, new AtomicInteger()).get();
    }

    private long requests(String method, String status) {
        return MetricsProbe.counter("http_client_requests_total", Map.of("peer", peerName, "method", method, "status", status));
    }

    private double circuitGauge() {
        return MetricsProbe.gauge("dependency_circuit_state", Map.of("peer", peerName));
    }

    private static SpanData onlySpan(SpanKind kind) {
        List<SpanData> spans = SPANS.getFinishedSpanItems().stream().filter(span -> span.getKind() == kind).toList();
        assertEquals(1, spans.size(), spans.toString());
        return spans.getFirst();
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition, String what) throws Exception {
        Eventually.eventually(timeout, () -> assertTrue(condition.getAsBoolean(), "timed out after " + timeout + ": " + what));
    }
}
