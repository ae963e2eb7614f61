package dev.o11yshop.loadgen;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.tracing.Tracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.o11yshop.loadgen.RateAccuracyTest.within;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.isIn;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run does besides keeping its rate: scenarios, outcomes, tracing, the cap, ramp, stop, progress, reports. */
class LoadRunTest {
    private static final Pattern PROGRESS_LINE = Pattern.compile(
            "\\[\\s*\\d+s] rate \\d+\\.\\d/\\d+\\.\\d req/s  p50 (-|\\d+\\.\\d ms)  p99 (-|\\d+\\.\\d ms)  in-flight \\d+  "
                    + "2xx \\d+ 4xx \\d+ 5xx \\d+ shed \\d+ error \\d+  cap-drops \\d+.*");
    @RegisterExtension
    static final StubShopExtension STUB = new StubShopExtension();

    @Test
    void eachScenarioCallsItsEndpointsAndGetsItsExpectedOutcome() {
        RunSummary summary = Traffic.run(Traffic.options(STUB.stub().uri(), 200, Duration.ofSeconds(2), Mix.defaults()));

        assertEquals(400, summary.sent());
        assertEquals(0, summary.total().errors(), summary.table());
        RunSummary.ScenarioStats browse = summary.scenario(Scenario.BROWSE);
        RunSummary.ScenarioStats checkout = summary.scenario(Scenario.CHECKOUT);
        RunSummary.ScenarioStats declined = summary.scenario(Scenario.DECLINED);
        RunSummary.ScenarioStats invalid = summary.scenario(Scenario.INVALID);
        assertEquals(Map.of("200", browse.requests()), browse.statuses());
        assertEquals(Map.of("201", checkout.requests()), checkout.statuses());
        assertEquals(Map.of("422", declined.requests()), declined.statuses(), "a decline is declined's expected result");
        assertEquals(Map.of("400", invalid.requests()), invalid.statuses(), "a 400 is invalid's expected result");
        assertEquals(checkout.requests(), summary.confirmedCheckouts());
        assertEquals(summary.sent(), browse.requests() + checkout.requests() + declined.requests() + invalid.requests());
        // The mix: 60/30/5/5 of 400, within what chance allows.
        assertThat((double) browse.requests(), within(240, 0.2));
        assertThat((double) checkout.requests(), within(120, 0.3));

        Map<String, Long> calls = StubShop.countByPath(STUB.stub().arrivals());
        assertEquals(browse.requests(), calls.get("GET /api/products"), "browse reads the catalog: " + calls);
        assertEquals(browse.requests(), calls.get("GET /api/products/{sku}"), "then one product: " + calls);
        assertEquals(checkout.requests() + declined.requests() + invalid.requests(), calls.get("POST /api/orders"));
    }

    @Test
    void everyActionIsARootSpanWhoseContextGoesWithItsRequests() {
        RecordingTracer tracing = new RecordingTracer();

        RunSummary summary = new LoadRun(Traffic.options(STUB.stub().uri(), 100, Duration.ofSeconds(1), Mix.defaults()),
                                         tracing.tracer(), (Consumer<String>) null).run();

        List<SpanData> spans = tracing.spans();
        assertEquals(summary.sent(), spans.size(), "one span per action");
        for (SpanData span : spans) {
            assertFalse(span.getParentSpanContext().isValid(), "a root span: " + span);
            assertThat(span.getName(), isIn(Scenario.LABELS));
            assertEquals(SpanKind.CLIENT, span.getKind());
            assertEquals(Boolean.TRUE, span.getAttributes().get(AttributeKey.booleanKey("synthetic")));
            assertEquals(span.getName(), span.getAttributes().get(AttributeKey.stringKey("scenario")));
            assertNotNull(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")), span.toString());
            assertEquals(StatusCode.UNSET, span.getStatus().getStatusCode(), "expected outcomes are not errors: " + span);
        }
        assertEquals(spans.size(), spans.stream().map(SpanData::getTraceId).distinct().count(), "a trace per action");

        Map<String, SpanData> byTrace = spans.stream().collect(Collectors.toMap(SpanData::getTraceId, span -> span));
        for (StubShop.Arrival arrival : STUB.stub().arrivals()) {
            assertNotNull(arrival.traceparent(), "traceparent on " + arrival);
            String[] parts = arrival.traceparent().split("-");
            SpanData span = byTrace.get(parts[1]);
            assertNotNull(span, "the request belongs to an action's trace: " + arrival);
            assertEquals(span.getSpanId(), parts[2], "the action's span is the parent");
            assertEquals(arrival.path().startsWith("/api/products") ? "browse" : "not browse",
                         span.getName().equals("browse") ? "browse" : "not browse", arrival.path() + " in " + span.getName());
        }

        Set<String> checkoutTraces = spans.stream()
                .filter(span -> span.getName().equals("checkout"))
                .map(SpanData::getTraceId)
                .collect(Collectors.toSet());
        assertThat(summary.sampleCheckoutTraceIds(), hasSize(Math.min(LoadRun.SAMPLE_TRACES, checkoutTraces.size())));
        assertThat(summary.sampleCheckoutTraceIds(), everyItem(isIn(checkoutTraces)));
        assertThat(summary.table(), containsString(summary.sampleCheckoutTraceIds().getFirst()));
    }

    @Test
    void unexpectedAnswersAreErrorsByStatusAndSpansAreMarked() {
        STUB.stub().answerEverythingWith(503);
        RecordingTracer tracing = new RecordingTracer();

        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

        RunSummary summary = new LoadRun(Traffic.options(STUB.stub().uri(), 50, Duration.ofSeconds(1), Mix.only(Scenario.CHECKOUT))
                                                 .withProgressInterval(Duration.ofMillis(400)),
                                         tracing.tracer(), lines::add).run();

        assertTrue(lines.stream().anyMatch(line -> line.matches(".* 5xx [1-9]\\d* .*  unexpected 503:[1-9]\\d*")), lines.toString());
        assertEquals(Map.of("503", 50L), summary.scenario(Scenario.CHECKOUT).statuses());
        assertEquals(50, summary.total().errors());
        assertEquals(0, summary.confirmedCheckouts());
        assertTrue(summary.everyRequestFailed());
        assertThat(summary.table(), containsString("503:50"));
        assertThat(summary.sampleCheckoutTraceIds(), hasSize(0));
        assertTrue(tracing.spans().stream().allMatch(span -> span.getStatus().getStatusCode() == StatusCode.ERROR));
    }

    /**
     * A 503 with Retry-After is the services' admission control turning a request away: counted as shed, apart
     * from other 5xx, in progress lines, the summary, the JSON report, /status and the metrics' outcome label.
     */
    @Test
    void shedAnswersAreCountedApartFromOther5xx() throws Exception {
        STUB.stub().shedEverything();
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        LoadRun run = new LoadRun(Traffic.options(STUB.stub().uri(), 50, Duration.ofSeconds(1), Mix.parse("browse=1,checkout=1"))
                                          .withProgressInterval(Duration.ofMillis(400)),
                                  Tracer.noOp(), lines::add);

        RunSummary summary;
        try (ControlServer control = ControlServer.start(run, 0)) {
            summary = run.run();
            String metrics = java.net.http.HttpClient.newHttpClient()
                    .send(java.net.http.HttpRequest.newBuilder(control.uri().resolve("/metrics")).build(),
                          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            Pattern shed = Pattern.compile(
                    "loadgen_requests_total\\{outcome=\"shed\",scenario=\"checkout\",[^}]*status=\"503\"[^}]*} [1-9]");
            assertTrue(shed.matcher(metrics).find(), metrics);
        }

        long checkouts = summary.scenario(Scenario.CHECKOUT).requests();
        long browses = summary.scenario(Scenario.BROWSE).requests();
        assertEquals(50, checkouts + browses);
        assertEquals(Map.of("shed", checkouts), summary.scenario(Scenario.CHECKOUT).statuses());
        assertEquals(checkouts, summary.scenario(Scenario.CHECKOUT).shed());
        assertEquals(50, summary.total().shed());
        assertEquals(1.0, summary.total().shedRatio());
        assertEquals(50, summary.total().errors(), "shed answers are still not what the user wanted");
        assertThat(summary.table(), containsString("shed:50"));
        assertThat(summary.table(), containsString("shed 50 (100.0%): answered at once with 503 and Retry-After"));
        assertEquals(50, Json.MAPPER.readTree(summary.toJson()).path("total").path("shed").asLong());
        assertTrue(lines.stream().anyMatch(line -> line.matches(".* 5xx 0 shed [1-9]\\d* error 0 .*  unexpected shed:[1-9]\\d*")),
                   lines.toString());
        Map<String, Long> classes = run.status().statuses();
        assertEquals(50L, classes.get("shed"));
        assertEquals(0L, classes.get("5xx"));
        assertEquals(Map.of("shed", checkouts), run.status().scenarios().get("checkout"));
    }

    @Test
    void noAnswerIsCountedAsError() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = URI.create("http://localhost:" + socket.getLocalPort());
        }

        RunSummary summary = Traffic.run(Traffic.options(closed, 20, Duration.ofMillis(500), Mix.defaults()));

        assertEquals(10, summary.sent());
        assertEquals(Map.of("error", 10L), summary.total().statuses());
        assertTrue(summary.everyRequestFailed());
    }

    @Test
    void answersSlowerThanTheRequestTimeoutAreErrors() {
        STUB.stub().delay(Duration.ofSeconds(3));
        long start = System.nanoTime();

        RunSummary summary = Traffic.run(Traffic.options(STUB.stub().uri(), 20, Duration.ofMillis(500), Mix.only(Scenario.CHECKOUT))
                                                 .withRequestTimeout(Duration.ofMillis(300)));

        assertThat("the run did not wait for the slow answers", Duration.ofNanos(System.nanoTime() - start),
                   lessThan(Duration.ofSeconds(2)));
        assertEquals(Map.of("error", 10L), summary.total().statuses());
        assertEquals(0, summary.unfinished());
        assertThat(summary.total().maxMillis(), lessThan(1000.0));
    }

    @Test
    void arrivalsBeyondTheConcurrencyCapAreDroppedAndReported() {
        STUB.stub().delay(Duration.ofSeconds(2));
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        TrafficOptions options = Traffic.options(STUB.stub().uri(), 50, Duration.ofSeconds(1), Mix.only(Scenario.CHECKOUT))
                .withMaxConcurrency(5)
                .withProgressInterval(Duration.ofMillis(500));

        RunSummary summary = new LoadRun(options, Tracer.noOp(), lines::add).run();

        assertEquals(5, summary.sent(), summary.table());
        assertEquals(45, summary.droppedByCap());
        assertThat(STUB.stub().maxInProgress(), lessThanOrEqualTo(5));
        assertThat(summary.table(), containsString("dropped by concurrency cap 45"));
        assertThat(summary.table(), containsString("raise --max-concurrency"));
        assertThat(summary.toJson(), containsString("\"droppedByCap\" : 45"));
        assertThat(lines.toString(), containsString("(max-concurrency 5 reached)"));
    }

    @Test
    void rampGrowsTheRateLinearly() {
        RunSummary summary = Traffic.run(Traffic.options(STUB.stub().uri(), 200, Duration.ofSeconds(2), Mix.only(Scenario.CHECKOUT))
                                                 .withRamp(Duration.ofSeconds(2)));

        // Arrivals by t are 200 * t^2 / (2 * 2 s): 50 in the first second, 200 by the end.
        assertThat((double) summary.sent(), within(200, 0.02));
        List<StubShop.Arrival> orders = STUB.stub().arrivals("POST", "/api/orders");
        long start = orders.stream().mapToLong(StubShop.Arrival::nanos).min().orElseThrow();
        long[] perSecond = StubShop.perSecond(orders, start, 2);
        assertThat("first second of the ramp", (double) perSecond[0], within(50, 0.15));
        assertThat("second second of the ramp", (double) perSecond[1], within(150, 0.1));
    }

    @Test
    void stopEndsARunWithoutDurationAndTheSummaryCoversTheTimeRun() throws Exception {
        LoadRun run = new LoadRun(Traffic.options(STUB.stub().uri(), 100, Duration.ZERO, Mix.defaults()), Tracer.noOp(),
                                  (Consumer<String>) null);
        CompletableFuture<RunSummary> result = CompletableFuture.supplyAsync(run::run);
        Await.until(Duration.ofSeconds(10), () -> STUB.stub().arrivals().size() >= 100, () -> STUB.stub().arrivals().size() + " arrivals");
        assertFalse(result.isDone(), "runs until stopped");

        run.stop();

        RunSummary summary = result.get(15, TimeUnit.SECONDS);
        assertThat(summary.elapsed(), lessThan(Duration.ofSeconds(10)));
        assertThat(summary.elapsed(), greaterThan(Duration.ofMillis(500)));
        assertThat(summary.achievedRate(), within(100, 0.1));
        assertEquals(summary.sent(), summary.total().requests(), "the actions in flight were waited for");
        assertEquals(0, run.inFlight());
        assertThrows(IllegalStateException.class, run::run, "a run runs once");
    }

    @Test
    void progressLinesReportRateLatencyAndOutcomes() {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        TrafficOptions options = Traffic.options(STUB.stub().uri(), 100, Duration.ofMillis(1700), Mix.defaults())
                .withProgressInterval(Duration.ofMillis(500));

        new LoadRun(options, Tracer.noOp(), lines::add).run();

        assertThat(lines.size(), greaterThanOrEqualTo(3));
        for (String line : lines) {
            assertTrue(PROGRESS_LINE.matcher(line).matches(), line);
            assertThat(line, containsString("/100.0 req/s"));
        }
    }

    @Test
    void jsonReportHoldsTheSummary() throws Exception {
        RunSummary summary = Traffic.run(Traffic.options(STUB.stub().uri(), 100, Duration.ofSeconds(1), Mix.defaults()));

        JsonNode report = Json.MAPPER.readTree(summary.toJson());
        assertEquals(100.0, report.get("targetRate").asDouble());
        assertEquals(summary.sent(), report.get("sent").asLong());
        assertEquals(summary.achievedRate(), report.get("achievedRate").asDouble(), 0.001);
        assertEquals(60.0, report.get("mix").get("browse").asDouble());
        assertEquals(summary.confirmedCheckouts(), report.get("confirmedCheckouts").asLong());
        JsonNode checkout = report.get("scenarios").get("checkout");
        assertEquals(summary.scenario(Scenario.CHECKOUT).requests(), checkout.get("requests").asLong());
        assertEquals(summary.scenario(Scenario.CHECKOUT).p99Millis(), checkout.get("latencyMs").get("p99").asDouble(), 0.001);
        assertEquals(summary.confirmedCheckouts(), checkout.get("statuses").get("201").asLong());
        assertEquals(summary.total().requests(), report.get("total").get("requests").asLong());
        assertTrue(report.get("schedulerLagMs").has("p99"));
    }

    @Test
    void optionsAreValidatedWithClearMessages() {
        URI url = STUB.stub().uri();
        TrafficOptions valid = Traffic.options(url, 10, Duration.ofSeconds(1), Mix.defaults());
        assertThat(assertThrows(IllegalArgumentException.class, () -> valid.withRate(0)).getMessage(),
                   containsString("rate must be a number from 0.1 to 100000"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> valid.withRate(Double.NaN)).getMessage(),
                   containsString("rate must be"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> valid.withMaxConcurrency(0)).getMessage(),
                   containsString("maxConcurrency must be at least 1"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> valid.withDuration(Duration.ofSeconds(-1))).getMessage(),
                   containsString("duration must not be negative"));
        assertThat(assertThrows(IllegalArgumentException.class,
                                () -> valid.withTargets(URI.create("ftp://x"), url)).getMessage(),
                   containsString("orderUrl must be an absolute http(s) URL"));
        assertThat(assertThrows(IllegalArgumentException.class,
                                () -> valid.withTargets(url, URI.create("/relative"))).getMessage(),
                   containsString("inventoryUrl must be an absolute http(s) URL"));
        assertEquals(URI.create("http://shop.example:8081"), TrafficOptions.inventoryFor(URI.create("http://shop.example:8080/")));
        LoadRun run = new LoadRun(valid, Tracer.noOp(), (Consumer<String>) null);
        assertThrows(IllegalArgumentException.class, () -> run.setRate(-1));
        assertThrows(IllegalArgumentException.class, () -> run.setRate(100_001));
    }
}
