package dev.o11yshop.systemtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.ServiceProcess;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM to order-service while keep-alive clients are mid-checkout against a slow payment-service. Each client
 * keeps its connection and sends its next checkout as soon as it has an answer, until an answer says
 * {@code Connection: close} (what a client behind a load balancer does: its next connection goes to another
 * pod). No client may see an error, no compensation may fail, and the service must report nothing unfinished.
 */
class ShutdownIT {
    private static final int CLIENTS = 8;
    private static final int PAYMENT_LATENCY_MS = 700;

    @Test
    void sigtermUnderKeepAliveLoadCutsNoCheckout() throws Exception {
        try (LocalPlatform platform = Platform.start("shutdown", Map.of())) {
            ShopClient admin = new ShopClient();
            assertEquals(200, admin.send("PUT", platform.payment().admin().resolve("/faults"),
                                         "{\"latencyMs\": " + PAYMENT_LATENCY_MS + "}", ShopClient.admin(platform)).status());
            ServiceProcess order = platform.order();
            URI orders = order.api().resolve("/api/orders");
            AtomicInteger answered = new AtomicInteger();
            List<Future<List<String>>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
                for (int i = 0; i < CLIENTS; i++) {
                    int client = i;
                    clients.add(pool.submit(() -> keepCheckingOut(orders, "cust-shutdown-" + client, answered)));
                }
                // Every client has had an answer, so each holds an open connection with a checkout in flight.
                eventually(Duration.ofSeconds(30), () -> assertThat(answered.get(), greaterThan(2 * CLIENTS)));
                long signalled = System.nanoTime();
                order.terminate();

                List<String> problems = new ArrayList<>();
                for (Future<List<String>> client : clients) {
                    problems.addAll(client.get());
                }
                assertEquals(List.of(), problems, "what clients saw that was not a confirmed checkout");
                int exit = order.stop(Duration.ofSeconds(30));
                System.out.printf("order-service exited %d ms after SIGTERM with %d checkouts answered in all%n",
                                  (System.nanoTime() - signalled) / 1_000_000, answered.get());
                assertEquals(0, exit, "exit code after SIGTERM");
            }

            List<JsonNode> lines = order.logLines();
            assertTrue(lines.stream().noneMatch(line -> "compensation_failed".equals(line.path("message").asText())),
                       "a compensation failed during shutdown");
            JsonNode stopped = lines.stream()
                    .filter(line -> "server_stopped".equals(line.path("message").asText()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no server_stopped line"));
            System.out.println("server_stopped: " + stopped);
            assertEquals(0, stopped.path("unfinished_requests").asInt(-1), "requests cut by the stop");
        }
    }

    /** Checks out on one connection until an answer asks to close it; returns what was not a 201. */
    private static List<String> keepCheckingOut(URI orders, String customer, AtomicInteger answered) throws Exception {
        List<String> problems = new ArrayList<>();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            while (true) {
                HttpRequest request = HttpRequest.newBuilder(orders)
                        .timeout(Duration.ofSeconds(15))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                ShopClient.orderBody(customer, "SKU-0015", 1, ShopClient.GOOD_CARD)))
                        .build();
                HttpResponse<String> response;
                try {
                    response = http.send(request, HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException e) {
                    problems.add(customer + ": " + e);
                    return problems;
                }
                answered.incrementAndGet();
                if (response.statusCode() != 201) {
                    problems.add(customer + ": " + response.statusCode() + " " + response.body());
                }
                if (response.headers().firstValue("connection").filter("close"::equalsIgnoreCase).isPresent()) {
                    return problems;
                }
            }
        }
    }
}
