package dev.o11yshop.order;

import static dev.o11yshop.order.MetricsProbe.orders;
import static dev.o11yshop.order.MetricsProbe.payments;
import static dev.o11yshop.order.MetricsProbe.requests;
import static dev.o11yshop.order.OrderBody.DECLINED_CARD;
import static dev.o11yshop.order.OrderBody.GOOD_CARD;
import static dev.o11yshop.order.OrderBody.LUHN_INVALID_CARD;
import static dev.o11yshop.order.OrderBody.NO_FUNDS_CARD;
import static dev.o11yshop.order.OrderBody.line;
import static dev.o11yshop.order.OrderBody.newCustomer;
import static dev.o11yshop.order.ProblemAssertions.assertNoCardNumber;
import static dev.o11yshop.order.ProblemAssertions.assertProblem;
import static dev.o11yshop.order.ProblemAssertions.assertRequestId;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.order.InventoryProbe.Product;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
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
 * Every HTTP test of order-service, run twice: in memory ({@link OrderRoutesRoutingTest}) and over real sockets
 * ({@link OrderRoutesServerTest}). Either way the checkout calls real inventory-service and payment-service servers
 * ({@link TestShop}); stock and prices are read back through inventory's own API. Helidon's junit5 support finds
 * {@code @SetUpRoute} methods on the whole class hierarchy, so the routes are set up once, here.
 *
 * <p>Both subclasses share one inventory. Tests compare stock before and after on plentiful products, and a test
 * that drains a product uses its subclass's own {@link Lane}, so neither run disturbs the other.
 */
abstract class OrderRoutesTest {
    static final String ORDERS = "/api/orders";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Plentiful products (over 900 units each) that tests buy a few units of. */
    static final String CABLE = "SKU-0001";
    static final String MUG = "SKU-0014";
    static final String STICKERS = "SKU-0015";

    private static final Pattern ORDER_ID = Pattern.compile("ord_[0-9a-f]{32}");
    private static final Pattern PAYMENT_ID = Pattern.compile("pay_[0-9a-f]{32}");

    /**
     * Products one subclass may drain or must watch alone.
     *
     * @param lastUnits drained to its last 50 units, then sold out by concurrent buyers
     * @param scarce    drained to its last 3 units to be over-ordered
     * @param declined  reserved by declined orders, which must give every unit back
     */
    record Lane(String lastUnits, String scarce, String declined) {
    }

    private final Http1Client api;
    private final Http1Client admin;
    private final Lane lane;
    private final InventoryProbe inventory = new InventoryProbe(TestShop.INVENTORY.uri());

    OrderRoutesTest(Http1Client api, Http1Client admin, Lane lane) {
        this.api = api;
        this.admin = admin;
        this.lane = lane;
    }

    /**
     * How often the API filter runs per request: once in a real server; twice in memory (a Helidon 4.1.2
     * {@code DirectClient} quirk, see {@link OrderRoutesRoutingTest}). Request counts are asserted as multiples of it.
     */
    int filterPasses() {
        return 1;
    }

    @SetUpRoute
    static void apiRoutes(HttpRouting.Builder routing) {
        TestShop.sharedOrderRouting(routing);
    }

    @SetUpRoute("admin")
    static void adminRoutes(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.admin(routing);
    }

    /** Faults are process-global (every service of this JVM shares them): leave none behind. */
    @AfterEach
    void resetFaults() {
        Reply reply = Reply.send(admin.delete("/faults"), null);
        assertEquals(200, reply.status(), reply.toString());
        assertEquals(0.0, reply.json().path("errorRate").asDouble());
        assertEquals(0.0, MetricsProbe.gauge("fault_injection_active", Map.of("fault", "error_rate")));
    }

    // ---------------------------------------------------------------- checkout

    @Test
    void confirmsAnOrderPricedByInventory() {
        Product cable = inventory.product(CABLE);
        Product stickers = inventory.product(STICKERS);
        long confirmedBefore = orders("confirmed");
        long createdBefore = requests("POST", ORDERS, "201");
        Instant before = Instant.now();

        Reply reply = place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 2), line(STICKERS, 3)));

        Instant after = Instant.now();
        JsonNode order = assertConfirmed(reply);
        BigDecimal total = cable.unitPrice().multiply(BigDecimal.valueOf(2))
                .add(stickers.unitPrice().multiply(BigDecimal.valueOf(3)));
        assertAll(reply.body(),
                  () -> assertTrue(ORDER_ID.matcher(order.path("orderId").asText()).matches(), "orderId"),
                  () -> assertMoney(total, order.path("total")),
                  () -> assertEquals(2, order.path("items").size()),
                  () -> assertLine(order.path("items").path(0), CABLE, 2, cable.unitPrice()),
                  () -> assertLine(order.path("items").path(1), STICKERS, 3, stickers.unitPrice()),
                  () -> assertTrue(PAYMENT_ID.matcher(order.path("paymentId").asText()).matches(), "paymentId"),
                  () -> assertEquals("card", order.path("paymentMethod").asText()),
                  () -> assertFalse(order.has("rejectionReason")),
                  () -> assertCreatedBetween(order, before, after));
        assertSold(cable, 2);
        assertSold(stickers, 3);
        assertEquals(confirmedBefore + 1, orders("confirmed"));
        assertEquals(createdBefore + filterPasses(), requests("POST", ORDERS, "201"),
                     "counted under the route template");
    }

    @Test
    void readsAnOrderBackAsItWasCreated() {
        Reply created = place(OrderBody.of(newCustomer(), GOOD_CARD, line(MUG, 1)));
        String orderId = assertConfirmed(created).path("orderId").asText();
        long readsBefore = requests("GET", ORDERS + "/{orderId}", "200");

        Reply read = get(ORDERS + "/" + orderId);

        assertEquals(200, read.status(), read.toString());
        assertThat(read.contentType(), startsWith("application/json"));
        assertEquals(created.json(), read.json());
        assertEquals(readsBefore + filterPasses(), requests("GET", ORDERS + "/{orderId}", "200"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ord_00000000000000000000000000000000", "nonsense"})
    void answers404ForAnUnknownOrder(String orderId) {
        assertProblem(get(ORDERS + "/" + orderId), 404, "not-found");
    }

    @Test
    void listsACustomersOrdersNewestFirstWithinTheLimit() {
        String customer = newCustomer();
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode order = assertConfirmed(place(OrderBody.of(customer, GOOD_CARD, line(CABLE, 1))));
            placed.add(order.path("orderId").asText());
        }
        assertConfirmed(place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1))));
        List<String> newestFirst = placed.reversed();

        assertEquals(newestFirst.subList(0, 2), listedIds(customer, "2"));
        assertEquals(newestFirst, listedIds(customer, "100"));
        assertEquals(newestFirst, listedIds(customer, null), "the default limit covers them");
        assertEquals(newestFirst.subList(0, 1), listedIds(customer, "1"));

        JsonNode list = list(customer, null);
        assertEquals(3, list.path("count").asInt());
        List<Instant> created = new ArrayList<>();
        list.path("orders").forEach(order -> {
            assertEquals(customer, order.path("customerId").asText());
            created.add(Instant.parse(order.path("createdAt").asText()));
        });
        for (int i = 1; i < created.size(); i++) {
            assertThat("newest first", created.get(i), lessThanOrEqualTo(created.get(i - 1)));
        }
    }

    @Test
    void listsEveryCustomerWithoutACustomerId() {
        String orderId = assertConfirmed(place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1))))
                .path("orderId").asText();

        JsonNode list = list(null, "1");

        assertEquals(1, list.path("count").asInt());
        assertEquals(orderId, list.path("orders").path(0).path("orderId").asText(), "the newest order of all");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "101", "-1", "abc", "", "1.5", "99999999999"})
    void rejectsALimitOutsideOneToOneHundred(String limit) {
        Reply reply = listOrders("someone", limit);

        assertProblem(reply, 400, "validation");
        assertEquals(List.of("limit"), reply.fields());
    }

    @Test
    void ignoresUnknownFields() {
        String json = OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1))
                .set("/note", "{\"gift\":true}")
                .set("/items/0/color", "\"red\"")
                .set("/payment/cvv", "\"123\"")
                .json();

        Reply reply = post(json);

        assertConfirmed(reply);
        assertThat(reply.body(), not(containsString("cvv")));
    }

    static Stream<Arguments> boundaryOrders() {
        return Stream.of(
                Arguments.of("quantity 100", OrderBody.of(newCustomer(), GOOD_CARD, line(STICKERS, 100))),
                Arguments.of("50 items",
                             OrderBody.of(newCustomer(), GOOD_CARD, Collections.nCopies(50, line(STICKERS, 1)))),
                Arguments.of("customerId of 64 characters", OrderBody.of("c".repeat(64), GOOD_CARD, line(STICKERS, 1))),
                Arguments.of("grouped card number",
                             OrderBody.of(newCustomer(), "4111 1111 1111 1111", line(STICKERS, 1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaryOrders")
    void acceptsOrdersAtTheLimits(String description, OrderBody body) {
        assertConfirmed(place(body));
    }

    /**
     * Each line is within 1–100 units, so the order is valid by the contract. order-service sums a sku's lines into
     * one reservation line of 120, which inventory rejects (at most 100 per line) with a 400 that order-service turns
     * into a 503 "unexpected status 400".
     */
    @Test
    void acceptsRepeatedLinesOfOneSkuBeyondOneHundredInTotal() {
        Product before = inventory.product(STICKERS);

        Reply reply = place(OrderBody.of(newCustomer(), GOOD_CARD, line(STICKERS, 60), line(STICKERS, 60)));

        JsonNode order = assertConfirmed(reply);
        assertLine(order.path("items").path(0), STICKERS, 120, before.unitPrice());
        assertMoney(before.unitPrice().multiply(BigDecimal.valueOf(120)), order.path("total"));
        assertSold(before, 120);
    }

    // ---------------------------------------------------------------- business rejections (422)

    @Test
    void rejectsAnOrderBeyondTheStockAndKeepsItAsRejected() {
        String sku = lane.scarce();
        Product before = inventory.drainTo(sku, 3);
        long rejectedBefore = orders("rejected_stock");
        String customer = newCustomer();

        Reply reply = place(OrderBody.of(customer, GOOD_CARD, line(sku, 4)));

        JsonNode problem = assertProblem(reply, 422, "out-of-stock");
        assertTrue(problem.path("type").asText().endsWith("/out-of-stock"));
        assertThat(problem.path("detail").asText(), containsString(sku));
        JsonNode rejected = onlyOrderOf(customer);
        assertAll(rejected.toString(),
                  () -> assertEquals("REJECTED", rejected.path("status").asText()),
                  () -> assertEquals("out_of_stock", rejected.path("rejectionReason").asText()),
                  () -> assertFalse(rejected.has("paymentId"), "nothing was charged"),
                  () -> assertTrue(ORDER_ID.matcher(rejected.path("orderId").asText()).matches()));
        assertEquals(rejected, get(ORDERS + "/" + rejected.path("orderId").asText()).json());
        assertEquals(rejectedBefore + 1, orders("rejected_stock"));
        assertStockUnchanged(before);

        assertConfirmed(place(OrderBody.of(customer, GOOD_CARD, line(sku, 3))));
        assertEquals(0, inventory.assertBalanced(sku).available(), "the last 3 units could still be bought");
    }

    @ParameterizedTest
    @CsvSource({DECLINED_CARD + ", card_declined", NO_FUNDS_CARD + ", insufficient_funds"})
    void rejectsADeclinedPaymentAndReleasesTheStock(String card, String reason) {
        Product before = inventory.product(lane.declined());
        long rejectedBefore = orders("rejected_payment");
        long declinedBefore = payments("declined");
        String customer = newCustomer();

        Reply reply = place(OrderBody.of(customer, card, line(lane.declined(), 2)));

        JsonNode problem = assertProblem(reply, 422, "payment-declined");
        assertTrue(problem.path("type").asText().endsWith("/payment-declined"));
        assertThat(problem.path("detail").asText(), containsString(reason));
        assertNoCardNumber(reply, card);
        assertStockUnchanged(before);
        JsonNode rejected = onlyOrderOf(customer);
        assertAll(rejected.toString(),
                  () -> assertEquals("REJECTED", rejected.path("status").asText()),
                  () -> assertEquals(reason, rejected.path("rejectionReason").asText()),
                  () -> assertMoney(before.unitPrice().multiply(BigDecimal.valueOf(2)), rejected.path("total")),
                  () -> assertFalse(rejected.has("paymentId")));
        assertEquals(rejectedBefore + 1, orders("rejected_payment"));
        assertEquals(declinedBefore + 1, payments("declined"));
    }

    /** The contract's problem shape includes {@code instance}, the path of the request that failed. */
    @Test
    void rejectionsNameTheirInstance() {
        Reply reply = place(OrderBody.of(newCustomer(), DECLINED_CARD, line(lane.declined(), 1)));

        assertProblem(reply, 422, "payment-declined");
        assertEquals(ORDERS, reply.json().path("instance").asText(), reply.body());
    }

    /**
     * inventory answers a release with 204 and no body. DownstreamClient reads every answer's body, and Helidon throws
     * "No entity" for a 204: the release (done by then) counts as a failed call for the circuit breaker and is sent
     * twice more. In production every declined payment thus adds three failures to the inventory circuit, which opens
     * after a few declines and fails all checkouts for the breaker delay.
     */
    @Test
    void releasesTheReservationOfADeclinedOrderWithOneCall() {
        long releasesBefore = MetricsProbe.clientRequests("inventory-service", "DELETE");

        Reply reply = place(OrderBody.of(newCustomer(), DECLINED_CARD, line(lane.declined(), 1)));

        assertProblem(reply, 422, "payment-declined");
        assertEquals(releasesBefore + 1, MetricsProbe.clientRequests("inventory-service", "DELETE"));
    }

    // ---------------------------------------------------------------- bad input (4xx, never 5xx)

    /** The base of every bad-input case: a valid order of one cable. */
    static OrderBody valid() {
        return OrderBody.of("cust-invalid", GOOD_CARD, line(CABLE, 1));
    }

    static Stream<Arguments> invalidOrders() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"customerId\": \"c\", ", "body"),
                Arguments.of("not JSON at all", "customerId=c", "body"),
                Arguments.of("a JSON array", "[]", "body"),
                Arguments.of("JSON null", "null", "body"),
                Arguments.of("empty body", "", "body"),
                Arguments.of("trailing tokens", valid().json() + " {}", "body"),
                Arguments.of("quantity as a string", valid().set("/items/0/quantity", "\"2\"").json(),
                             "items[0].quantity"),
                Arguments.of("quantity 2.5", valid().set("/items/0/quantity", "2.5").json(), "items[0].quantity"),
                Arguments.of("quantity 10^12", valid().set("/items/0/quantity", "1000000000000").json(),
                             "items[0].quantity"),
                Arguments.of("quantity 0", valid().set("/items/0/quantity", "0").json(), "items[0].quantity"),
                Arguments.of("quantity -1", valid().set("/items/0/quantity", "-1").json(), "items[0].quantity"),
                Arguments.of("quantity 101", valid().set("/items/0/quantity", "101").json(), "items[0].quantity"),
                Arguments.of("quantity missing", valid().remove("/items/0/quantity").json(), "items[0].quantity"),
                Arguments.of("items as an object", valid().set("/items", "{\"sku\":\"SKU-0001\",\"quantity\":1}").json(),
                             "items"),
                Arguments.of("items missing", valid().remove("/items").json(), "items"),
                Arguments.of("items empty", valid().set("/items", "[]").json(), "items"),
                Arguments.of("51 items", OrderBody.of("cust-invalid", GOOD_CARD,
                                                      Collections.nCopies(51, line(CABLE, 1))).json(), "items"),
                Arguments.of("an item null", valid().set("/items/0", "null").json(), "items[0]"),
                Arguments.of("sku BAD", valid().set("/items/0/sku", "\"BAD\"").json(), "items[0].sku"),
                Arguments.of("sku in lower case", valid().set("/items/0/sku", "\"sku-0001\"").json(), "items[0].sku"),
                Arguments.of("sku missing", valid().remove("/items/0/sku").json(), "items[0].sku"),
                Arguments.of("sku as a number", valid().set("/items/0/sku", "1").json(), "items[0].sku"),
                Arguments.of("unknown sku SKU-9999", valid().set("/items/0/sku", "\"SKU-9999\"").json(), "items[0].sku"),
                Arguments.of("customerId as a number", valid().set("/customerId", "42").json(), "customerId"),
                Arguments.of("customerId missing", valid().remove("/customerId").json(), "customerId"),
                Arguments.of("customerId blank", valid().set("/customerId", "\"  \"").json(), "customerId"),
                Arguments.of("customerId of 65 characters",
                             valid().set("/customerId", "\"" + "c".repeat(65) + "\"").json(), "customerId"),
                Arguments.of("payment missing", valid().remove("/payment").json(), "payment"),
                Arguments.of("payment as a string", valid().set("/payment", "\"card\"").json(), "payment"),
                Arguments.of("cardNumber missing", valid().remove("/payment/cardNumber").json(), "payment.cardNumber"),
                Arguments.of("cardNumber as a number", valid().set("/payment/cardNumber", GOOD_CARD).json(),
                             "payment.cardNumber"),
                Arguments.of("method missing", valid().remove("/payment/method").json(), "payment.method"),
                Arguments.of("unsupported method paypal", valid().set("/payment/method", "\"paypal\"").json(),
                             "payment.method"),
                Arguments.of("Luhn-invalid card",
                             valid().set("/payment/cardNumber", "\"" + LUHN_INVALID_CARD + "\"").json(),
                             "payment.cardNumber"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidOrders")
    void rejectsInvalidOrdersNamingTheFieldWithoutTouchingStock(String description, String json, String field) {
        Product before = inventory.product(CABLE);
        long checkoutsBefore = MetricsProbe.checkouts();

        Reply reply = post(json);

        assertProblem(reply, 400, "validation");
        assertThat(description, reply.fields(), hasItem(field));
        assertNoCardNumber(reply, GOOD_CARD);
        assertNoCardNumber(reply, LUHN_INVALID_CARD);
        assertStockUnchanged(before);
        assertEquals(checkoutsBefore, MetricsProbe.checkouts(), "an invalid request is no checkout outcome");
    }

    @Test
    void namesEveryMissingField() {
        Reply reply = post("{}");

        assertProblem(reply, 400, "validation");
        assertEquals(List.of("customerId", "items", "payment"), reply.fields());
    }

    @Test
    void namesAnUnknownSkuBehindAKnownOneAndReservesNothing() {
        Product before = inventory.product(CABLE);

        Reply reply = place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1), line("SKU-9999", 1)));

        assertProblem(reply, 400, "validation");
        assertEquals(List.of("items[1].sku"), reply.fields());
        assertStockUnchanged(before);
    }

    /** A request's field path must point into the request as sent, not into order-service's merged quantities. */
    @Test
    void namesAnUnknownSkuByItsIndexInTheRequest() {
        Reply reply = place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1), line(CABLE, 1), line("SKU-9999", 1)));

        assertProblem(reply, 400, "validation");
        assertEquals(List.of("items[2].sku"), reply.fields());
    }

    @Test
    void rejectsALuhnInvalidCardAndReleasesTheReservation() {
        Product before = inventory.product(MUG);
        String customer = newCustomer();

        Reply reply = place(OrderBody.of(customer, LUHN_INVALID_CARD, line(MUG, 2)));

        assertProblem(reply, 400, "validation");
        assertEquals(List.of("payment.cardNumber"), reply.fields());
        assertStockUnchanged(before);
        assertEquals(0, orderCount(customer), "an invalid request leaves no order");
    }

    @ParameterizedTest
    @ValueSource(ints = {64 * 1024 + 1, 1024 * 1024})
    void rejectsABodyOver64KiB(int size) {
        Product before = inventory.product(CABLE);
        String json = valid().json();

        Reply reply = post(json + " ".repeat(size - json.length()));

        assertProblem(reply, 413, "payload-too-large");
        assertStockUnchanged(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"k123456789k123456789k123456789k123456789k123456789k123456789k1234", // 65 characters
            "has space", "a/b", "quote\"d"})
    void rejectsABadIdempotencyKey(String key) {
        Product before = inventory.product(CABLE);

        Reply reply = place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1)), key);

        assertProblem(reply, 400, "validation");
        assertEquals(List.of(IDEMPOTENCY_KEY), reply.fields());
        assertStockUnchanged(before);
    }

    // ---------------------------------------------------------------- idempotency

    @ParameterizedTest
    @CsvSource({GOOD_CARD + ", 201, authorized", DECLINED_CARD + ", 422, declined"})
    void replaysTheFirstAnswerForTheSameKeyAndBody(String card, int status, String paymentStatus) {
        Product before = inventory.product(MUG);
        long paymentsBefore = payments(paymentStatus);
        String customer = newCustomer();
        OrderBody body = OrderBody.of(customer, card, line(MUG, 2));
        String key = newKey();

        Reply first = place(body, key);
        Reply replay = place(body, key);

        assertEquals(status, first.status(), first.toString());
        assertEquals(first.status(), replay.status());
        assertEquals(first.contentType(), replay.contentType());
        assertEquals(first.body(), replay.body(), "the replay is the original answer");
        assertEquals(1, orderCount(customer), "one order");
        assertSold(before, status == 201 ? 2 : 0);
        assertEquals(paymentsBefore + 1, payments(paymentStatus), "one charge");
    }

    @Test
    void rejectsTheSameKeyWithAnotherBody() {
        Product before = inventory.product(MUG);
        String customer = newCustomer();
        String key = newKey();
        assertConfirmed(place(OrderBody.of(customer, GOOD_CARD, line(MUG, 1)), key));

        Reply reply = place(OrderBody.of(customer, GOOD_CARD, line(MUG, 2)), key);

        assertProblem(reply, 409, "idempotency-key-reused");
        assertEquals(1, orderCount(customer));
        assertSold(before, 1);
    }

    @Test
    void concurrentRequestsWithOneKeyPlaceOneOrder() throws Exception {
        Product before = inventory.product(MUG);
        long authorizedBefore = payments("authorized");
        String customer = newCustomer();
        OrderBody body = OrderBody.of(customer, GOOD_CARD, line(MUG, 3));
        String key = newKey();

        List<Reply> replies = Concurrently.run(10, i -> place(body, key));

        replies.forEach(OrderRoutesTest::assertConfirmed);
        assertEquals(1, replies.stream().map(Reply::body).distinct().count(), "one answer: " + replies);
        assertEquals(1, orderCount(customer));
        assertSold(before, 3);
        assertEquals(authorizedBefore + 1, payments("authorized"));
    }

    @Test
    void anInvalidRequestLeavesItsKeyFree() {
        String key = newKey();
        OrderBody body = OrderBody.of(newCustomer(), GOOD_CARD, line(MUG, 1));
        assertProblem(place(OrderBody.of("", GOOD_CARD, line(MUG, 1)), key), 400, "validation");

        assertConfirmed(place(body, key));
    }

    @Test
    void acceptsAKeyOfSixtyFourCharacters() {
        assertConfirmed(place(OrderBody.of(newCustomer(), GOOD_CARD, line(MUG, 1)),
                              "k123456789k123456789k123456789k123456789k123456789k123456789k:-."));
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void twoHundredBuyersShareTheLastFiftyUnits() throws Exception {
        String sku = lane.lastUnits();
        Product before = inventory.drainTo(sku, 50);
        long confirmedBefore = orders("confirmed");
        long rejectedBefore = orders("rejected_stock");

        List<Reply> replies = Concurrently.run(200, i -> place(OrderBody.of(newCustomer(), GOOD_CARD, line(sku, 1))));

        assertEquals(Map.of(201, 50L, 422, 150L), countByStatus(replies));
        replies.stream().filter(reply -> reply.status() == 422)
                .forEach(reply -> assertProblem(reply, 422, "out-of-stock"));
        replies.stream().filter(reply -> reply.status() == 201).forEach(OrderRoutesTest::assertConfirmed);
        Product after = inventory.assertBalanced(sku);
        assertAll(after.toString(),
                  () -> assertEquals(0, after.available()),
                  () -> assertEquals(before.reserved(), after.reserved()),
                  () -> assertEquals(before.sold() + 50, after.sold()),
                  () -> assertEquals(before.stocked(), after.available() + after.reserved() + after.sold()));
        assertEquals(confirmedBefore + 50, orders("confirmed"));
        assertEquals(rejectedBefore + 150, orders("rejected_stock"));
    }

    @Test
    void concurrentDeclinedOrdersReleaseEveryReservation() throws Exception {
        String sku = lane.declined();
        Product before = inventory.product(sku);

        List<Reply> replies = Concurrently.run(30, i -> place(OrderBody.of(newCustomer(), DECLINED_CARD, line(sku, 2))));

        assertEquals(Map.of(422, 30L), countByStatus(replies));
        replies.forEach(reply -> assertProblem(reply, 422, "payment-declined"));
        Product after = inventory.assertBalanced(sku);
        assertEquals(0, after.reserved(), "every reservation released");
        assertStockUnchanged(before);
    }

    // ---------------------------------------------------------------- fault injection (admin socket)

    @Test
    void anInjectedErrorRateFailsCheckoutsWithA500() {
        Product before = inventory.product(CABLE);
        Reply put = Reply.send(admin.put("/faults").header(HeaderNames.CONTENT_TYPE, "application/json"),
                               "{\"errorRate\":1.0}");
        assertEquals(200, put.status(), put.toString());
        assertEquals(1.0, MetricsProbe.gauge("fault_injection_active", Map.of("fault", "error_rate")));

        Reply reply = place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1)));

        assertProblem(reply, 500, "injected-error");
        assertProblem(listOrders(null, "1"), 500, "injected-error");
        resetFaults(); // the shared faults fail inventory's API too
        assertStockUnchanged(before);
        assertConfirmed(place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1))));
    }

    // ---------------------------------------------------------------- helpers

    /** Places an order; every answer carries a request id and never the card number. */
    Reply place(OrderBody body) {
        return place(body, null);
    }

    Reply place(OrderBody body, String idempotencyKey) {
        Http1ClientRequest request = api.post(ORDERS).header(HeaderNames.CONTENT_TYPE, "application/json");
        if (idempotencyKey != null) {
            request.header(HeaderNames.create(IDEMPOTENCY_KEY), idempotencyKey);
        }
        Reply reply = call(request, body.json());
        assertNoCardNumber(reply, body.cardNumber());
        return reply;
    }

    Reply post(String json) {
        return call(api.post(ORDERS).header(HeaderNames.CONTENT_TYPE, "application/json"), json);
    }

    Reply get(String path) {
        return call(api.get(path), null);
    }

    Http1Client admin() {
        return admin;
    }

    private static Reply call(Http1ClientRequest request, String body) {
        Reply reply = Reply.send(request, body);
        assertRequestId(reply);
        return reply;
    }

    /** {@code GET /api/orders} with the query parameters that are not null. */
    Reply listOrders(String customerId, String limit) {
        Http1ClientRequest request = api.get(ORDERS);
        if (customerId != null) {
            request.queryParam("customerId", customerId);
        }
        if (limit != null) {
            request.queryParam("limit", limit);
        }
        return call(request, null);
    }

    private JsonNode list(String customerId, String limit) {
        Reply reply = listOrders(customerId, limit);
        assertEquals(200, reply.status(), reply.toString());
        assertThat(reply.contentType(), startsWith("application/json"));
        assertEquals(reply.json().path("orders").size(), reply.json().path("count").asInt());
        return reply.json();
    }

    private int orderCount(String customer) {
        return list(customer, null).path("count").asInt();
    }

    private List<String> listedIds(String customer, String limit) {
        List<String> ids = new ArrayList<>();
        list(customer, limit).path("orders").forEach(order -> ids.add(order.path("orderId").asText()));
        return ids;
    }

    /** The one order a customer has, found through the list endpoint. */
    private JsonNode onlyOrderOf(String customer) {
        JsonNode list = list(customer, null);
        assertEquals(1, list.path("count").asInt(), list.toString());
        return list.path("orders").path(0);
    }

    /** Inventory shows {@code units} more sold than {@code before}, and as much reserved as then. */
    private void assertSold(Product before, int units) {
        Product after = inventory.assertBalanced(before.sku());
        assertAll(before.sku(),
                  () -> assertEquals(before.sold() + units, after.sold(), "sold"),
                  () -> assertEquals(before.available() - units, after.available(), "available"),
                  () -> assertEquals(before.reserved(), after.reserved(), "reserved"));
    }

    private void assertStockUnchanged(Product before) {
        assertSold(before, 0);
    }

    static JsonNode assertConfirmed(Reply reply) {
        assertEquals(201, reply.status(), reply.toString());
        assertThat(reply.contentType(), startsWith("application/json"));
        JsonNode order = reply.json();
        assertEquals("CONFIRMED", order.path("status").asText(), reply.body());
        return order;
    }

    private static void assertLine(JsonNode line, String sku, int quantity, BigDecimal unitPrice) {
        assertEquals(sku, line.path("sku").asText(), line.toString());
        assertEquals(quantity, line.path("quantity").asInt(), line.toString());
        assertMoney(unitPrice, line.path("unitPrice"));
    }

    /** Money on the wire: a decimal string with two places, and a currency. */
    private static void assertMoney(BigDecimal expected, JsonNode money) {
        assertTrue(money.path("amount").isTextual(), "amount is a decimal string: " + money);
        assertEquals(expected.setScale(2).toPlainString(), money.path("amount").asText(), money.toString());
        assertEquals("USD", money.path("currency").asText(), money.toString());
    }

    private static void assertCreatedBetween(JsonNode order, Instant before, Instant after) {
        Instant created = Instant.parse(order.path("createdAt").asText());
        assertFalse(created.isBefore(before) || created.isAfter(after),
                    created + " not in [" + before + ", " + after + "]");
    }

    private static Map<Integer, Long> countByStatus(List<Reply> replies) {
        return replies.stream().collect(Collectors.groupingBy(Reply::status, Collectors.counting()));
    }

    private static String newKey() {
        return "key-" + UUID.randomUUID();
    }
}
