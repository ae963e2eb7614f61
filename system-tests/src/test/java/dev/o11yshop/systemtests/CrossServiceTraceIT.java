package dev.o11yshop.systemtests;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.OtlpReceiver;
import dev.o11yshop.loadgen.OtlpReceiver.ReceivedSpan;
import dev.o11yshop.loadgen.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One checkout across the three real services, traced end to end: the caller's W3C context is continued, every
 * span lands in the caller's trace with the contract's names, kinds and attributes, the log lines of the
 * request carry the same trace id, and the test card number appears in no log, span or metric.
 */
class CrossServiceTraceIT {
    private static final Duration SPAN_WAIT = Duration.ofSeconds(20);
    private static final String TRACESTATE = "o11y=demo,vendor=t61rcWkgMzE";
    private static LocalPlatform platform;
    private final ShopClient client = new ShopClient();

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = Platform.start("cross-service-trace", Map.of());
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @AfterEach
    void clearFaults() throws Exception {
        for (ServiceProcess service : platform.services()) {
            client.send("DELETE", service.admin().resolve("/faults"), null, ShopClient.admin(platform));
        }
    }

    @Test
    void checkoutIsOneTraceAcrossAllThreeServices() throws Exception {
        String traceId = randomHex(16);
        String callerSpanId = randomHex(8);
        ShopClient.Response response = placeOrder("cust-trace", ShopClient.GOOD_CARD,
                                                  "00-" + traceId + "-" + callerSpanId + "-01", TRACESTATE);
        assertEquals(201, response.status(), response.body());
        assertEquals("CONFIRMED", response.json().path("status").asText());
        String orderId = response.json().path("orderId").asText();

        List<ReceivedSpan> trace = awaitTrace(traceId, Set.of(
                "order-service:POST /api/orders", "order-service:process_order", "order-service:validate_order",
                "order-service:check_inventory", "order-service:process_payment", "order-service:confirm_inventory",
                "inventory-service:POST /api/reservations", "inventory-service:reserve_stock",
                "inventory-service:POST /api/reservations/{reservationId}/commit",
                "payment-service:POST /api/payments", "payment-service:authorize_payment", "payment-service:fraud_check"));

        assertThat("every span is in the caller's trace", trace.stream().map(ReceivedSpan::traceId).distinct().toList(),
                   is(List.of(traceId)));
        assertThat(trace.stream().map(ReceivedSpan::service).collect(Collectors.toSet()),
                   containsInAnyOrder("order-service", "inventory-service", "payment-service"));

        ReceivedSpan orderServer = only(trace, "order-service", "POST /api/orders");
        assertEquals("SPAN_KIND_SERVER", orderServer.kind());
        assertEquals(callerSpanId, orderServer.parentSpanId(), "the server span continues the caller's span");
        assertEquals(TRACESTATE, orderServer.traceState(), "tracestate is kept");
        assertServerAttributes(orderServer, "POST", "/api/orders", 201);

        ReceivedSpan processOrder = only(trace, "order-service", "process_order");
        assertEquals(orderServer.spanId(), processOrder.parentSpanId());
        assertEquals(orderId, processOrder.attribute("order.id"));
        assertEquals(1L, processOrder.attribute("order.item_count"));
        assertEquals("cust-trace", processOrder.attribute("customer.id"));
        assertEquals("card", processOrder.attribute("payment.method"));
        assertThat(processOrder.events(), hasItem("order_completed"));
        for (String step : List.of("validate_order", "check_inventory", "process_payment", "confirm_inventory")) {
            assertEquals(processOrder.spanId(), only(trace, "order-service", step).parentSpanId(), step + " under process_order");
        }

        assertDownstreamCall(trace, "check_inventory", "inventory-service", "POST /api/reservations", 201);
        assertDownstreamCall(trace, "process_payment", "payment-service", "POST /api/payments", 201);
        assertDownstreamCall(trace, "confirm_inventory", "inventory-service",
                             "POST /api/reservations/{reservationId}/commit", 200);

        ReceivedSpan authorize = only(trace, "payment-service", "authorize_payment");
        assertEquals(authorize.spanId(), only(trace, "payment-service", "fraud_check").parentSpanId());
        assertEquals(only(trace, "payment-service", "POST /api/payments").spanId(), authorize.parentSpanId());
        assertEquals(only(trace, "inventory-service", "POST /api/reservations").spanId(),
                     only(trace, "inventory-service", "reserve_stock").parentSpanId());

        for (ReceivedSpan span : trace) {
            assertThat(span.resource(), hasKey("service.version"));
            assertThat(span.resource(), hasKey("service.instance.id"));
            assertEquals("local", span.resource().get("deployment.environment"), span.name());
            assertTrue(span.statusCode().equals("STATUS_CODE_UNSET") || span.statusCode().equals("STATUS_CODE_OK"),
                       span.name() + " of a confirmed order has no error");
        }

        assertLogsCarryTrace(traceId);
    }

    @Test
    void failingDependencyMarksSpansAsErrorsAndRecordsExceptions() throws Exception {
        ShopClient.Response fault = client.send("PUT", platform.payment().admin().resolve("/faults"),
                                                "{\"errorRate\": 1.0}", ShopClient.admin(platform));
        assertEquals(200, fault.status(), fault.body());
        String traceId = randomHex(16);
        ShopClient.Response response = placeOrder("cust-failure", ShopClient.GOOD_CARD,
                                                  "00-" + traceId + "-" + randomHex(8) + "-01", null);
        assertEquals(503, response.status(), response.body());
        assertEquals("application/problem+json", response.contentType());
        assertEquals(traceId, response.json().path("traceId").asText());

        List<ReceivedSpan> trace = awaitTrace(traceId, Set.of(
                "order-service:POST /api/orders", "order-service:process_order", "order-service:process_payment",
                "order-service:compensate_inventory", "payment-service:POST /api/payments",
                "inventory-service:DELETE /api/reservations/{reservationId}"));
        ReceivedSpan orderServer = only(trace, "order-service", "POST /api/orders");
        assertEquals("STATUS_CODE_ERROR", orderServer.statusCode());
        assertEquals(503L, orderServer.attribute("http.response.status_code"));
        for (String name : List.of("process_order", "process_payment")) {
            ReceivedSpan span = only(trace, "order-service", name);
            assertEquals("STATUS_CODE_ERROR", span.statusCode(), name);
            assertTrue(span.hasException(), name + " records the exception");
        }
        // The order service's client spans end before process_order and are exported in order, so all its
        // attempts are here; payment exports its server spans on its own schedule, so those are awaited.
        List<ReceivedSpan> clientCalls = trace.stream()
                .filter(span -> span.kind().equals("SPAN_KIND_CLIENT") && "payment-service".equals(span.attribute("peer.service")))
                .toList();
        assertThat("payment authorization is idempotent, so it was retried", clientCalls.size() > 1, is(true));
        assertThat(clientCalls.stream().map(ReceivedSpan::statusCode).toList(), everyItem(is("STATUS_CODE_ERROR")));
        List<ReceivedSpan> paymentServers = platform.receiver().await(
                span -> span.traceId().equals(traceId) && span.service().equals("payment-service")
                        && span.name().equals("POST /api/payments"), clientCalls.size(), SPAN_WAIT);
        assertEquals(clientCalls.size(), paymentServers.size(), "one payment server span per attempt");
        for (ReceivedSpan span : paymentServers) {
            assertEquals("STATUS_CODE_ERROR", span.statusCode());
            assertTrue(span.hasException(), "the injected 500 is recorded on payment's server span");
        }
    }

    @Test
    void invalidTraceparentStartsANewTrace() throws Exception {
        String invalidTraceId = "zz" + randomHex(15);
        String customer = "cust-" + UUID.randomUUID();
        ShopClient.Response response = placeOrder(customer, ShopClient.GOOD_CARD,
                                                  "00-" + invalidTraceId + "-" + randomHex(8) + "-01", null);
        assertEquals(201, response.status(), response.body());
        ReceivedSpan processOrder = platform.receiver().await(
                span -> "process_order".equals(span.name()) && customer.equals(span.attribute("customer.id")),
                1, SPAN_WAIT).getFirst();
        assertThat(processOrder.traceId(), not(is("0".repeat(32))));
        assertTrue(processOrder.traceId().matches("[0-9a-f]{32}"));
        ReceivedSpan server = platform.receiver().await(
                span -> span.traceId().equals(processOrder.traceId()) && span.kind().equals("SPAN_KIND_SERVER")
                        && span.service().equals("order-service"), 1, SPAN_WAIT).getFirst();
        assertEquals("", server.parentSpanId(), "a new trace starts at the order-service server span");
    }

    @Test
    void unsampledCallerYieldsNoExportedSpans() throws Exception {
        String unsampledTraceId = randomHex(16);
        ShopClient.Response unsampled = placeOrder("cust-unsampled", ShopClient.GOOD_CARD,
                                                   "00-" + unsampledTraceId + "-" + randomHex(8) + "-00", null);
        assertEquals(201, unsampled.status(), unsampled.body());
        // Spans are exported in order: once a later sampled request's spans from all three services have
        // arrived, any span of the unsampled one would have arrived too.
        String sampledTraceId = randomHex(16);
        assertEquals(201, placeOrder("cust-sampled", ShopClient.GOOD_CARD,
                                     "00-" + sampledTraceId + "-" + randomHex(8) + "-01", null).status());
        awaitTrace(sampledTraceId, Set.of("order-service:POST /api/orders", "inventory-service:POST /api/reservations/{reservationId}/commit",
                                          "payment-service:POST /api/payments"));
        assertThat(platform.receiver().spans(span -> span.traceId().equals(unsampledTraceId)), is(empty()));
        assertTrue(platform.order().logLines().stream().anyMatch(line -> unsampledTraceId.equals(line.path("trace_id").asText())),
                   "log lines of an unsampled request still carry its trace id");
    }

    @Test
    void cardNumbersAppearInNoLogSpanOrMetric() throws Exception {
        assertEquals(201, placeOrder("cust-card", ShopClient.GOOD_CARD, null, null).status());
        assertEquals(422, placeOrder("cust-card", ShopClient.DECLINED_CARD, null, null).status());
        String customer = "cust-card-" + UUID.randomUUID();
        assertEquals(201, placeOrder(customer, ShopClient.GOOD_CARD, null, null).status());
        platform.receiver().await(span -> "authorize_payment".equals(span.name()) && span.service().equals("payment-service")
                && platform.receiver().spans().stream().anyMatch(s -> customer.equals(s.attribute("customer.id"))), 1, SPAN_WAIT);
        for (ServiceProcess service : platform.services()) {
            String logs = service.rawStdout();
            String metrics = service.adminGet("/metrics").body();
            for (String card : List.of(ShopClient.GOOD_CARD, ShopClient.DECLINED_CARD)) {
                assertThat(service.name() + " logs", logs.contains(card), is(false));
                assertThat(service.name() + " metrics", metrics.contains(card), is(false));
            }
        }
        for (ReceivedSpan span : platform.receiver().spans()) {
            assertThat(span.name() + " attributes", span.attributes().values().stream().map(String::valueOf)
                    .filter(value -> value.contains(ShopClient.GOOD_CARD) || value.contains(ShopClient.DECLINED_CARD))
                    .toList(), is(empty()));
        }
    }

    @Test
    void everyStdoutLineIsJsonWithTheContractFields() throws Exception {
        assertEquals(201, placeOrder("cust-logs", ShopClient.GOOD_CARD, null, null).status());
        for (ServiceProcess service : platform.services()) {
            List<JsonNode> lines = service.logLines();
            assertThat(service.name() + " logged", lines, is(not(empty())));
            for (JsonNode line : lines) {
                for (String field : List.of("@timestamp", "level", "logger_name", "thread_name", "message", "service")) {
                    assertThat(service.name() + " line " + line, line.get(field), notNullValue());
                }
                assertEquals(service.name(), line.path("service").asText());
                assertTrue(line.path("@timestamp").asText().endsWith("Z"), "UTC timestamp: " + line);
            }
            assertTrue(lines.stream().anyMatch(line -> line.path("message").asText().equals("server_started")));
        }
    }

    private void assertDownstreamCall(List<ReceivedSpan> trace, String step, String peer, String serverSpanName, int status) {
        ReceivedSpan parent = only(trace, "order-service", step);
        List<ReceivedSpan> calls = trace.stream()
                .filter(span -> span.kind().equals("SPAN_KIND_CLIENT") && span.parentSpanId().equals(parent.spanId()))
                .toList();
        assertEquals(1, calls.size(), "one client call under " + step + ": " + OtlpReceiver.describe(calls));
        ReceivedSpan call = calls.getFirst();
        assertEquals("order-service", call.service());
        assertEquals(peer, call.attribute("peer.service"));
        assertEquals("POST", call.attribute("http.request.method"));
        assertEquals("127.0.0.1", call.attribute("server.address"));
        assertThat(call.attributes(), hasKey("server.port"));
        assertEquals((long) status, call.attribute("http.response.status_code"));

        ReceivedSpan server = only(trace, peer, serverSpanName);
        assertEquals("SPAN_KIND_SERVER", server.kind());
        assertEquals(call.spanId(), server.parentSpanId(), serverSpanName + " is a child of order-service's client span");
        assertEquals(TRACESTATE, server.traceState(), "tracestate reaches " + peer + " unchanged");
        assertServerAttributes(server, "POST", serverSpanName.substring("POST ".length()), status);
    }

    private static void assertServerAttributes(ReceivedSpan span, String method, String route, int status) {
        assertEquals(method, span.attribute("http.request.method"));
        assertEquals(route, span.attribute("http.route"));
        assertEquals((long) status, span.attribute("http.response.status_code"));
    }

    private void assertLogsCarryTrace(String traceId) throws Exception {
        for (ServiceProcess service : platform.services()) {
            List<JsonNode> lines = service.logLines().stream()
                    .filter(line -> traceId.equals(line.path("trace_id").asText()))
                    .toList();
            assertThat(service.name() + " has log lines with the trace id", lines, is(not(empty())));
            assertThat(lines.stream().map(line -> line.path("message").asText()).toList(), hasItem("request_completed"));
            for (JsonNode line : lines) {
                assertTrue(line.path("span_id").asText().matches("[0-9a-f]{16}"), "span_id on " + line);
                assertTrue(line.hasNonNull("request_id"), "request_id on " + line);
            }
        }
        List<String> orderEvents = platform.order().logLines().stream()
                .filter(line -> traceId.equals(line.path("trace_id").asText()))
                .map(line -> line.path("message").asText())
                .toList();
        assertThat(orderEvents, hasItem("order_processing_started"));
        assertThat(orderEvents, hasItem("order_completed"));
    }

    private ShopClient.Response placeOrder(String customerId, String card, String traceparent, String tracestate)
            throws Exception {
        Map<String, String> headers = new HashMap<>();
        if (traceparent != null) {
            headers.put("traceparent", traceparent);
        }
        if (tracestate != null) {
            headers.put("tracestate", tracestate);
        }
        URI orders = platform.order().api().resolve("/api/orders");
        return client.post(orders, ShopClient.orderBody(customerId, "SKU-0003", 1, card), headers);
    }

    /** Waits until spans named {@code service:name} have all arrived in the trace, then returns the whole trace. */
    private static List<ReceivedSpan> awaitTrace(String traceId, Set<String> expected) throws Exception {
        Predicate<ReceivedSpan> inTrace = span -> span.traceId().equals(traceId);
        List<List<ReceivedSpan>> trace = new ArrayList<>(List.of(List.of()));
        eventually(SPAN_WAIT, () -> {
            trace.set(0, platform.receiver().spans(inTrace));
            Set<String> seen = trace.get(0).stream().map(span -> span.service() + ":" + span.name()).collect(Collectors.toSet());
            assertTrue(seen.containsAll(expected), "trace " + traceId + " lacks "
                    + expected.stream().filter(e -> !seen.contains(e)).toList() + "; has:" + OtlpReceiver.describe(trace.get(0)));
        });
        return trace.get(0);
    }

    private static ReceivedSpan only(List<ReceivedSpan> trace, String service, String name) {
        List<ReceivedSpan> matching = spans(trace, service, name);
        assertEquals(1, matching.size(), "exactly one " + service + " span '" + name + "' in:" + OtlpReceiver.describe(trace));
        return matching.getFirst();
    }

    private static List<ReceivedSpan> spans(List<ReceivedSpan> trace, String service, String name) {
        return trace.stream().filter(span -> span.service().equals(service) && span.name().equals(name)).toList();
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1;
        return HexFormat.of().formatHex(random);
    }
}
