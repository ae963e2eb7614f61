package dev.o11yshop.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.tracing.Tracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.o11yshop.loadgen.RateAccuracyTest.within;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Live control on the admin port: rate and mix change while traffic runs; bad input is a 400 problem; metrics. */
class ControlServerTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    @RegisterExtension
    static final StubShopExtension STUB = new StubShopExtension();

    private LoadRun run;
    private ControlServer control;
    private CompletableFuture<RunSummary> result;

    @BeforeEach
    void startRun() {
        STUB.stub().reset();
        run = new LoadRun(Traffic.options(STUB.stub().uri(), 20, Duration.ZERO, Mix.only(Scenario.CHECKOUT)), Tracer.noOp(),
                          (Consumer<String>) null);
        control = ControlServer.start(run, 0);
        result = CompletableFuture.supplyAsync(run::run);
        Await.until(Duration.ofSeconds(10), () -> STUB.stub().arrivals().size() >= 5, () -> STUB.stub().arrivals().size() + " arrivals");
    }

    @AfterEach
    void stopRun() throws Exception {
        run.stop();
        try {
            result.get(20, TimeUnit.SECONDS);
        } finally {
            control.close();
        }
    }

    @Test
    void putRateChangesTheAchievedRateWithinSeconds() throws Exception {
        double before = arrivalsPerSecondOver(Duration.ofSeconds(2));

        HttpResponse<String> put = send("PUT", "/rate", "{\"rate\": 100}");

        assertEquals(200, put.statusCode(), put.body());
        assertEquals(100.0, Json.MAPPER.readTree(put.body()).get("targetRate").asDouble());
        double after = arrivalsPerSecondOver(Duration.ofSeconds(2));
        System.out.printf("live control: %.1f arrivals/s at 20/s, %.1f arrivals/s in the 2 s after PUT /rate 100%n",
                          before, after);
        assertThat(before, within(20, 0.2));
        assertThat(after, within(100, 0.1));
        JsonNode status = Json.MAPPER.readTree(send("GET", "/status", null).body());
        assertEquals("running", status.get("state").asText());
        assertEquals(100.0, status.get("targetRate").asDouble());
        assertEquals(100.0, Json.MAPPER.readTree(send("GET", "/rate", null).body()).get("rate").asDouble());
    }

    @Test
    void putMixChangesTheScenariosOfNewArrivals() throws Exception {
        HttpResponse<String> put = send("PUT", "/mix", "{\"browse\": 1}");

        assertEquals(200, put.statusCode(), put.body());
        long changed = System.nanoTime();
        Await.until(Duration.ofSeconds(5), () -> STUB.stub().arrivals("GET", "/api/products").size() >= 10,
                    () -> StubShop.countByPath(STUB.stub().arrivals()).toString());
        // Allow for an order already on its way when the mix changed.
        long ordersAfter = STUB.stub().arrivals("POST", "/api/orders").stream()
                .filter(a -> a.nanos() > changed + Duration.ofMillis(100).toNanos())
                .count();
        assertEquals(0, ordersAfter, "no checkout after the mix became browse only");
        JsonNode mix = Json.MAPPER.readTree(send("GET", "/mix", null).body());
        assertEquals(1.0, mix.get("browse").asDouble());
        assertEquals(0.0, mix.get("checkout").asDouble());
    }

    @Test
    void badMixesAndRatesAreProblemsNamingTheField() throws Exception {
        assertProblem(send("PUT", "/mix", "{\"browse\": 1, \"shopping\": 2}"), "shopping", "is not a scenario");
        assertProblem(send("PUT", "/mix", "{\"browse\": -1}"), "browse", "must be a number from 0 to 1000000");
        assertProblem(send("PUT", "/mix", "{\"browse\": \"lots\"}"), "browse", "must be a number");
        assertProblem(send("PUT", "/mix", "{\"browse\": 0}"), "body", "positive weight");
        assertProblem(send("PUT", "/mix", "[1, 2]"), "body", "must be a JSON object");
        assertProblem(send("PUT", "/rate", "{\"rate\": \"fast\"}"), "rate", "must be a number");
        assertProblem(send("PUT", "/rate", "{\"rate\": 0}"), "rate", "must be a number from 0.1 to 100000");
        assertProblem(send("PUT", "/rate", "{\"rate\": 1e9}"), "rate", "must be a number from 0.1 to 100000");
        assertProblem(send("PUT", "/rate", "{}"), "rate", "is required");
        assertProblem(send("PUT", "/rate", "{\"rate\": "), "body", "malformed JSON");
        assertProblem(send("PUT", "/rate", ""), "body", "is required");
        assertUnchanged();
    }

    /** Every value a JSON number can spell that is not a usable rate is a 400 naming {@code rate}, never a 500. */
    @ParameterizedTest
    @ValueSource(strings = {"NaN", "Infinity", "-Infinity", "-1", "-0.0", "0.09", "1e-300", "4.9e-324", "100000.5", "1e400",
            "123456789012345678901234567890", "true", "null", "[20]", "{\"perSecond\": 20}"})
    void everyBadRateIsAProblemNamingTheRate(String rate) throws Exception {
        HttpResponse<String> response = send("PUT", "/rate", "{\"rate\": " + rate + "}");

        assertProblem(response, "rate", rate.equals("null") ? "is required" : "must be a number");
        assertUnchanged();
    }

    @Test
    void theBoundsOfTheRateAreAccepted() throws Exception {
        assertEquals(200, send("PUT", "/rate", "{\"rate\": 0.1}").statusCode());
        assertEquals(0.1, run.targetRate());
        assertEquals(200, send("PUT", "/rate", "{\"rate\": 100000}").statusCode());
        assertEquals(100_000.0, run.targetRate());
        // Back to a rate the stub takes in its stride before the next test.
        assertEquals(200, send("PUT", "/rate", "{\"rate\": 20}").statusCode());
    }

    /** Weights that are not numbers from 0 to 1e6, or that sum to 0, are a 400 naming the weight, never a 500. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"browse\": 1.7e308, \"checkout\": 1.7e308}|browse|must be a number from 0 to 1000000",
            "{\"browse\": NaN}|browse|must be a number from 0 to 1000000",
            "{\"browse\": 1, \"checkout\": Infinity}|checkout|must be a number from 0 to 1000000",
            "{\"checkout\": -Infinity}|checkout|must be a number from 0 to 1000000",
            "{\"invalid\": -0.5, \"browse\": 1}|invalid|must be a number from 0 to 1000000",
            "{\"declined\": 1e400}|declined|must be a number from 0 to 1000000",
            "{\"browse\": 1000001}|browse|must be a number from 0 to 1000000",
            "{\"browse\": null}|browse|must be a number",
            "{\"browse\": [1]}|browse|must be a number",
            "{\"browse\": 0, \"checkout\": 0}|body|positive weight",
            "{}|body|positive weight"})
    void everyBadMixIsAProblemNamingTheWeight(String mix, String field, String message) throws Exception {
        assertProblem(send("PUT", "/mix", mix), field, message);
        assertUnchanged();
    }

    @Test
    void theLargestWeightsAreAccepted() throws Exception {
        HttpResponse<String> put = send("PUT", "/mix", "{\"browse\": 1000000, \"checkout\": 1000000, \"declined\": 1000000, "
                + "\"invalid\": 1000000}");

        assertEquals(200, put.statusCode(), put.body());
        assertEquals(0.25, run.mix().share(Scenario.CHECKOUT));
    }

    private void assertUnchanged() {
        assertEquals(20.0, run.targetRate(), "the rate did not change");
        assertEquals(Mix.only(Scenario.CHECKOUT), run.mix(), "the mix did not change");
        assertEquals("running", run.status().state(), "the run goes on");
    }

    @Test
    void metricsShowTheClientSideRedMetrics() throws Exception {
        Await.until(Duration.ofSeconds(5), () -> run.status().completed() >= 5, () -> run.status().toString());

        HttpResponse<String> metrics = send("GET", "/metrics", null);

        assertEquals(200, metrics.statusCode());
        String text = metrics.body();
        assertThat(text, containsString("# TYPE loadgen_requests_total counter"));
        assertThat(text, containsString("loadgen_requests_total{outcome=\"ok\",scenario=\"checkout\""));
        assertThat(text, containsString("status=\"201\""));
        assertThat(text, containsString("loadgen_request_duration_seconds_bucket{"));
        assertThat(text, containsString("loadgen_target_rate"));
        assertThat(text, containsString("loadgen_in_flight"));
        assertThat(text, containsString("loadgen_dropped_total{reason=\"concurrency_cap\""));
        assertEquals(200, send("GET", "/health/live", null).statusCode());
    }

    /** Arrivals at the stub per second over the next {@code window}. */
    private static double arrivalsPerSecondOver(Duration window) {
        long from = System.nanoTime();
        long to = from + window.toNanos();
        Await.until(window.plusSeconds(1), () -> System.nanoTime() >= to, () -> "window end");
        long count = STUB.stub().arrivals().stream().filter(a -> a.nanos() >= from && a.nanos() < to).count();
        return count / (window.toNanos() / 1e9);
    }

    private static void assertProblem(HttpResponse<String> response, String field, String message) throws IOException {
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = Json.MAPPER.readTree(response.body());
        assertEquals(400, problem.get("status").asInt());
        assertEquals(field, problem.get("errors").get(0).get("field").asText(), response.body());
        assertThat(problem.get("errors").get(0).get("message").asText(), containsString(message));
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(control.uri() + path)).timeout(Duration.ofSeconds(10));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
