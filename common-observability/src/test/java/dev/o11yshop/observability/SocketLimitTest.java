package dev.o11yshop.observability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The socket's backstop of admission control ({@link AdmissionControl#socketLimit()}, wired in {@code ShopServer}):
 * past it Helidon sheds a request before routing, and {@link ProblemDirectHandlers} answers the same overloaded
 * problem with {@code Retry-After}, counted under reason {@code socket_limit}.
 */
@ServerTest
class SocketLimitTest {
    private static final CountDownLatch HELD = new CountDownLatch(1);
    private static final CountDownLatch RELEASE = new CountDownLatch(1);

    private final URI base;

    SocketLimitTest(WebServer server) {
        this.base = URI.create("http://localhost:" + server.port());
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false)
                .maxConcurrentRequests(1)
                .directHandlers(ProblemDirectHandlers.create());
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.get("/hold", (req, res) -> {
            HELD.countDown();
            assertTrue(RELEASE.await(30, TimeUnit.SECONDS), "never released");
            res.send("done");
        });
    }

    @Test
    void pastTheSocketLimitAnswersAFastProblemWithRetryAfter() throws Exception {
        long shedBefore = MetricsProbe.counter("http_requests_rejected_total", Map.of("reason", "socket_limit"));
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            CompletableFuture<HttpResponse<String>> held = http.sendAsync(
                    HttpRequest.newBuilder(base.resolve("/hold")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(HELD.await(10, TimeUnit.SECONDS), "the first request never reached its handler");

            HttpResponse<String> shed = http.send(
                    HttpRequest.newBuilder(base.resolve("/hold")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            RELEASE.countDown();

            assertEquals(503, shed.statusCode(), shed.body());
            assertEquals(ProblemHandlers.PROBLEM_JSON, shed.headers().firstValue("content-type").orElse(""));
            assertEquals("1", shed.headers().firstValue("retry-after").orElse(""), "Retry-After");
            assertTrue(shed.body().contains(Problem.TYPE_BASE + "overloaded"), shed.body());
            assertEquals(shedBefore + 1,
                         MetricsProbe.counter("http_requests_rejected_total", Map.of("reason", "socket_limit")));
            assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode(), "the held request still completes");
        }
    }
}
