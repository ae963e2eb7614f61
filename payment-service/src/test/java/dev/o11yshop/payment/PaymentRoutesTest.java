package dev.o11yshop.payment;

import dev.o11yshop.observability.MetricsProbe;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.Problem;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every HTTP test of payment-service, run twice: in memory ({@link PaymentRoutesRoutingTest}) and over real
 * sockets ({@link PaymentRoutesServerTest}). Helidon's junit5 support finds {@code @SetUpRoute} methods on the
 * whole class hierarchy ({@code Junit5Util.withStaticMethods} walks the superclasses), so the routes are set
 * up once, here.
 */
abstract class PaymentRoutesTest {
    static final String GOOD_CARD = "4111111111111111";
    static final String DECLINED_CARD = "4000000000000002";
    static final String NO_FUNDS_CARD = "4000000000009995";
    static final String PAYMENTS = "/api/payments";
    static final String PROBLEM_JSON = "application/problem+json";
    static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-ID");
    static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");

    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    /** The contract's sane request id. */
    private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern PAYMENT_ID = Pattern.compile("pay_[0-9a-f]{32}");

    private final Http1Client api;
    private final Http1Client admin;

    PaymentRoutesTest(Http1Client api, Http1Client admin) {
        this.api = api;
        this.admin = admin;
    }

    /**
     * How often the API filters run per request. One in a real server; the in-memory subclass overrides it (see
     * there). Counts in {@code http_requests_total} are asserted as multiples of it, so they stay exact.
     */
    int filterPasses() {
        return 1;
    }

    @SetUpRoute
    static void apiRoutes(HttpRouting.Builder routing) {
        TestObservability.apiRouting(routing);
    }

    @SetUpRoute("admin")
    static void adminRoutes(HttpRouting.Builder routing) {
        TestObservability.adminRouting(routing);
    }

    /** Faults are process-global state: leave none behind, whatever the test did or in what order. */
    @AfterEach
    void resetFaults() {
        Reply reply = send(admin.delete("/faults"), null);
        assertEquals(200, reply.status(), reply.body());
        assertEquals(0.0, reply.json().get("errorRate").asDouble());
        assertFalse(reply.json().get("unavailable").asBoolean());
    }

    // ---------------------------------------------------------------- authorize

    @Test
    void authorizesTheGoodTestCard() {
        String orderId = newOrderId();
        Reply reply = authorize(orderId, "59.98", GOOD_CARD);

        assertEquals(201, reply.status(), reply.body());
        assertThat(reply.contentType(), startsWith("application/json"));
        JsonNode body = reply.json();
        assertAll(() -> assertTrue(PAYMENT_ID.matcher(body.path("paymentId").asText()).matches(), body.toString()),
                  () -> assertEquals("AUTHORIZED", body.path("status").asText()),
                  () -> assertEquals("1111", body.path("cardLastFour").asText()),
                  () -> assertEquals(orderId, body.path("orderId").asText()),
                  () -> assertEquals("59.98", body.path("amount").path("amount").asText()),
                  () -> assertTrue(body.path("amount").path("amount").isTextual(), "money is a decimal string"),
                  () -> assertEquals("USD", body.path("amount").path("currency").asText()),
                  () -> assertEquals("card", body.path("method").asText()),
                  () -> assertFalse(body.has("declineReason"), "no declineReason when authorized"),
                  () -> assertFalse(body.has("cardNumber")));
        assertNoCardNumber(reply, GOOD_CARD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1111", "4111-1111-1111-1111"})
    void acceptsGroupedCardNumbers(String grouped) {
        Reply reply = authorize(newOrderId(), "10.00", grouped);

        assertEquals(201, reply.status(), reply.body());
        assertEquals("1111", reply.json().path("cardLastFour").asText());
        assertNoCardNumber(reply, grouped);
        assertNoCardNumber(reply, GOOD_CARD);
    }

    @ParameterizedTest
    @CsvSource({DECLINED_CARD + ", card_declined", NO_FUNDS_CARD + ", insufficient_funds"})
    void declinesTheDecliningTestCards(String card, String reason) {
        long declinedBefore = payments("declined");

        Reply reply = authorize(newOrderId(), "25.00", card);

        assertProblem(reply, 402, "payment-declined");
        assertEquals(reason, reply.json().path("detail").asText());
        assertNoCardNumber(reply, card);
        assertEquals(declinedBefore + 1, payments("declined"));
    }

    @Test
    void declinesAmountsOverTheFraudLimit() {
        Reply reply = authorize(newOrderId(), "10000.01", GOOD_CARD);

        assertProblem(reply, 402, "payment-declined");
        assertEquals("fraud_suspected", reply.json().path("detail").asText());
    }

    @Test
    void authorizesAnAmountExactlyAtTheFraudLimit() {
        Reply reply = authorize(newOrderId(), "10000.00", GOOD_CARD);

        assertEquals(201, reply.status(), reply.body());
        assertEquals("AUTHORIZED", reply.json().path("status").asText());
    }

    // ---------------------------------------------------------------- idempotency

    @Test
    void isIdempotentPerOrderId() {
        String orderId = newOrderId();
        long authorizedBefore = payments("authorized");

        Reply first = authorize(orderId, "42.00", GOOD_CARD);
        assertEquals(authorizedBefore + 1, payments("authorized"));
        Reply second = authorize(orderId, "42.00", GOOD_CARD);

        assertEquals(201, first.status(), first.body());
        assertEquals(201, second.status(), second.body());
        assertEquals(first.json().path("paymentId").asText(), second.json().path("paymentId").asText());
        assertEquals(first.body(), second.body(), "the replay is the stored payment");
    }

    @Test
    void countsAReplayedPaymentOnce() {
        String orderId = newOrderId();
        long authorizedBefore = payments("authorized");

        assertEquals(201, authorize(orderId, "42.00", GOOD_CARD).status());
        assertEquals(201, authorize(orderId, "42.00", GOOD_CARD).status());

        assertEquals(authorizedBefore + 1, payments("authorized"), "payments_total counts the payment once");
    }

    @Test
    void replaysADecline() {
        String orderId = newOrderId();

        assertProblem(authorize(orderId, "5.00", DECLINED_CARD), 402, "payment-declined");
        Reply replay = authorize(orderId, "5.00", DECLINED_CARD);

        assertProblem(replay, 402, "payment-declined");
        assertEquals("card_declined", replay.json().path("detail").asText());
    }

    @Test
    void countsAReplayedDeclineOnce() {
        String orderId = newOrderId();
        long declinedBefore = payments("declined");

        assertProblem(authorize(orderId, "5.00", DECLINED_CARD), 402, "payment-declined");
        assertProblem(authorize(orderId, "5.00", DECLINED_CARD), 402, "payment-declined");

        assertEquals(declinedBefore + 1, payments("declined"));
    }

    @ParameterizedTest
    @CsvSource({"42.01, " + GOOD_CARD, "42.00, 5555555555554444"})
    void rejectsTheSameOrderIdForAnotherRequest(String amount, String card) {
        String orderId = newOrderId();
        assertEquals(201, authorize(orderId, "42.00", GOOD_CARD).status());

        Reply conflict = authorize(orderId, amount, card);

        assertProblem(conflict, 409, "payment-conflict");
        assertNoCardNumber(conflict, card);
    }

    @Test
    void treatsAmountsOfEqualValueAsTheSameRequest() {
        String orderId = newOrderId();
        Reply first = authorize(orderId, "42.5", GOOD_CARD);
        Reply second = authorize(orderId, "42.50", GOOD_CARD);

        assertEquals(201, first.status(), first.body());
        assertEquals(201, second.status(), second.body());
        assertEquals(first.json().path("paymentId").asText(), second.json().path("paymentId").asText());
        assertEquals("42.50", second.json().path("amount").path("amount").asText());
    }

    // ---------------------------------------------------------------- validation

    static List<Arguments> invalidBodies() {
        return List.of(
                Arguments.of("Luhn-invalid card", body("o-1", "\"10.00\"", "\"card\"", "\"4111111111111112\""), "cardNumber"),
                Arguments.of("too few digits", body("o-1", "\"10.00\"", "\"card\"", "\"41111111111\""), "cardNumber"),
                Arguments.of("letters in card", body("o-1", "\"10.00\"", "\"card\"", "\"4111x11111111111\""), "cardNumber"),
                Arguments.of("missing orderId", "{\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"},\"method\":\"card\","
                        + "\"cardNumber\":\"" + GOOD_CARD + "\"}", "orderId"),
                Arguments.of("blank orderId", body(" ", "\"10.00\"", "\"card\"", quoted(GOOD_CARD)), "orderId"),
                Arguments.of("orderId over 64 chars", body("o".repeat(65), "\"10.00\"", "\"card\"", quoted(GOOD_CARD)), "orderId"),
                Arguments.of("missing amount", "{\"orderId\":\"o-1\",\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}",
                             "amount"),
                Arguments.of("missing method", "{\"orderId\":\"o-1\",\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"},"
                        + "\"cardNumber\":\"" + GOOD_CARD + "\"}", "method"),
                Arguments.of("missing cardNumber", "{\"orderId\":\"o-1\",\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"},"
                        + "\"method\":\"card\"}", "cardNumber"),
                Arguments.of("unknown method", body("o-1", "\"10.00\"", "\"bitcoin\"", quoted(GOOD_CARD)), "method"),
                Arguments.of("method in upper case", body("o-1", "\"10.00\"", "\"CARD\"", quoted(GOOD_CARD)), "method"),
                Arguments.of("negative amount", body("o-1", "\"-10.00\"", "\"card\"", quoted(GOOD_CARD)), "amount"),
                Arguments.of("zero amount", body("o-1", "\"0.00\"", "\"card\"", quoted(GOOD_CARD)), "amount"),
                Arguments.of("amount with 3 decimals", body("o-1", "\"10.001\"", "\"card\"", quoted(GOOD_CARD)), "amount"),
                Arguments.of("amount not a number", body("o-1", "\"ten\"", "\"card\"", quoted(GOOD_CARD)), "amount"),
                Arguments.of("amount in exponent form", body("o-1", "\"1e3\"", "\"card\"", quoted(GOOD_CARD)), "amount"),
                Arguments.of("amount over 12 integer digits", body("o-1", "\"1234567890123.00\"", "\"card\"", quoted(GOOD_CARD)),
                             "amount"),
                Arguments.of("lower-case currency", "{\"orderId\":\"o-1\",\"amount\":{\"amount\":\"10.00\",\"currency\":\"usd\"},"
                        + "\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}", "amount"),
                Arguments.of("amount without currency", "{\"orderId\":\"o-1\",\"amount\":{\"amount\":\"10.00\"},"
                        + "\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}", "amount"),
                Arguments.of("amount as a JSON number", "{\"orderId\":\"o-1\",\"amount\":59.98,\"method\":\"card\","
                        + "\"cardNumber\":\"" + GOOD_CARD + "\"}", "amount"),
                Arguments.of("amount as a string", "{\"orderId\":\"o-1\",\"amount\":\"59.98\",\"method\":\"card\","
                        + "\"cardNumber\":\"" + GOOD_CARD + "\"}", "amount"),
                Arguments.of("method as an array", body("o-1", "\"10.00\"", "[\"card\"]", quoted(GOOD_CARD)), "method"),
                Arguments.of("orderId as an object", "{\"orderId\":{\"id\":1},\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"},"
                        + "\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}", "orderId"),
                Arguments.of("malformed JSON", "{\"orderId\": \"o-1\", ", "body"),
                Arguments.of("not JSON at all", "orderId=o-1", "body"),
                Arguments.of("trailing tokens", body("o-1", "\"10.00\"", "\"card\"", quoted(GOOD_CARD)) + " {}", "body"),
                Arguments.of("JSON array", "[]", "body"),
                Arguments.of("JSON null", "null", "body"),
                Arguments.of("empty body", "", "body"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidBodies")
    void rejectsInvalidRequestsNamingTheField(String description, String json, String field) {
        Reply reply = post(PAYMENTS, json);

        assertProblem(reply, 400, "validation");
        assertThat(description, fields(reply), hasItem(field));
        assertNoCardNumber(reply, GOOD_CARD);
        assertNoCardNumber(reply, "4111111111111112");
    }

    @Test
    void namesEveryMissingField() {
        Reply reply = post(PAYMENTS, "{}");

        assertProblem(reply, 400, "validation");
        assertEquals(List.of("orderId", "amount", "method", "cardNumber"), fields(reply));
    }

    /** Contract: wrong types are 400; a JSON number or boolean is not a string. */
    static List<Arguments> scalarsForStrings() {
        return List.of(
                Arguments.of("cardNumber as a JSON number", "{\"orderId\":\"o-1\",\"amount\":{\"amount\":\"10.00\","
                        + "\"currency\":\"USD\"},\"method\":\"card\",\"cardNumber\":" + GOOD_CARD + "}", "cardNumber"),
                Arguments.of("orderId as a JSON number", "{\"orderId\":42,\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"},"
                        + "\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}", "orderId"),
                Arguments.of("orderId as a boolean", "{\"orderId\":true,\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"},"
                        + "\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}", "orderId"),
                Arguments.of("money amount as a JSON number", body("o-1", "59.98", "\"card\"", quoted(GOOD_CARD)), "amount.amount"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scalarsForStrings")
    void rejectsNumbersAndBooleansWhereStringsAreExpected(String description, String json, String field) {
        Reply reply = post(PAYMENTS, json.replace("o-1", newOrderId()));

        assertProblem(reply, 400, "validation");
        assertThat(description, fields(reply), hasItem(field));
    }

    @Test
    void rejectsABodyOver64KiBWithContentLength() {
        String padding = " ".repeat(64 * 1024);
        Reply reply = post(PAYMENTS, body(newOrderId(), "\"10.00\"", "\"card\"", quoted(GOOD_CARD)) + padding);

        assertProblem(reply, 413, "payload-too-large");
        assertEquals(List.of("body"), fields(reply));
    }

    @Test
    void rejectsAChunkedBodyOver64KiB() {
        byte[] json = (body(newOrderId(), "\"10.00\"", "\"card\"", quoted(GOOD_CARD)) + " ".repeat(64 * 1024))
                .getBytes(StandardCharsets.UTF_8);
        Http1ClientRequest request = api.post(PAYMENTS).header(HeaderNames.CONTENT_TYPE, "application/json");
        Reply reply;
        try (Http1ClientResponse response = request.outputStream(out -> {
            // Two writes and no Content-Length: the client sends it chunked, so only the read limit can catch it.
            out.write(json, 0, json.length / 2);
            out.write(json, json.length / 2, json.length - json.length / 2);
            out.close();
        })) {
            reply = Reply.of(response);
        }

        assertProblem(reply, 413, "payload-too-large");
    }

    @Test
    void acceptsABodyOfExactly64KiB() {
        String json = body(newOrderId(), "\"10.00\"", "\"card\"", quoted(GOOD_CARD));
        String padded = json + " ".repeat(64 * 1024 - json.length());
        assertEquals(64 * 1024, padded.getBytes(StandardCharsets.UTF_8).length);

        Reply reply = post(PAYMENTS, padded);

        assertEquals(201, reply.status(), reply.body());
    }

    @Test
    void ignoresUnknownFields() {
        String json = "{\"orderId\":\"" + newOrderId() + "\",\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\",\"x\":1},"
                + "\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\",\"note\":{\"nested\":[1,2,3]},\"cvv\":\"123\"}";

        Reply reply = post(PAYMENTS, json);

        assertEquals(201, reply.status(), reply.body());
        assertThat(reply.body(), not(containsString("cvv")));
    }

    // ---------------------------------------------------------------- read back

    @Test
    void readsAPaymentBack() {
        String orderId = newOrderId();
        String paymentId = authorize(orderId, "19.90", GOOD_CARD).json().path("paymentId").asText();
        long readsBefore = requests("GET", PAYMENTS + "/{paymentId}", "200");

        Reply reply = get(PAYMENTS + "/" + paymentId);

        assertEquals(200, reply.status(), reply.body());
        JsonNode body = reply.json();
        assertAll(() -> assertEquals(paymentId, body.path("paymentId").asText()),
                  () -> assertEquals(orderId, body.path("orderId").asText()),
                  () -> assertEquals("AUTHORIZED", body.path("status").asText()),
                  () -> assertEquals("1111", body.path("cardLastFour").asText()),
                  () -> assertEquals("19.90", body.path("amount").path("amount").asText()),
                  () -> assertEquals(TestObservability.NOW.toString(), body.path("createdAt").asText()));
        assertNoCardNumber(reply, GOOD_CARD);
        assertEquals(readsBefore + filterPasses(), requests("GET", PAYMENTS + "/{paymentId}", "200"),
                     "counted under the route template, not the path");
    }

    @Test
    void answers404ForAnUnknownPayment() {
        Reply reply = get(PAYMENTS + "/pay_doesnotexist");

        assertProblem(reply, 404, "not-found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/api", "/api/orders", "/api/payments/x/y", "/metrics", "/health", "/faults"})
    void answersUnknownPathsWithA404Problem(String path) {
        long unmatchedBefore = requests("GET", "unmatched", "404");

        Reply reply = get(path);

        assertProblem(reply, 404, "not-found");
        assertEquals(unmatchedBefore + filterPasses(), requests("GET", "unmatched", "404"));
    }

    @Test
    void countsAuthorizationsUnderTheRouteTemplate() {
        long before = requests("POST", PAYMENTS, "201");

        authorize(newOrderId(), "1.00", GOOD_CARD);

        assertEquals(before + filterPasses(), requests("POST", PAYMENTS, "201"));
        assertEquals(0, MetricsProbe.counter("http_requests_total", Map.of("endpoint", PAYMENTS + "/")));
    }

    // ---------------------------------------------------------------- request and trace ids

    @ParameterizedTest
    @ValueSource(strings = {"abc", "req-123_ABC.xyz",
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._"}) // 64 characters
    void echoesASaneRequestId(String requestId) {
        Reply ok = sendApi(api.post(PAYMENTS).header(HeaderNames.CONTENT_TYPE, "application/json").header(REQUEST_ID, requestId),
                           body(newOrderId(), "\"1.00\"", "\"card\"", quoted(GOOD_CARD)));
        Reply problem = sendApi(api.get(PAYMENTS + "/pay_unknown").header(REQUEST_ID, requestId), null);

        assertEquals(201, ok.status(), ok.body());
        assertEquals(requestId, ok.requestId());
        assertEquals(requestId, problem.json().path("requestId").asText(), "problems quote the same id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "a/b", "semi;colon", "quote\"d",
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-"}) // 65 characters
    void replacesAnInsaneRequestId(String requestId) {
        Reply ok = sendApi(api.post(PAYMENTS).header(HeaderNames.CONTENT_TYPE, "application/json").header(REQUEST_ID, requestId),
                           body(newOrderId(), "\"1.00\"", "\"card\"", quoted(GOOD_CARD)));
        Reply problem = sendApi(api.get(PAYMENTS + "/pay_unknown").header(REQUEST_ID, requestId), null);

        assertEquals(201, ok.status(), ok.body());
        assertNotEquals(requestId, ok.requestId());
        assertNotEquals(requestId, problem.json().path("requestId").asText());
        assertTrue(SANE_REQUEST_ID.matcher(problem.json().path("requestId").asText()).matches());
    }

    static List<Arguments> errorRequests() {
        return List.of(Arguments.of("GET", "/no/such/path", null, 404),
                       Arguments.of("GET", PAYMENTS + "/pay_unknown", null, 404),
                       Arguments.of("POST", PAYMENTS, "{}", 400),
                       Arguments.of("POST", PAYMENTS, body("declined-order", "\"1.00\"", "\"card\"", quoted(DECLINED_CARD)), 402));
    }

    @ParameterizedTest(name = "{0} {1} -> {3}")
    @MethodSource("errorRequests")
    void errorResponsesCarryTheRequestIdHeader(String method, String path, String json, int status) {
        Http1ClientRequest request = (method.equals("GET") ? api.get(path) : api.post(path)
                .header(HeaderNames.CONTENT_TYPE, "application/json"))
                .header(REQUEST_ID, "caller-id-1");

        Reply reply = send(request, json);

        assertEquals(status, reply.status(), reply.body());
        assertEquals("caller-id-1", reply.requestId());
        assertEquals("caller-id-1", reply.json().path("requestId").asText());
    }

    @Test
    void assignsARequestIdWhenThereIsNone() {
        Reply first = authorize(newOrderId(), "3.00", GOOD_CARD);
        Reply second = authorize(newOrderId(), "3.00", GOOD_CARD);

        assertTrue(SANE_REQUEST_ID.matcher(first.requestId()).matches(), first.requestId());
        assertNotEquals(first.requestId(), second.requestId());
    }

    @Test
    void continuesTheCallersTrace() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Reply reply = sendApi(api.get(PAYMENTS + "/pay_unknown")
                                      .header(TRACEPARENT, "00-" + traceId + "-00f067aa0ba902b7-01"), null);

        assertProblem(reply, 404, "not-found");
        assertEquals(traceId, reply.json().path("traceId").asText());
    }

    @Test
    void startsANewTraceForAnInvalidTraceparent() {
        Reply reply = sendApi(api.get(PAYMENTS + "/pay_unknown").header(TRACEPARENT, "00-nonsense-01"), null);

        assertProblem(reply, 404, "not-found");
    }

    // ---------------------------------------------------------------- fault injection (admin socket)

    @Test
    void errorRateOneFailsEveryApiCall() {
        Reply put = putFaults("{\"errorRate\":1.0}");
        assertEquals(200, put.status(), put.body());
        assertEquals(1.0, put.json().path("errorRate").asDouble());
        assertEquals(1.0, faultGauge("error_rate"));

        for (int i = 0; i < 5; i++) {
            Reply reply = authorize(newOrderId(), "10.00", GOOD_CARD);
            assertProblem(reply, 500, "injected-error");
        }
        assertProblem(get(PAYMENTS + "/pay_unknown"), 500, "injected-error");
        assertEquals(1.0, getFaults().json().path("errorRate").asDouble());
    }

    @Test
    void injectedFaultsAreObservedLikeRealErrors() {
        assertEquals(200, putFaults("{\"errorRate\":1.0}").status());
        settle();
        long failedBefore = requests("POST", PAYMENTS, "500");

        Reply reply = authorize(newOrderId(), "10.00", GOOD_CARD);

        assertProblem(reply, 500, "injected-error");
        assertEquals(failedBefore + filterPasses(), requests("POST", PAYMENTS, "500"),
                     "injected errors are counted as 500 under their route");
    }

    @Test
    void faultGaugesAreZeroWithoutFaults() {
        assertEquals(0.0, faultGauge("error_rate"));
        assertEquals(0.0, faultGauge("latency"));
        assertEquals(0.0, faultGauge("unavailable"));
    }

    @Test
    void latencyDelaysApiCalls() {
        assertEquals(200, putFaults("{\"latencyMs\":200}").status());
        assertEquals(1.0, faultGauge("latency"));

        long start = System.nanoTime();
        Reply reply = get(PAYMENTS + "/pay_unknown");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertProblem(reply, 404, "not-found");
        assertThat(elapsed.toMillis(), greaterThanOrEqualTo(200L));
    }

    @Test
    void unavailableAnswers503() {
        assertEquals(200, putFaults("{\"unavailable\":true}").status());
        assertEquals(1.0, faultGauge("unavailable"));

        Reply reply = authorize(newOrderId(), "10.00", GOOD_CARD);

        assertProblem(reply, 503, "injected-unavailable");
        assertProblem(get("/no/such/path"), 404, "not-found");
        assertEquals(200, getFaults().status(), "the admin socket is not affected by API faults");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"errorRate\":2}            | errorRate",
            "{\"errorRate\":-0.1}         | errorRate",
            "{\"errorRate\":\"0.5\"}      | errorRate",
            "{\"latencyMs\":-1}           | latencyMs",
            "{\"latencyMs\":60001}        | latencyMs",
            "{\"latencyJitterMs\":-5}     | latencyJitterMs",
            "{\"latencyMs\":1.5}          | latencyMs",
            "{\"unavailable\":\"yes\"}    | unavailable",
            "{\"errorRate\":                | body"})
    void rejectsInvalidFaults(String json, String field) {
        assertEquals(200, putFaults("{\"latencyJitterMs\":1}").status());

        Reply reply = putFaults(json);

        assertProblemShape(reply, 400, "validation");
        assertThat(fields(reply), hasItem(field));
        assertEquals(1, getFaults().json().path("latencyJitterMs").asLong(), "an invalid PUT changes nothing");
    }

    @Test
    void putWithAnEmptyObjectClearsEveryFault() {
        assertEquals(200, putFaults("{\"errorRate\":1.0,\"unavailable\":true}").status());

        Reply cleared = putFaults("{}");

        assertEquals(200, cleared.status(), cleared.body());
        assertEquals(0.0, faultGauge("error_rate"));
        assertEquals(0.0, faultGauge("unavailable"));
        assertEquals(201, authorize(newOrderId(), "10.00", GOOD_CARD).status());
    }

    @Test
    void adminResponsesCarryARequestId() {
        Reply reply = send(admin.get("/faults").header(REQUEST_ID, "admin-req-1"), null);

        assertEquals(200, reply.status(), reply.body());
        assertEquals("admin-req-1", reply.requestId());
    }

    // ---------------------------------------------------------------- helpers

    Reply authorize(String orderId, String amount, String card) {
        return post(PAYMENTS, body(orderId, quoted(amount), "\"card\"", quoted(card)));
    }

    Reply post(String path, String json) {
        return sendApi(api.post(path).header(HeaderNames.CONTENT_TYPE, "application/json"), json);
    }

    Reply get(String path) {
        return sendApi(api.get(path), null);
    }

    /**
     * An API call. Successful answers must carry {@code X-Request-ID}; error answers are checked for it only by
     * {@link #errorResponsesCarryTheRequestIdHeader}, which documents a bug, so that the other tests still run.
     */
    static Reply sendApi(Http1ClientRequest request, String body) {
        Reply reply = send(request, body);
        if (reply.status() < 400) {
            assertTrue(reply.requestId() != null && SANE_REQUEST_ID.matcher(reply.requestId()).matches(),
                       "X-Request-ID missing or not sane: " + reply);
        }
        return reply;
    }

    Http1Client api() {
        return api;
    }

    Http1Client admin() {
        return admin;
    }

    private Reply putFaults(String json) {
        return send(admin.put("/faults").header(HeaderNames.CONTENT_TYPE, "application/json"), json);
    }

    private Reply getFaults() {
        return send(admin.get("/faults"), null);
    }

    static Reply send(Http1ClientRequest request, String body) {
        try (Http1ClientResponse response = body == null
                ? request.request()
                : request.submit(body.getBytes(StandardCharsets.UTF_8))) {
            return Reply.of(response);
        }
    }

    static String newOrderId() {
        return "ord-" + UUID.randomUUID();
    }

    static String body(String orderId, String amountJson, String methodJson, String cardJson) {
        return "{\"orderId\":" + quoted(orderId) + ",\"amount\":{\"amount\":" + amountJson + ",\"currency\":\"USD\"},"
                + "\"method\":" + methodJson + ",\"cardNumber\":" + cardJson + "}";
    }

    static String quoted(String value) {
        return "\"" + value + "\"";
    }

    static List<String> fields(Reply reply) {
        List<String> fields = new ArrayList<>();
        reply.json().path("errors").forEach(error -> fields.add(error.path("field").asText()));
        return fields;
    }

    /** Waits until no API request is in flight: the filter records metrics after the client has its answer. */
    static void settle() {
        try {
            assertEquals(0, TestObservability.OBSERVABILITY.inFlight().awaitIdle(Duration.ofSeconds(5)),
                         "requests still in flight after 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for in-flight requests", e);
        }
    }

    static long payments(String status) {
        settle();
        return MetricsProbe.counter("payments_total", Map.of("status", status, "method", "card"));
    }

    static long requests(String method, String endpoint, String status) {
        settle();
        return MetricsProbe.counter("http_requests_total", Map.of("method", method, "endpoint", endpoint, "status", status));
    }

    static double faultGauge(String fault) {
        return MetricsProbe.gauge("fault_injection_active", Map.of("fault", fault));
    }

    /** The contract's error shape: RFC 9457 with request and trace ids, and nothing internal. */
    static void assertProblem(Reply reply, int status, String slug) {
        assertEquals(status, reply.status(), reply.body());
        assertThat(reply.contentType(), startsWith(PROBLEM_JSON));
        JsonNode problem = reply.json();
        assertAll(reply.body(),
                  () -> assertEquals(Problem.TYPE_BASE + slug, problem.path("type").asText()),
                  () -> assertFalse(problem.path("title").asText().isBlank()),
                  () -> assertEquals(status, problem.path("status").asInt()),
                  () -> assertTrue(problem.path("status").isInt(), "status is a number"),
                  () -> assertTrue(SANE_REQUEST_ID.matcher(problem.path("requestId").asText()).matches(), "requestId"),
                  () -> {
                      if (reply.requestId() != null) {
                          assertEquals(reply.requestId(), problem.path("requestId").asText());
                      }
                  },
                  () -> assertTrue(TRACE_ID.matcher(problem.path("traceId").asText()).matches(), "traceId"),
                  () -> assertNotEquals("0".repeat(32), problem.path("traceId").asText()),
                  () -> assertThat(reply.body(), not(containsString("Exception"))),
                  () -> assertThat(reply.body(), not(containsString("\tat "))),
                  () -> assertThat(reply.body(), not(containsString("dev.o11yshop"))));
    }

    /**
     * The problem shape without request and trace ids: errors of the admin socket, which has no request observation
     * (see {@link #adminResponsesCarryARequestId()}).
     */
    static void assertProblemShape(Reply reply, int status, String slug) {
        assertEquals(status, reply.status(), reply.body());
        assertThat(reply.contentType(), startsWith(PROBLEM_JSON));
        JsonNode problem = reply.json();
        assertAll(reply.body(),
                  () -> assertEquals(Problem.TYPE_BASE + slug, problem.path("type").asText()),
                  () -> assertFalse(problem.path("title").asText().isBlank()),
                  () -> assertEquals(status, problem.path("status").asInt()),
                  () -> assertThat(reply.body(), not(containsString("Exception"))));
    }

    static void assertNoCardNumber(Reply reply, String card) {
        String digits = card.replaceAll("[^0-9]", "");
        assertThat(reply.body(), not(containsString(card)));
        assertThat(reply.body(), not(containsString(digits)));
        assertThat(reply.headers(), not(containsString(digits)));
    }

    /** A fully read response. */
    record Reply(int status, String contentType, String requestId, String headers, String body) {
        static Reply of(Http1ClientResponse response) {
            return new Reply(response.status().code(),
                             response.headers().first(HeaderNames.CONTENT_TYPE).orElse(""),
                             response.headers().first(REQUEST_ID).orElse(null),
                             response.headers().toString(),
                             response.as(String.class));
        }

        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body + " " + Arrays.toString(headers.split("\n"));
        }
    }
}
