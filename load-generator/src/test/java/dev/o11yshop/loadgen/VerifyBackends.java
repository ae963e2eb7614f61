package dev.o11yshop.loadgen;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.o11yshop.observability.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Test-local stand-ins for what {@code verify} talks to, on one Helidon server on an ephemeral port:
 * <ul>
 *     <li>{@code POST /api/orders}: the order endpoint; records the {@code traceparent} it gets, answers 201 (or 503
 *     for the first {@link #failOrders} attempts);</li>
 *     <li>{@code GET /api/traces/{id}}: Jaeger's query API (v1 JSON: {@code data[].spans[].processID} into
 *     {@code data[].processes}) with spans of {@link #traceServices} for the recorded trace id, Jaeger's 404 otherwise;</li>
 *     <li>{@code GET /loki/api/v1/query_range}: Loki's streams result with one line per service of
 *     {@link #logServices} when the LogQL names the recorded trace id;</li>
 *     <li>{@code GET /targets/{service}/metrics}: a Prometheus exposition per service, for a real Prometheus to
 *     scrape; 503 for the services in {@link #downTargets}.</li>
 * </ul>
 */
final class VerifyBackends implements AutoCloseable {
    static final List<String> SERVICES = List.of("order-service", "inventory-service", "payment-service");

    final Set<String> traceServices = new CopyOnWriteArraySet<>(SERVICES);
    final Set<String> logServices = new CopyOnWriteArraySet<>(SERVICES);
    final Set<String> downTargets = new CopyOnWriteArraySet<>();
    final AtomicInteger failOrders = new AtomicInteger();
    final AtomicInteger orderAttempts = new AtomicInteger();
    final AtomicReference<String> traceparent = new AtomicReference<>();
    final ConcurrentLinkedQueue<Map<String, String>> lokiQueries = new ConcurrentLinkedQueue<>();
    final AtomicBoolean lokiCalled = new AtomicBoolean();

    private final WebServer server;

    VerifyBackends() {
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(routing -> routing
                        .post("/api/orders", this::order)
                        .get("/api/traces/{id}", this::trace)
                        .get("/loki/api/v1/query_range", this::logs)
                        .get("/targets/{service}/metrics", this::metrics))
                .build()
                .start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    int port() {
        return server.port();
    }

    /** The trace id of the last order's {@code traceparent}, or null. */
    String traceId() {
        String header = traceparent.get();
        return header == null ? null : header.split("-")[1];
    }

    void reset() {
        traceServices.clear();
        traceServices.addAll(SERVICES);
        logServices.clear();
        logServices.addAll(SERVICES);
        downTargets.clear();
        failOrders.set(0);
        orderAttempts.set(0);
        traceparent.set(null);
        lokiQueries.clear();
    }

    @Override
    public void close() {
        server.stop();
    }

    private void order(ServerRequest req, ServerResponse res) {
        req.content().as(String.class);
        int attempt = orderAttempts.incrementAndGet();
        if (attempt <= failOrders.get()) {
            send(res, Status.SERVICE_UNAVAILABLE_503, "{\"status\":503,\"title\":\"Service Unavailable\"}");
            return;
        }
        traceparent.set(req.headers().first(HeaderNames.create("traceparent")).orElse(null));
        send(res, Status.CREATED_201, "{\"orderId\":\"ord-" + attempt + "\",\"status\":\"CONFIRMED\"}");
    }

    private void trace(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!id.equals(traceId())) {
            send(res, Status.NOT_FOUND_404,
                 "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}");
            return;
        }
        List<Map<String, Object>> spans = new ArrayList<>();
        Map<String, Object> processes = new LinkedHashMap<>();
        int n = 0;
        for (String service : SERVICES) {
            if (!traceServices.contains(service)) {
                continue;
            }
            n++;
            processes.put("p" + n, Map.of("serviceName", service, "tags", List.of()));
            for (int i = 0; i < 2; i++) {
                spans.add(Map.of("traceID", id, "spanID", String.format("%016x", n * 10L + i),
                                 "operationName", "POST /api/x", "references", List.of(),
                                 "startTime", 1_700_000_000_000_000L, "duration", 1000, "tags", List.of(),
                                 "logs", List.of(), "processID", "p" + n));
            }
        }
        Map<String, Object> trace = Map.of("traceID", id, "spans", spans, "processes", processes);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", List.of(trace));
        body.put("total", 0);
        body.put("limit", 0);
        body.put("offset", 0);
        send(res, Status.OK_200, new String(Json.bytes(body)));
    }

    private void logs(ServerRequest req, ServerResponse res) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String name : List.of("query", "start", "end", "limit", "direction")) {
            query.put(name, req.query().first(name).orElse(null));
        }
        lokiQueries.add(query);
        lokiCalled.set(true);
        String id = traceId();
        List<Map<String, Object>> streams = new ArrayList<>();
        if (id != null && query.get("query") != null && query.get("query").contains("trace_id=\"" + id + "\"")) {
            long nanos = System.currentTimeMillis() * 1_000_000L;
            for (String service : SERVICES) {
                if (logServices.contains(service)) {
                    String line = "{\"message\":\"request_completed\",\"service\":\"" + service + "\",\"trace_id\":\"" + id + "\"}";
                    streams.add(Map.of("stream", Map.of("service_name", service, "trace_id", id, "detected_level", "info"),
                                       "values", List.of(List.of(Long.toString(nanos), line))));
                }
            }
        }
        send(res, Status.OK_200, new String(Json.bytes(Map.of(
                "status", "success",
                "data", Map.of("resultType", "streams", "result", streams, "stats", Map.of())))));
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        String service = req.path().pathParameters().get("service");
        if (downTargets.contains(service)) {
            res.status(Status.SERVICE_UNAVAILABLE_503).send("down");
            return;
        }
        StringBuilder text = new StringBuilder();
        if (service.equals("load-generator")) {
            text.append("# TYPE loadgen_requests_total counter\n")
                    .append("loadgen_requests_total{scenario=\"checkout\",status=\"201\"} 42\n");
        } else {
            text.append("# TYPE http_requests_total counter\n")
                    .append("http_requests_total{method=\"POST\",endpoint=\"/api/x\",status=\"201\"} 7\n")
                    .append("# TYPE http_request_duration_seconds histogram\n")
                    .append("http_request_duration_seconds_bucket{method=\"POST\",endpoint=\"/api/x\",le=\"0.1\"} 7\n")
                    .append("http_request_duration_seconds_bucket{method=\"POST\",endpoint=\"/api/x\",le=\"+Inf\"} 7\n")
                    .append("http_request_duration_seconds_sum{method=\"POST\",endpoint=\"/api/x\"} 0.35\n")
                    .append("http_request_duration_seconds_count{method=\"POST\",endpoint=\"/api/x\"} 7\n");
            String business = switch (service) {
                case "order-service" -> "orders_processed_total{status=\"confirmed\",payment_method=\"card\"} 3";
                case "inventory-service" -> "inventory_reservations_total{outcome=\"reserved\"} 3";
                default -> "payments_total{status=\"authorized\",method=\"card\"} 3";
            };
            text.append("# TYPE ").append(business, 0, business.indexOf('{')).append(" counter\n")
                    .append(business).append('\n');
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(text.toString());
    }

    private static void send(ServerResponse res, Status status, String json) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(json);
    }
}
