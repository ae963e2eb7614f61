package dev.o11yshop.order;

import java.time.Duration;
import java.util.Map;

/** The order-side readings of the tests, on top of common-observability's shared {@code MetricsProbe}. */
final class MetricsProbe {
    private MetricsProbe() {
    }

    static long counter(String name, Map<String, String> labels) {
        return dev.o11yshop.observability.MetricsProbe.counter(name, labels);
    }

    static double gauge(String name, Map<String, String> labels) {
        return dev.o11yshop.observability.MetricsProbe.gauge(name, labels);
    }

    /** {@code orders_processed_total} of card payments with this status. */
    static long orders(String status) {
        return counter("orders_processed_total", Map.of("status", status, "payment_method", "card"));
    }

    /** Every checkout outcome counted in {@code orders_processed_total}, whatever its status and method. */
    static long checkouts() {
        return counter("orders_processed_total", Map.of());
    }

    /** {@code payments_total} of card payments with this status (counted by the in-JVM payment-service). */
    static long payments(String status) {
        return counter("payments_total", Map.of("status", status, "method", "card"));
    }

    /** {@code http_client_requests_total} of order-service's calls to {@code peer}, every method and status. */
    static long clientRequests(String peer) {
        return counter("http_client_requests_total", Map.of("peer", peer));
    }

    /** {@code http_client_requests_total} of order-service's calls to {@code peer} with this method. */
    static long clientRequests(String peer, String method) {
        return counter("http_client_requests_total", Map.of("peer", peer, "method", method));
    }

    /** {@code dependency_circuit_state{peer}}: 0 closed, 1 open, 2 half-open. */
    static double circuitState(String peer) {
        return gauge("dependency_circuit_state", Map.of("peer", peer));
    }

    /**
     * {@code http_requests_total} for one route and status, once no request is in flight: the observability filter
     * records a request after its client has the answer.
     */
    static long requests(String method, String endpoint, String status) {
        try {
            int unfinished = TestObservability.OBSERVABILITY.inFlight().awaitIdle(Duration.ofSeconds(5));
            if (unfinished != 0) {
                throw new AssertionError(unfinished + " requests still in flight after 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for in-flight requests", e);
        }
        return counter("http_requests_total", Map.of("method", method, "endpoint", endpoint, "status", status));
    }
}
