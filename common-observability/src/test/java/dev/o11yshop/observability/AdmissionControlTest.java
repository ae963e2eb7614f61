package dev.o11yshop.observability;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import org.slf4j.LoggerFactory;

/**
 * Admission control behind the production observability filter, with a bound of one so that a single request held
 * inside its handler fills the service. Run in memory ({@link AdmissionControlRoutingTest}) and over a socket
 * ({@link AdmissionControlServerTest}).
 */
abstract class AdmissionControlTest {
    /** The routes of {@link HeldService}, which the admission control under test bounds. */
    static final RouteTemplates.Table HELD_ROUTES = new RouteTemplates.Table();
    /** One admission control for both subclasses: the bound under test. */
    static final AdmissionControl ADMISSION = new AdmissionControl(new AdmissionControl.Settings(1), HELD_ROUTES);
    /** Callers of held requests: a thread each (the common pool may have one thread, which the first would hold). */
    private static final Executor CALLERS = Executors.newVirtualThreadPerTaskExecutor();
    /** The scheduler lag that {@link #LAGGING} sees. */
    static final AtomicLong LAG_NANOS = new AtomicLong();
    static final RouteTemplates.Table LAGGING_ROUTES = new RouteTemplates.Table();
    /** Bound 16, so lag sheds only past 2 requests in progress, and only past 100 ms of lag. */
    static final AdmissionControl LAGGING = new AdmissionControl(
            new AdmissionControl.Settings(16, Duration.ofMillis(100)), LAGGING_ROUTES, LAG_NANOS::get);

    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);

    private final Http1Client client;

    AdmissionControlTest(Http1Client client) {
        this.client = client;
    }

    static void setUpRoute(HttpRouting.Builder routing) {
        routing.addFilter(ADMISSION);
        routing.addFilter(LAGGING);
        TestObservability.OBSERVABILITY.api(routing);
        routing.register("/held", RouteTemplates.recorded("/held", new HeldService(), RouteTemplates.Interceptor.NONE,
                                                          HELD_ROUTES));
        routing.register("/lagging", RouteTemplates.recorded("/lagging", new HeldService(),
                                                             RouteTemplates.Interceptor.NONE, LAGGING_ROUTES));
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
        LAG_NANOS.set(0);
        release.countDown();
        eventually(() -> assertEquals(0, ADMISSION.inProgress(), "permits held after the test"));
        eventually(() -> assertEquals(0, LAGGING.inProgress(), "permits held after the test"));
        TestObservability.settle();
    }

    @Test
    void pastTheBoundARequestIsShedAtOnceWithRetryAfterAndCounted() throws Exception {
        long rejectedBefore = rejected("concurrency_limit");
        long shedCountedBefore = requests("/held/fast", "503");

        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> text(client, "/held/slow"), CALLERS);
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the first request never reached its handler");
        assertEquals(1, ADMISSION.inProgress());

        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logged);
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
        assertEquals(rejectedBefore + 1, rejected("concurrency_limit"));
        root.detachAppender(logged);
        List<String> messages = logged.list.stream().map(ILoggingEvent::getMessage).toList();
        assertFalse(messages.contains("request_completed"), "a shed request costs no log line of its own: " + messages);
        assertTrue(messages.isEmpty() || messages.equals(List.of("requests_shed")),
                   "at most one summary line per interval: " + messages);

        release.countDown();
        assertEquals("slow done", held.get(10, TimeUnit.SECONDS));
        eventually(() -> assertEquals(0, ADMISSION.inProgress()));
        assertEquals("fast done", text(client, "/held/fast"), "admitted again once the held request is done");
        TestObservability.settle();
        assertThat("the shed request is counted under its route with status 503",
                   requests("/held/fast", "503"), greaterThan(shedCountedBefore));
    }

    @Test
    void whileTheCpuIsSaturatedRequestsPastTheFloorAreShed() throws Exception {
        LAG_NANOS.set(Duration.ofSeconds(1).toNanos());
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> text(client, "/lagging/slow"), CALLERS);
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the first request never reached its handler");
        assertEquals("fast done", text(client, "/lagging/fast"), "up to the floor, lag sheds nothing");
        // The answer may reach us before the server has given the permit back.
        eventually(() -> assertEquals(1, LAGGING.inProgress()));

        entered = new CountDownLatch(1);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> text(client, "/lagging/slow"), CALLERS);
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the second request never reached its handler");
        assertEquals(2, LAGGING.inProgress());
        long shedBefore = rejected("scheduler_lag");
        long limitedBefore = rejected("concurrency_limit");
        try (Http1ClientResponse shed = client.get("/lagging/fast").request()) {
            String body = shed.as(String.class);
            assertEquals(503, shed.status().code(), body);
            assertEquals("1", shed.headers().first(HeaderNames.RETRY_AFTER).orElse(null), "Retry-After");
            assertEquals(Problem.TYPE_BASE + "overloaded", Json.MAPPER.readTree(body).path("type").asText());
        }
        assertEquals(shedBefore + 1, rejected("scheduler_lag"));
        assertEquals(limitedBefore, rejected("concurrency_limit"), "16 permits were free: not the bound");
        assertEquals(2, LAGGING.inProgress(), "a request shed for lag gives its permit back");

        LAG_NANOS.set(0);
        assertEquals("fast done", text(client, "/lagging/fast"), "admitted again once the lag is gone");
        release.countDown();
        assertEquals("slow done", first.get(10, TimeUnit.SECONDS));
        assertEquals("slow done", second.get(10, TimeUnit.SECONDS));
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
        assertEquals(AdmissionControl.Settings.DEFAULT_MAX_SCHEDULER_LAG,
                     AdmissionControl.Settings.from(Config.empty()).maxSchedulerLag());
        assertEquals(Duration.ofMillis(250), AdmissionControl.Settings.from(Config.just(ConfigSources.create(
                Map.of("max.scheduler.lag.ms", "250")))).maxSchedulerLag());
        assertThrows(IllegalArgumentException.class, () -> AdmissionControl.Settings.from(Config.just(ConfigSources.create(
                Map.of("max.scheduler.lag.ms", "-1")))));
        assertEquals(7, AdmissionControl.Settings.from(config("7")).maxConcurrentRequests());
        assertThrows(IllegalArgumentException.class, () -> AdmissionControl.Settings.from(config("0")));
    }

    private static Config config(String max) {
        return Config.just(ConfigSources.create(Map.of("max.concurrent.requests", max)));
    }

    private static long rejected(String reason) {
        return MetricsProbe.counter("http_requests_rejected_total", Map.of("reason", reason));
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
