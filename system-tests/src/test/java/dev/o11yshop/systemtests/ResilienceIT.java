package dev.o11yshop.systemtests;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.ServiceProcess;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures of what the services depend on, with real processes: an unreachable telemetry backend, a
 * dependency that goes down, and faults injected through the admin port.
 */
class ResilienceIT {
    private final ShopClient client = new ShopClient();

    /**
     * With nothing listening on the OTLP endpoint, checkouts still succeed and never wait for the exporter
     * (its timeout is 5 s); the failures are counted in the pipeline metrics.
     */
    @Test
    void unreachableTelemetryBackendNeverFailsOrBlocksACheckout() throws Exception {
        // The generous timeouts keep this test about telemetry: a cold JVM on a busy two-core machine can
        // take over the default second for its first reservations.
        try (LocalPlatform platform = Platform.start("telemetry-unreachable",
                                                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9",
                                                       "CLIENT_CALL_TIMEOUT_MS", "5000", "ORDER_BUDGET_MS", "10000"))) {
            List<Long> latenciesMs = new ArrayList<>();
            // The first 10 warm the JVMs up; they must succeed too, but their latency is not the exporter's doing.
            for (int i = 0; i < 50; i++) {
                long start = System.nanoTime();
                ShopClient.Response response = client.post(platform.order().api().resolve("/api/orders"),
                                                           ShopClient.orderBody("cust-otel", "SKU-0005", 1, ShopClient.GOOD_CARD),
                                                           Map.of());
                assertEquals(201, response.status(), response.body());
                if (i >= 10) {
                    latenciesMs.add((System.nanoTime() - start) / 1_000_000);
                }
            }
            latenciesMs.sort(Long::compare);
            System.out.printf("checkout latency with an unreachable OTLP endpoint: p50 %d ms, max %d ms%n",
                              latenciesMs.get(latenciesMs.size() / 2), latenciesMs.getLast());
            assertThat("no checkout waited for the span exporter", latenciesMs.getLast(), lessThan(2_000L));
            awaitMetric(platform.order(), "otel_span_export_failures_total", value -> value > 0, Duration.ofSeconds(30));
            assertEquals(0.0, metric(platform.order(), "otel_spans_dropped_total"), "the bounded queue had room");
        }
    }

    /**
     * inventory-service goes away: checkouts fail fast with 503 inside the time budget, and after enough
     * failures the circuit opens and later calls do not even try.
     */
    @Test
    void inventoryDownGives503WithinBudgetAndOpensTheCircuit() throws Exception {
        try (LocalPlatform platform = Platform.start("inventory-down", Map.of(
                "CLIENT_BREAKER_VOLUME", "10", "CLIENT_BREAKER_DELAY_MS", "60000", "ORDER_BUDGET_MS", "3000"))) {
            assertEquals(201, order(platform).status());
            assertEquals(0, platform.inventory().stop(Duration.ofSeconds(20)), "inventory exits cleanly on SIGTERM");

            long start = System.nanoTime();
            for (int i = 0; i < 12; i++) {
                ShopClient.Response response = order(platform);
                assertEquals(503, response.status(), response.body());
                assertEquals("application/problem+json", response.contentType());
                assertTrue(response.json().path("detail").asText().startsWith("inventory-service"), response.body());
            }
            long perOrderMs = (System.nanoTime() - start) / 1_000_000 / 12;
            System.out.printf("503 with inventory down: %d ms per checkout on average%n", perOrderMs);
            assertThat("each failed checkout answered within the 3 s budget", perOrderMs, lessThan(3_000L));
            assertEquals(1.0, metric(platform.order(), "dependency_circuit_state{peer=\"inventory-service\""),
                         "circuit to inventory is open");
            ShopClient.Response fastFail = order(platform);
            assertEquals(503, fastFail.status());
            assertTrue(fastFail.body().contains("circuit breaker is open"), fastFail.body());
        }
    }

    /**
     * payment-service fails every call: the reservation made for each checkout is released (compensation), so
     * no stock stays reserved; and the payment fault shows in its metrics.
     */
    @Test
    void paymentFailuresReleaseTheirReservations() throws Exception {
        try (LocalPlatform platform = Platform.start("payment-failing", Map.of("INVENTORY_RESTOCK_INTERVAL_MS", "0"))) {
            String sku = "SKU-0007";
            int availableBefore = available(platform, sku);
            ShopClient.Response fault = client.send("PUT", platform.payment().admin().resolve("/faults"),
                                                    "{\"errorRate\": 1.0}", ShopClient.admin(platform));
            assertEquals(200, fault.status(), fault.body());
            assertEquals(1.0, metric(platform.payment(), "fault_injection_active{fault=\"error_rate\""));
            for (int i = 0; i < 5; i++) {
                assertEquals(503, client.post(platform.order().api().resolve("/api/orders"),
                                              ShopClient.orderBody("cust-pay", sku, 2, ShopClient.GOOD_CARD), Map.of()).status());
            }
            JsonNode product = product(platform, sku);
            assertEquals(availableBefore, product.path("available").asInt(), "every reservation was released: " + product);
            assertEquals(0, product.path("reserved").asInt(), product.toString());
        }
    }

    /** {@code PUT /faults} produces the configured error rate and latency on the API, and nowhere else. */
    @Test
    void injectedFaultsProduceTheConfiguredErrorRateAndLatency() throws Exception {
        try (LocalPlatform platform = Platform.start("faults", Map.of())) {
            URI products = platform.inventory().api().resolve("/api/products/SKU-0001");
            ShopClient.Response set = client.send("PUT", platform.inventory().admin().resolve("/faults"),
                                                  "{\"errorRate\": 0.3}", ShopClient.admin(platform));
            assertEquals(200, set.status(), set.body());
            int errors = 0;
            int requests = 400;
            for (int i = 0; i < requests; i++) {
                ShopClient.Response response = client.get(products);
                if (response.status() == 500) {
                    errors++;
                    assertTrue(response.body().contains("injected-error"), response.body());
                } else {
                    assertEquals(200, response.status());
                }
            }
            double rate = (double) errors / requests;
            System.out.printf("injected error rate 0.3 -> measured %.3f over %d requests%n", rate, requests);
            assertThat(rate, greaterThan(0.2));
            assertThat(rate, lessThan(0.4));
            assertEquals(200, platform.inventory().adminGet("/health/ready").statusCode(), "admin socket is unaffected");

            client.send("PUT", platform.inventory().admin().resolve("/faults"), "{\"latencyMs\": 300}", ShopClient.admin(platform));
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                assertEquals(200, client.get(products).status());
                assertThat((System.nanoTime() - start) / 1_000_000, greaterThanOrEqualTo(300L));
            }
            assertEquals(1.0, metric(platform.inventory(), "fault_injection_active{fault=\"latency\""));
            client.send("DELETE", platform.inventory().admin().resolve("/faults"), null, ShopClient.admin(platform));
            assertEquals(0.0, metric(platform.inventory(), "fault_injection_active{fault=\"latency\""));
        }
    }

    /**
     * SIGTERM while checkouts are in flight: the service stops reporting ready, finishes every in-flight
     * request (none of them sees a 5xx or a broken connection), and exits 0.
     */
    @Test
    void sigtermFinishesInFlightRequestsAndExitsZero() throws Exception {
        try (LocalPlatform platform = Platform.start("graceful-shutdown", Map.of())) {
            ShopClient.Response slow = client.send("PUT", platform.payment().admin().resolve("/faults"),
                                                   "{\"latencyMs\": 500}", ShopClient.admin(platform));
            assertEquals(200, slow.status(), slow.body());
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                List<Future<ShopClient.Response>> inFlight = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    inFlight.add(callers.submit(() -> order(platform)));
                }
                awaitMetric(platform.order(), "http_requests_in_progress{method=\"POST\"", value -> value >= 8,
                            Duration.ofSeconds(10));
                platform.order().terminate();
                for (Future<ShopClient.Response> call : inFlight) {
                    ShopClient.Response response = call.get(20, TimeUnit.SECONDS);
                    assertEquals(201, response.status(), "in-flight checkout finished: " + response.body());
                }
            } finally {
                callers.shutdownNow();
            }
            assertEquals(0, platform.order().stop(Duration.ofSeconds(20)), "order-service exits 0 after SIGTERM");
            JsonNode stopped = platform.order().logLines().stream()
                    .filter(line -> "server_stopped".equals(line.path("message").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError("no server_stopped line"));
            assertEquals(0, stopped.path("unfinished_requests").asInt(), stopped.toString());
        }
    }

    private ShopClient.Response order(LocalPlatform platform) throws Exception {
        return client.post(platform.order().api().resolve("/api/orders"),
                           ShopClient.orderBody("cust-down", "SKU-0004", 1, ShopClient.GOOD_CARD), Map.of());
    }

    private JsonNode product(LocalPlatform platform, String sku) throws Exception {
        ShopClient.Response response = client.get(platform.inventory().api().resolve("/api/products/" + sku));
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    private int available(LocalPlatform platform, String sku) throws Exception {
        return product(platform, sku).path("available").asInt();
    }

    /** The value of the first sample whose name and labels start with {@code prefix}. */
    static double metric(ServiceProcess service, String prefix) throws Exception {
        return findMetric(service, prefix).orElseThrow(() -> new AssertionError(service.name() + " exposes no " + prefix));
    }

    private static OptionalDouble findMetric(ServiceProcess service, String prefix) throws Exception {
        HttpResponse<String> response = service.adminGet("/metrics");
        for (String line : response.body().split("\n")) {
            if (line.startsWith(prefix)) {
                return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return OptionalDouble.empty();
    }

    private static void awaitMetric(ServiceProcess service, String prefix, DoublePredicate condition,
                                    Duration timeout) throws Exception {
        eventually(timeout, () -> {
            OptionalDouble value = findMetric(service, prefix);
            assertTrue(value.isPresent() && condition.test(value.getAsDouble()), prefix + " stayed at " + value + " for " + timeout);
        });
    }
}
