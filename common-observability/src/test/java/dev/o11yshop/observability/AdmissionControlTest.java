package dev.o11yshop.observability;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission control behind the production observability filter, with a bound of one so that a single request held
 * inside its handler fills the service. Run in memory ({@link AdmissionControlRoutingTest}) and over a socket
 * ({@link AdmissionControlServerTest}).
 */
abstract class AdmissionControlTest {
    /** One admission control for both subclasses: the bound under test. */
    static final AdmissionControl ADMISSION = new AdmissionControl(new AdmissionControl.Settings(1));

    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);

    private final Http1Client client;

    AdmissionControlTest(Http1Client client) {
        this.client = client;
    }

    static void setUpRoute(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.api(routing);
        routing.register("/held", RouteTemplates.recorded("/held", new HeldService(), ADMISSION));
    }

    /** {@code /held/slow} waits inside its handler until the test lets it go; the others answer at once. */
    static final class HeldService implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            rules.get("/slow", (req, res) -> {
                entered.countDown();
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the held request");
                }
                res.send("slow done");
            })
                    .get("/fast", (req, res) -> res.send("fast done"))
                    .get("/broken", (req, res) -> {
                        throw new IllegalStateException("handler failed on purpose");
                    });
        }
    }

    @BeforeEach
    void freshLatches() {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    @AfterEach
    void releaseAndSettle() throws Exception {
        release.countDown();
        eventually(() -> assertEquals(0, ADMISSION.inProgress(), "permits held after the test"));
        TestObservability.settle();
    }

    @Test
    void pastTheBoundARequestIsShedAtOnceWithRetryAfterAndCounted() throws Exception {
        long rejectedBefore = rejected();
        long shedCountedBefore = requests("/held/fast", "503");

        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> text(client, "/held/slow"));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the first request never reached its handler");
        assertEquals(1, ADMISSION.inProgress());

        long start = System.nanoTime();
        try (Http1ClientResponse shed = client.get("/held/fast").request()) {
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            String body = shed.as(String.class);
            assertEquals(503, shed.status().code(), body);
            assertEquals("1", shed.headers().first(HeaderNames.RETRY_AFTER).orElse(null), "Retry-After");
            assertThat(shed.headers().first(HeaderNames.CONTENT_TYPE).orElse(""), startsWith(ProblemHandlers.PROBLEM_JSON));
            assertTrue(shed.headers().first(RequestId.HEADER).isPresent(), "X-Request-ID on a shed answer");
            JsonNode problem = Json.MAPPER.readTree(body);
            assertEquals(Problem.TYPE_BASE + "overloaded", problem.path("type").asText());
            assertEquals(503, problem.path("status").asInt());
            assertTrue(problem.path("requestId").isTextual(), body);
            assertThat("a shed answer does not wait for the held request", millis, lessThan(5_000L));
        }
        assertEquals(rejectedBefore + 1, rejected());

        release.countDown();
        assertEquals("slow done", held.get(10, TimeUnit.SECONDS));
        eventually(() -> assertEquals(0, ADMISSION.inProgress()));
        assertEquals("fast done", text(client, "/held/fast"), "admitted again once the held request is done");
        TestObservability.settle();
        assertThat("the shed request is counted under its route with status 503",
                   requests("/held/fast", "503"), greaterThan(shedCountedBefore));
    }

    @Test
    void aHandlerThatThrowsGivesItsPermitBack() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Http1ClientResponse response = client.get("/held/broken").request()) {
                assertEquals(500, response.status().code());
            }
            eventually(() -> assertEquals(0, ADMISSION.inProgress()));
        }
        assertEquals("fast done", text(client, "/held/fast"));
    }

    @Test
    void everyReasonIsASeriesFromTheStart() {
        for (AdmissionControl.Reason reason : AdmissionControl.Reason.values()) {
            assertEquals(1, MetricsProbe.meters("http_requests_rejected_total", Map.of("reason", reason.label())).size(),
                         reason.label());
        }
    }

    @Test
    void theBoundIsReadOnceFromConfigWithADefault() {
        assertEquals(AdmissionControl.Settings.DEFAULT_MAX_CONCURRENT_REQUESTS,
                     AdmissionControl.Settings.from(Config.empty()).maxConcurrentRequests());
        assertEquals(7, AdmissionControl.Settings.from(config("7")).maxConcurrentRequests());
        assertThrows(IllegalArgumentException.class, () -> AdmissionControl.Settings.from(config("0")));
    }

    private static Config config(String max) {
        return Config.just(ConfigSources.create(Map.of("max.concurrent.requests", max)));
    }

    private static long rejected() {
        return MetricsProbe.counter("http_requests_rejected_total", Map.of("reason", "concurrency_limit"));
    }

    private static long requests(String endpoint, String status) {
        return MetricsProbe.counter("http_requests_total", Map.of("method", "GET", "endpoint", endpoint, "status", status));
    }

    private static String text(Http1Client client, String path) {
        try (Http1ClientResponse response = client.get(path).request()) {
            String body = response.as(String.class);
            assertEquals(200, response.status().code(), body);
            return body;
        }
    }
}
