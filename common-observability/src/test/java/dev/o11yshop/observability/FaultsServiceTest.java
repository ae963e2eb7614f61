package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code GET|PUT|DELETE /faults} on the admin socket, and what the faults do to the API socket. */
@RoutingTest
class FaultsServiceTest {
    private final DirectClient api;
    private final DirectClient admin;

    FaultsServiceTest(DirectClient api, @Socket("admin") DirectClient admin) {
        this.api = api;
        this.admin = admin;
    }

    @SetUpRoute
    static void api(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.api(routing);
        TestObservability.OBSERVABILITY.register(routing, "/ping", rules -> rules.get("/", (req, res) -> res.send("pong")));
    }

    @SetUpRoute("admin")
    static void admin(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.admin(routing);
    }

    @AfterEach
    void clearFaults() {
        JsonNode cleared = call(admin.delete("/faults"), null, 200);
        assertEquals(0.0, cleared.path("errorRate").asDouble());
        assertEquals(Faults.NONE, TestObservability.OBSERVABILITY.faults().current());
    }

    @Test
    void showsTheCurrentFaults() {
        JsonNode faults = call(admin.get("/faults"), null, 200);

        assertEquals(0.0, faults.path("errorRate").asDouble());
        assertEquals(0, faults.path("latencyMs").asLong());
        assertEquals(0, faults.path("latencyJitterMs").asLong());
        assertEquals(false, faults.path("unavailable").asBoolean());
    }

    @Test
    void putReplacesEverySetting() {
        put("{\"errorRate\":0.5,\"latencyMs\":10,\"latencyJitterMs\":5,\"unavailable\":false}", 200);

        JsonNode replaced = put("{\"latencyMs\":20}", 200);

        assertEquals(0.0, replaced.path("errorRate").asDouble(), "an omitted field is off");
        assertEquals(20, replaced.path("latencyMs").asLong());
        assertEquals(0, replaced.path("latencyJitterMs").asLong());
        assertEquals(new Faults(0, 20, 0, false), TestObservability.OBSERVABILITY.faults().current());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"errorRate\":2}                          | errorRate",
            "{\"errorRate\":-1}                         | errorRate",
            "{\"errorRate\":1e400}                      | errorRate",
            "{\"errorRate\":\"0.5\"}                    | errorRate",
            "{\"latencyMs\":-1}                         | latencyMs",
            "{\"latencyMs\":60001}                      | latencyMs",
            "{\"latencyMs\":99999999999999999999999}    | latencyMs",
            "{\"latencyJitterMs\":-1}                   | latencyJitterMs",
            "{\"unavailable\":1}                        | unavailable",
            "[]                                         | body",
            "{\"errorRate\"                             | body"})
    void rejectsInvalidSettingsNamingTheField(String json, String field) {
        put("{\"latencyJitterMs\":3}", 200);

        JsonNode problem = put(json, 400);

        assertEquals(Problem.TYPE_BASE + "validation", problem.path("type").asText());
        List<String> fields = new ArrayList<>();
        problem.path("errors").forEach(error -> fields.add(error.path("field").asText()));
        assertEquals(List.of(field), fields);
        assertEquals(new Faults(0, 0, 3, false), TestObservability.OBSERVABILITY.faults().current(),
                     "an invalid PUT changes nothing");
    }

    @Test
    void errorRateOneFailsEveryApiRequestAndShowsInTheGauge() {
        put("{\"errorRate\":1}", 200);

        assertEquals(1.0, MetricsProbe.gauge("fault_injection_active", Map.of("fault", "error_rate")));
        for (int i = 0; i < 10; i++) {
            JsonNode problem = call(api.get("/ping"), null, 500);
            assertEquals(Problem.TYPE_BASE + "injected-error", problem.path("type").asText());
        }
        assertEquals(1.0, call(admin.get("/faults"), null, 200).path("errorRate").asDouble(), "the admin socket has no faults");
    }

    @Test
    void latencyDelaysApiRequests() {
        put("{\"latencyMs\":150}", 200);
        assertEquals(1.0, MetricsProbe.gauge("fault_injection_active", Map.of("fault", "latency")));

        long start = System.nanoTime();
        assertEquals("pong", callText(api.get("/ping")));

        assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis(), greaterThanOrEqualTo(150L));
    }

    @Test
    void unavailableAnswers503() {
        put("{\"unavailable\":true}", 200);
        assertEquals(1.0, MetricsProbe.gauge("fault_injection_active", Map.of("fault", "unavailable")));

        JsonNode problem = call(api.get("/ping"), null, 503);

        assertEquals(Problem.TYPE_BASE + "injected-unavailable", problem.path("type").asText());
    }

    @Test
    void faultsApplyToMatchedRoutesOnly() {
        put("{\"unavailable\":true}", 200);

        JsonNode problem = call(api.get("/no/such/route"), null, 404);

        assertEquals(Problem.TYPE_BASE + "not-found", problem.path("type").asText());
    }

    @Test
    void injectedFaultsAreCountedUnderTheirRoute() {
        put("{\"errorRate\":1}", 200);
        TestObservability.settle();
        long before = MetricsProbe.counter("http_requests_total", Map.of("method", "GET", "endpoint", "/ping", "status", "500"));

        JsonNode problem = call(api.get("/ping"), null, 500);

        assertEquals(Problem.TYPE_BASE + "injected-error", problem.path("type").asText());
        assertTrue(problem.path("requestId").isTextual(), problem.toString());
        assertTrue(problem.path("traceId").asText().matches("[0-9a-f]{32}"), problem.toString());
        TestObservability.settle();
        assertThat(MetricsProbe.counter("http_requests_total", Map.of("method", "GET", "endpoint", "/ping", "status", "500")),
                   greaterThan(before));
    }

    @Test
    void gaugesAreZeroWithoutFaults() {
        for (String fault : List.of("error_rate", "latency", "unavailable")) {
            assertEquals(0.0, MetricsProbe.gauge("fault_injection_active", Map.of("fault", fault)), fault);
        }
    }

    private JsonNode put(String json, int status) {
        return call(admin.put("/faults").header(HeaderNames.CONTENT_TYPE, "application/json"), json, status);
    }

    private static JsonNode call(Http1ClientRequest request, String body, int status) {
        try (Http1ClientResponse response = body == null ? request.request() : request.submit(body)) {
            String text = response.as(String.class);
            assertEquals(status, response.status().code(), text);
            assertThat(response.headers().first(HeaderNames.CONTENT_TYPE).orElse(""),
                       startsWith(status >= 400 ? ProblemHandlers.PROBLEM_JSON : "application/json"));
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String callText(Http1ClientRequest request) {
        try (Http1ClientResponse response = request.request()) {
            assertEquals(200, response.status().code());
            return response.as(String.class);
        }
    }
}
