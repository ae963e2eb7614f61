package dev.o11yshop.inventory;

import dev.o11yshop.observability.Eventually;
import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isOneOf;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.ManualClock;
import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ProblemHandlers;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every HTTP test of inventory-service, run twice by its subclasses: in memory ({@link InventoryRoutesRoutingTest},
 * Helidon's {@code DirectClient}) and over sockets ({@link InventoryRoutesServerTest}). Both use the production
 * routing ({@link Main#routing}) behind the production observability filters, with a clock the tests move.
 *
 * <p>State shared between tests: each subclass has its own inventory, but metrics are process-global, so metric
 * checks compare before and after. Each test uses its own products for stock checks, releases every reservation it
 * made ({@link #releaseLeftovers()}), and waits for what background jobs do instead of sleeping.
 */
abstract class InventoryRoutesTest {
    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    static final Duration TTL = Duration.ofSeconds(30);
    static final int RESTOCK_UNITS = 5;
    /** The admin socket's name, as {@code ShopServer} calls it. */
    static final String ADMIN = "admin";

    private static final String PROBLEM_TYPES = "https://o11y-shop.dev/problems/";

    /** What a test class needs besides its clients: the clock its API runs on and its background jobs. */
    record Fixture(ManualClock clock, StockMaintenance maintenance) {
    }

    private final Http1Client api;
    private final Http1Client admin;
    private final Fixture fixture;
    private final List<String> reservationsMade = new ArrayList<>();
    private CapturedLogs logs;

    InventoryRoutesTest(Http1Client api, Http1Client admin, Fixture fixture) {
        this.api = api;
        this.admin = admin;
        this.fixture = fixture;
    }

    // ---- set-up shared by the subclasses' @SetUpServer / @SetUpRoute methods -------------------------------------

    /** The server of every test: no discovered features (the service loader would add observe endpoints to the API). */
    static void setUpServer(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false);
    }

    /** The API socket exactly as {@code ShopServer} builds it: observability filters, then the service's routes. */
    static Fixture setUpApi(HttpRouting.Builder routing) {
        Observability observability = TestObservability.get();
        observability.api(routing);
        ManualClock clock = new ManualClock(START);
        StockMaintenance maintenance = Main.routing(routing, observability, testConfig(), clock);
        return new Fixture(clock, maintenance);
    }

    /** The admin socket's routes ({@code /faults}); metrics and health come from the observe feature. */
    static void setUpAdmin(HttpRouting.Builder routing) {
        TestObservability.get().admin(routing);
    }

    /**
     * Restock only when a test says so (the scheduled run is an hour away), by a fixed amount on every line (the
     * ceiling is out of reach); sweep often, so that the scheduled sweep is seen working within a test.
     */
    private static Config testConfig() {
        return Config.just(ConfigSources.create(Map.of(
                "inventory.reservation.ttl.ms", Long.toString(TTL.toMillis()),
                "inventory.expiry.sweep.interval.ms", "50",
                "inventory.restock.interval.ms", Long.toString(Duration.ofHours(1).toMillis()),
                "inventory.restock.units", Integer.toString(RESTOCK_UNITS),
                "inventory.restock.ceiling", "1000000")));
    }

    /**
     * The current value of a metric series with (at least) these labels, if it exists.
     *
     * @param labels label names and values, alternating
     */
    abstract Optional<Double> metric(String name, String... labels);

    @BeforeEach
    void captureLogs() {
        logs = CapturedLogs.of(ReservationsService.class, StockMaintenance.class);
    }

    /** Leaves no active reservation behind, so that later clock moves expire only what a test means to expire. */
    @AfterEach
    void releaseLeftovers() {
        logs.close();
        for (String id : reservationsMade) {
            Reply reply = call(api, Method.DELETE, "/api/reservations/" + id, null);
            // 409: it was committed, which is final.
            assertThat("release of " + id, reply.status(), isOneOf(204, 409));
        }
    }

    // ---- products ------------------------------------------------------------------------------------------------

    @Test
    void listsTheCatalogWithStockPerWarehouse() throws Exception {
        Reply reply = call(api, Method.GET, "/api/products", null);

        assertThat(reply.status(), is(200));
        assertThat(reply.contentType(), startsWith("application/json"));
        JsonNode products = reply.json().get("products");
        assertThat(products.size(), is(20));
        List<String> skus = stream(products).map(product -> product.get("sku").asText()).toList();
        assertThat(skus, everyItem(matchesRegex("SKU-\\d{4}")));
        assertThat(skus.getFirst(), is("SKU-0001"));
        for (JsonNode product : products) {
            assertThat(product.get("name").asText(), not(""));
            assertThat(product.get("unitPrice").get("currency").asText(), is("USD"));
            assertThat(product.get("unitPrice").get("amount").isTextual(), is(true));
            JsonNode warehouses = product.get("warehouses");
            assertThat(warehouses.size(), org.hamcrest.Matchers.greaterThanOrEqualTo(2));
            int available = stream(warehouses).mapToInt(line -> line.get("available").asInt()).sum();
            assertThat(product.get("sku") + " available", product.get("available").asInt(), is(available));
            for (JsonNode line : warehouses) {
                assertThat(line.get("warehouse").asText(), isOneOf(Catalog.WAREHOUSES.toArray()));
                assertThat(product.get("sku") + " balance",
                           line.get("available").asInt() + line.get("reserved").asInt() + line.get("sold").asInt(),
                           is(line.get("initial").asInt() + line.get("restocked").asInt()));
            }
        }
    }

    @Test
    void showsOneProduct() throws Exception {
        Reply reply = call(api, Method.GET, "/api/products/SKU-0003", null);

        assertThat(reply.status(), is(200));
        JsonNode product = reply.json();
        assertThat(product.get("sku").asText(), is("SKU-0003"));
        assertThat(product.get("name").asText(), is("Mechanical Keyboard"));
        assertThat(product.get("unitPrice").get("amount").asText(), is("89.00"));
        assertThat(product.get("unitPrice").get("currency").asText(), is("USD"));
        assertThat(stream(product.get("warehouses")).map(line -> line.get("warehouse").asText()).toList(),
                   is(List.of("eu-west-1", "us-east-1", "ap-south-1")));
    }

    @Test
    void anUnknownProductIsNotFound() throws Exception {
        Reply reply = call(api, Method.GET, "/api/products/SKU-0999", null, "X-Request-ID", "caller-id-404");

        JsonNode problem = assertProblem(reply, 404, "not-found");
        assertThat(problem.get("requestId").asText(), is("caller-id-404"));
        assertThat(problem.get("detail").asText(), containsString("SKU-0999"));
        assertThat(problem.get("instance").asText(), is("/api/products/SKU-0999"));
    }

    @Test
    void aMalformedSkuIsABadRequestNamingTheSku() throws Exception {
        Reply reply = call(api, Method.GET, "/api/products/sku-1", null);

        assertProblem(reply, 400, "validation");
        assertThat(errorFields(reply), is(List.of("sku")));
    }

    // ---- reserve -------------------------------------------------------------------------------------------------

    @Test
    void reservesStock() throws Exception {
        String sku = "SKU-0001";
        Map<String, Integer> before = availableByWarehouse(sku);
        double reservedBefore = counter(InventoryMetrics.Outcome.RESERVED);
        String orderId = "order-" + UUID.randomUUID();

        Reply reply = reserve(orderId, sku, 3);

        assertThat(reply.status(), is(201));
        assertThat(reply.contentType(), startsWith("application/json"));
        JsonNode reservation = reply.json();
        String id = reservation.get("reservationId").asText();
        assertThat(reply.header("Location"), is("/api/reservations/" + id));
        assertThat(reservation.get("orderId").asText(), is(orderId));
        assertThat(reservation.get("status").asText(), is("RESERVED"));
        assertThat(Instant.parse(reservation.get("expiresAt").asText()), is(fixture.clock().instant().plus(TTL)));
        JsonNode items = reservation.get("items");
        assertThat(items.size(), is(1));
        JsonNode item = items.get(0);
        assertThat(item.get("sku").asText(), is(sku));
        assertThat(item.get("quantity").asInt(), is(3));
        assertThat(item.get("unitPrice").get("amount").asText(), is("9.99"));
        assertThat(item.get("unitPrice").get("currency").asText(), is("USD"));
        // Taken from the fullest warehouse.
        String warehouse = item.get("warehouse").asText();
        assertThat(warehouse, is("us-east-1"));

        Map<String, Integer> after = availableByWarehouse(sku);
        assertThat(after.get(warehouse), is(before.get(warehouse) - 3));
        assertThat(level(sku, warehouse), is((double) before.get(warehouse) - 3));
        assertThat(counter(InventoryMetrics.Outcome.RESERVED), is(reservedBefore + 1));

        Reply found = call(api, Method.GET, "/api/reservations/" + id, null);
        assertThat(found.status(), is(200));
        assertThat(found.json(), is(reservation));

        Map<String, Object> logged = logs.withMessage("stock_reserved").getLast();
        assertThat(logged.get("order_id"), is(orderId));
        assertThat(logged.get("reservation_id"), is(id));
        assertThat(logged.get("sku"), is(sku));
        assertThat(logged.get("units"), is(3));
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @MethodSource("invalidReservations")
    void anInvalidReservationIsABadRequestNamingTheField(String body, String field) throws Exception {
        double reserved = counter(InventoryMetrics.Outcome.RESERVED);

        Reply reply = track(call(api, Method.POST, "/api/reservations", body));

        assertProblem(reply, 400, "validation");
        assertThat(errorFields(reply), hasItem(field));
        assertThat(counter(InventoryMetrics.Outcome.RESERVED), is(reserved));
    }

    static Stream<Arguments> invalidReservations() {
        String item = "{\"sku\": \"SKU-0001\", \"quantity\": 1}";
        return Stream.of(
                Arguments.of("{\"items\": [" + item + "]}", "orderId"),
                Arguments.of("{\"orderId\": \"\", \"items\": [" + item + "]}", "orderId"),
                Arguments.of("{\"orderId\": \"" + "o".repeat(65) + "\", \"items\": [" + item + "]}", "orderId"),
                Arguments.of("{\"orderId\": \"o-1\"}", "items"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": []}", "items"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": "
                                     + IntStream.range(0, 51).mapToObj(i -> item).toList() + "}", "items"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": {\"sku\": \"SKU-0001\"}}", "items"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [null]}", "items[0]"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"quantity\": 1}]}", "items[0].sku"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-1\", \"quantity\": 1}]}", "items[0].sku"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [" + item + ", {\"sku\": \"sku-0002\", \"quantity\": 1}]}",
                             "items[1].sku"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-0001\"}]}", "items[0].quantity"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-0001\", \"quantity\": 0}]}",
                             "items[0].quantity"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-0001\", \"quantity\": 101}]}",
                             "items[0].quantity"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-0001\", \"quantity\": \"2\"}]}",
                             "items[0].quantity"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-0001\", \"quantity\": 2.5}]}",
                             "items[0].quantity"),
                Arguments.of("{\"orderId\": \"o-1\", \"items\": [{\"sku\": \"SKU-0001\", \"quantity\": 99999999999}]}",
                             "items[0].quantity"),
                Arguments.of("not json", "body"),
                Arguments.of("{orderId: \"o-1\"}", "body"),
                Arguments.of("[]", "body"),
                Arguments.of("", "body"));
    }

    @Test
    void ignoresUnknownFields() throws Exception {
        Reply reply = track(call(api, Method.POST, "/api/reservations",
                                 "{\"orderId\": \"o-extra\", \"coupon\": \"X\", "
                                         + "\"items\": [{\"sku\": \"SKU-0007\", \"quantity\": 1, \"gift\": true}]}"));

        assertThat(reply.status(), is(201));
    }

    @Test
    void anUnknownSkuIsNotFoundNamingIt() throws Exception {
        Map<String, Integer> before = availableByWarehouse("SKU-0007");
        double reserved = counter(InventoryMetrics.Outcome.RESERVED);

        Reply reply = track(call(api, Method.POST, "/api/reservations",
                                 reservationBody("o-unknown", "SKU-0007", 1, "SKU-0999", 1)));

        JsonNode problem = assertProblem(reply, 404, "unknown-sku");
        assertThat(problem.get("detail").asText(), containsString("SKU-0999"));
        assertThat(errorFields(reply), is(List.of("items[1].sku")));
        assertThat(availableByWarehouse("SKU-0007"), is(before));
        assertThat(counter(InventoryMetrics.Outcome.RESERVED), is(reserved));
    }

    @Test
    void shortStockIsAConflictNamingTheShortSkuAndTakesNothing() throws Exception {
        Map<String, Integer> before = availableByWarehouse("SKU-0008");
        int available = availableByWarehouse("SKU-0009").values().stream().mapToInt(Integer::intValue).sum();
        double insufficient = counter(InventoryMetrics.Outcome.INSUFFICIENT);
        double reserved = counter(InventoryMetrics.Outcome.RESERVED);

        // A sku listed twice is judged on the sum: 200 of SKU-0009 (135 in stock).
        Reply reply = track(call(api, Method.POST, "/api/reservations",
                                 reservationBody("o-short", "SKU-0008", 1, "SKU-0009", 100, "SKU-0009", 100)));

        JsonNode problem = assertProblem(reply, 409, "out-of-stock");
        assertThat(problem.get("detail").asText(), containsString("SKU-0009"));
        assertThat(problem.get("detail").asText(), containsString("available " + available));
        assertThat(errorFields(reply), is(List.of("items[1].sku")));
        assertThat("nothing of an order is reserved when one item is short", availableByWarehouse("SKU-0008"),
                   is(before));
        assertThat(counter(InventoryMetrics.Outcome.INSUFFICIENT), is(insufficient + 1));
        assertThat(counter(InventoryMetrics.Outcome.RESERVED), is(reserved));
        Map<String, Object> logged = logs.withMessage("stock_insufficient").getLast();
        assertThat(logged.get("order_id"), is("o-short"));
        assertThat(logged.get("sku"), is("SKU-0009"));
        assertThat(logged.get("requested"), is(200));
    }

    @Test
    void aBodyOver64KiBIsTooLarge() throws Exception {
        String body = "{\"orderId\": \"o-big\", \"items\": [], \"padding\": \"" + "x".repeat(70 * 1024) + "\"}";

        Reply reply = track(call(api, Method.POST, "/api/reservations", body));

        assertProblem(reply, 413, "payload-too-large");
    }

    // ---- read, commit, release -----------------------------------------------------------------------------------

    @Test
    void anUnknownReservationIsNotFound() throws Exception {
        assertProblem(call(api, Method.GET, "/api/reservations/no-such-reservation", null), 404, "not-found");
    }

    @Test
    void commitSellsTheStockOnce() throws Exception {
        String sku = "SKU-0002";
        double committed = counter(InventoryMetrics.Outcome.COMMITTED);
        JsonNode reservation = reserveOk("o-commit", sku, 4);
        String id = reservation.get("reservationId").asText();
        String warehouse = reservation.get("items").get(0).get("warehouse").asText();
        int soldBefore = product(sku).get("sold").asInt();
        double levelBefore = level(sku, warehouse);

        Reply reply = call(api, Method.POST, "/api/reservations/" + id + "/commit", null);

        assertThat(reply.status(), is(200));
        assertThat(reply.json().get("reservationId").asText(), is(id));
        assertThat(reply.json().get("status").asText(), is("COMMITTED"));
        assertThat(reply.json().get("items"), is(reservation.get("items")));
        JsonNode product = product(sku);
        assertThat(product.get("sold").asInt(), is(soldBefore + 4));
        assertThat(product.get("reserved").asInt(), is(0));
        assertThat("committing does not change what is available", level(sku, warehouse), is(levelBefore));
        assertThat(counter(InventoryMetrics.Outcome.COMMITTED), is(committed + 1));
        Map<String, Object> logged = logs.withMessage("reservation_committed").getLast();
        assertThat(logged.get("order_id"), is("o-commit"));
        assertThat(logged.get("reservation_id"), is(id));

        Reply again = call(api, Method.POST, "/api/reservations/" + id + "/commit", null);

        assertThat(again.status(), is(200));
        assertThat(again.json().get("status").asText(), is("COMMITTED"));
        assertThat(product(sku).get("sold").asInt(), is(soldBefore + 4));
        assertThat("a repeated commit is not counted", counter(InventoryMetrics.Outcome.COMMITTED), is(committed + 1));
        assertThat(logs.withMessage("reservation_committed"), hasSize(1));
    }

    @Test
    void commitOfAnUnknownReservationIsNotFound() throws Exception {
        assertProblem(call(api, Method.POST, "/api/reservations/no-such-reservation/commit", null), 404, "not-found");
    }

    @Test
    void commitOfAReleasedReservationIsAConflict() throws Exception {
        String id = reserveOk("o-released", "SKU-0010", 1).get("reservationId").asText();
        assertThat(call(api, Method.DELETE, "/api/reservations/" + id, null).status(), is(204));

        Reply reply = call(api, Method.POST, "/api/reservations/" + id + "/commit", null);

        JsonNode problem = assertProblem(reply, 409, "reservation-not-active");
        assertThat(problem.get("detail").asText(), containsString("RELEASED"));
    }

    @Test
    void commitAfterTheDeadlineIsAConflictAndTheSweepReturnsTheStock() throws Exception {
        String sku = "SKU-0011";
        Map<String, Integer> before = availableByWarehouse(sku);
        double expired = counter(InventoryMetrics.Outcome.EXPIRED);
        String id = reserveOk("o-late", sku, 2).get("reservationId").asText();
        fixture.clock().advance(TTL);

        Reply reply = call(api, Method.POST, "/api/reservations/" + id + "/commit", null);

        JsonNode problem = assertProblem(reply, 409, "reservation-not-active");
        assertThat(problem.get("detail").asText(), containsString("EXPIRED"));
        fixture.maintenance().expireOverdue();
        assertThat(reservationStatus(id), is("EXPIRED"));
        assertThat(availableByWarehouse(sku), is(before));
        eventually(() -> assertThat(counter(InventoryMetrics.Outcome.EXPIRED), is(expired + 1)));
    }

    @Test
    void releaseReturnsTheStockAndIsIdempotent() throws Exception {
        String sku = "SKU-0012";
        Map<String, Integer> before = availableByWarehouse(sku);
        double released = counter(InventoryMetrics.Outcome.RELEASED);
        JsonNode reservation = reserveOk("o-release", sku, 3);
        String id = reservation.get("reservationId").asText();
        String warehouse = reservation.get("items").get(0).get("warehouse").asText();
        assertThat(level(sku, warehouse), is((double) before.get(warehouse) - 3));

        Reply reply = call(api, Method.DELETE, "/api/reservations/" + id, null);

        assertThat(reply.status(), is(204));
        assertThat(reply.body(), is(""));
        assertThat(availableByWarehouse(sku), is(before));
        assertThat(level(sku, warehouse), is((double) before.get(warehouse)));
        assertThat(reservationStatus(id), is("RELEASED"));
        assertThat(counter(InventoryMetrics.Outcome.RELEASED), is(released + 1));
        Map<String, Object> logged = logs.withMessage("reservation_released").getLast();
        assertThat(logged.get("order_id"), is("o-release"));
        assertThat(logged.get("reservation_id"), is(id));
        assertThat(logged.get("units"), is(3));

        assertThat(call(api, Method.DELETE, "/api/reservations/" + id, null).status(), is(204));
        assertThat(call(api, Method.DELETE, "/api/reservations/never-made", null).status(), is(204));

        assertThat(availableByWarehouse(sku), is(before));
        assertThat("only a release that returned stock is counted", counter(InventoryMetrics.Outcome.RELEASED),
                   is(released + 1));
        assertThat(logs.withMessage("reservation_released"), hasSize(1));
    }

    @Test
    void releaseOfACommittedReservationIsAConflict() throws Exception {
        String id = reserveOk("o-sold", "SKU-0013", 1).get("reservationId").asText();
        assertThat(call(api, Method.POST, "/api/reservations/" + id + "/commit", null).status(), is(200));

        Reply reply = call(api, Method.DELETE, "/api/reservations/" + id, null);

        JsonNode problem = assertProblem(reply, 409, "reservation-not-active");
        assertThat(problem.get("detail").asText(), containsString("COMMITTED"));
        assertThat(reservationStatus(id), is("COMMITTED"));
    }

    // ---- background jobs -----------------------------------------------------------------------------------------

    @Test
    void theSweepExpiresOverdueReservationsAndReturnsTheirStock() throws Exception {
        String sku = "SKU-0004";
        Map<String, Integer> before = availableByWarehouse(sku);
        double expired = counter(InventoryMetrics.Outcome.EXPIRED);
        JsonNode reservation = reserveOk("o-expire", sku, 5);
        String id = reservation.get("reservationId").asText();
        String warehouse = reservation.get("items").get(0).get("warehouse").asText();
        assertThat(level(sku, warehouse), is((double) before.get(warehouse) - 5));

        fixture.clock().advance(TTL.minusMillis(1));
        fixture.maintenance().expireOverdue();
        assertThat("not yet due", reservationStatus(id), is("RESERVED"));

        fixture.clock().advance(Duration.ofMillis(1));
        // Whichever sweep runs first (this one or the scheduled one) expires it; once this one returns, it has.
        fixture.maintenance().expireOverdue();

        assertThat(reservationStatus(id), is("EXPIRED"));
        assertThat(availableByWarehouse(sku), is(before));
        assertThat(level(sku, warehouse), is((double) before.get(warehouse)));
        eventually(() -> assertThat(counter(InventoryMetrics.Outcome.EXPIRED), is(expired + 1)));
        eventually(() -> assertThat(logs.withMessage("reservations_expired").stream()
                                            .map(fields -> fields.get("count")).toList(), is(List.of(1))));
    }

    @Test
    void theScheduledSweepRunsByItself() throws Exception {
        double expired = counter(InventoryMetrics.Outcome.EXPIRED);
        String id = reserveOk("o-scheduled", "SKU-0005", 1).get("reservationId").asText();

        fixture.clock().advance(TTL);

        eventually(() -> assertThat(reservationStatus(id), is("EXPIRED")));
        eventually(() -> assertThat(counter(InventoryMetrics.Outcome.EXPIRED), is(expired + 1)));
    }

    @Test
    void restockAddsUnitsToEveryLine() throws Exception {
        String sku = "SKU-0006";
        JsonNode before = product(sku);
        int lines = stream(call(api, Method.GET, "/api/products", null).json().get("products"))
                .mapToInt(product -> product.get("warehouses").size())
                .sum();

        int added = fixture.maintenance().restock();

        assertThat(added, is(lines * RESTOCK_UNITS));
        JsonNode after = product(sku);
        for (int i = 0; i < before.get("warehouses").size(); i++) {
            JsonNode was = before.get("warehouses").get(i);
            JsonNode now = after.get("warehouses").get(i);
            String warehouse = now.get("warehouse").asText();
            assertThat(now.get("available").asInt(), is(was.get("available").asInt() + RESTOCK_UNITS));
            assertThat(now.get("restocked").asInt(), is(was.get("restocked").asInt() + RESTOCK_UNITS));
            assertThat(level(sku, warehouse), is((double) now.get("available").asInt()));
        }
        Map<String, Object> logged = logs.withMessage("stock_restocked").getLast();
        assertThat(logged.get("units"), is(lines * RESTOCK_UNITS));
    }

    // ---- cross-cutting behaviour ---------------------------------------------------------------------------------

    @Test
    void echoesASaneRequestId() {
        Reply reply = call(api, Method.GET, "/api/products/SKU-0001", null, "X-Request-ID", "load-gen.42_A-b");

        assertThat(reply.status(), is(200));
        assertThat(reply.header("X-Request-ID"), is("load-gen.42_A-b"));
    }

    @Test
    void replacesAnInsaneRequestId() {
        for (String insane : List.of("x".repeat(65), "has space", "semi;colon", "")) {
            Reply reply = call(api, Method.GET, "/api/products/SKU-0001", null, "X-Request-ID", insane);

            assertThat(reply.status(), is(200));
            String requestId = reply.header("X-Request-ID");
            assertThat(requestId, notNullValue());
            assertThat(requestId, not(insane));
            assertThat(requestId, matchesRegex("[A-Za-z0-9._-]{1,64}"));
        }
        assertThat(call(api, Method.GET, "/api/products", null).header("X-Request-ID"), notNullValue());
    }

    @Test
    void anUnmatchedPathIsANotFoundProblem() throws Exception {
        assertProblem(call(api, Method.GET, "/api/nothing-here", null), 404, "not-found");
    }

    @Test
    void theApiSocketServesNoAdminEndpoints() {
        for (String path : List.of("/metrics", "/health", "/health/ready", "/faults", "/observe/metrics")) {
            assertThat(path, call(api, Method.GET, path, null).status(), is(404));
        }
    }

    /** Contract, sections 4 and 6: injected faults are real 5xx responses, traced, counted and logged like real ones. */
    @Test
    void injectedUnavailabilityTurnsTheApiInto503sUntilCleared() throws Exception {
        String[] series = {"method", "GET", "endpoint", "/api/products", "status", "503"};
        double before = metric("http_requests_total", series).orElse(0.0);
        try {
            Reply put = call(admin, Method.PUT, "/faults", "{\"unavailable\": true}");
            assertThat(put.status(), is(200));
            assertThat(put.json().get("unavailable").asBoolean(), is(true));
            assertThat(call(admin, Method.GET, "/faults", null).json().get("unavailable").asBoolean(), is(true));
            assertThat(metric("fault_injection_active", "fault", "unavailable"), is(Optional.of(1.0)));

            Reply reply = call(api, Method.GET, "/api/products", null, "X-Request-ID", "fault-request");

            JsonNode problem = assertProblem(reply, 503, "injected-unavailable");
            assertThat(problem.get("requestId").asText(), is("fault-request"));
            // The filter counts the request after the response is on its way.
            eventually(() -> assertThat(metric("http_requests_total", series).orElse(0.0),
                                        is(before + observationsPerRequest())));
        } finally {
            assertThat(call(admin, Method.DELETE, "/faults", null).status(), is(200));
        }
        assertThat(call(admin, Method.GET, "/faults", null).json().get("unavailable").asBoolean(), is(false));
        assertThat(metric("fault_injection_active", "fault", "unavailable"), is(Optional.of(0.0)));
        assertThat(call(api, Method.GET, "/api/products", null).status(), is(200));
    }

    @Test
    void invalidFaultsAreABadRequest() throws Exception {
        Reply reply = call(admin, Method.PUT, "/faults", "{\"errorRate\": 2}");

        // The admin socket has no observability filter, hence no request or trace id in its problems.
        assertProblemDocument(reply, 400, "validation");
        assertThat(errorFields(reply), is(List.of("errorRate")));
        assertThat(call(admin, Method.GET, "/faults", null).json().get("errorRate").asDouble(), is(0.0));
    }

    @Test
    void reservationsAreTracedUnderTheCallersTrace() throws Exception {
        String traceId = randomHex(32);
        String parentId = randomHex(16);
        String traceparent = "00-" + traceId + "-" + parentId + "-01";

        Reply reserved = track(call(api, Method.POST, "/api/reservations", reservationBody("o-traced", "SKU-0014", 2),
                                    "traceparent", traceparent));
        assertThat(reserved.status(), is(201));
        String id = reserved.json().get("reservationId").asText();
        assertThat(call(api, Method.POST, "/api/reservations/" + id + "/commit", null, "traceparent", traceparent)
                           .status(), is(200));
        Reply shortage = track(call(api, Method.POST, "/api/reservations",
                                    reservationBody("o-traced-short", "SKU-0009", 100, "SKU-0009", 100),
                                    "traceparent", traceparent));
        assertThat(shortage.status(), is(409));
        assertThat(call(api, Method.DELETE, "/api/reservations/never-made", null, "traceparent", traceparent)
                           .status(), is(204));

        List<String> expected = new ArrayList<>(List.of("reserve_stock", "commit_reservation", "reserve_stock",
                                                        "release_reservation"));
        for (int i = 0; i < observationsPerRequest(); i++) {
            expected.addAll(List.of("POST /api/reservations", "POST /api/reservations/{reservationId}/commit",
                                    "POST /api/reservations", "DELETE /api/reservations/{reservationId}"));
        }
        eventually(() -> assertThat(names(RecordedSpans.ofTrace(traceId)), is(expected.stream().sorted().toList())));
        List<SpanData> spans = RecordedSpans.ofTrace(traceId);

        List<SpanData> reserves = spans.stream().filter(span -> span.getName().equals("reserve_stock")).toList();
        SpanData ok = reserves.stream().filter(span -> attribute(span, "reservation.id") != null).findFirst()
                .orElseThrow();
        assertThat(ok.getKind(), is(SpanKind.INTERNAL));
        assertThat(attribute(ok, "order.id"), is("o-traced"));
        assertThat(attribute(ok, "order.item_count"), is("1"));
        assertThat(attribute(ok, "reservation.id"), is(id));
        assertThat(ok.getStatus().getStatusCode(), not(StatusCode.ERROR));
        SpanData server = serverSpanOf(ok, spans, parentId);
        assertThat(server.getName(), is("POST /api/reservations"));
        assertThat(attribute(server, "http.request.method"), is("POST"));
        assertThat(attribute(server, "http.route"), is("/api/reservations"));
        assertThat(attribute(server, "http.response.status_code"), is("201"));

        SpanData shortSpan = reserves.stream().filter(span -> span != ok).findFirst().orElseThrow();
        assertThat(attribute(shortSpan, "order.id"), is("o-traced-short"));
        assertThat(attribute(shortSpan, "order.item_count"), is("2"));
        assertThat(attribute(shortSpan, "reservation.id"), nullValue());
        assertThat(attribute(shortSpan, "inventory.short_sku"), is("SKU-0009"));
        assertThat(shortSpan.getEvents().stream().map(EventData::getName).toList(), is(List.of("stock_insufficient")));
        assertThat("running out of stock is no error of this service", shortSpan.getStatus().getStatusCode(),
                   not(StatusCode.ERROR));
        assertThat(attribute(serverSpanOf(shortSpan, spans, parentId), "http.response.status_code"), is("409"));

        SpanData commit = spans.stream().filter(span -> span.getName().equals("commit_reservation")).findFirst()
                .orElseThrow();
        assertThat(attribute(commit, "reservation.id"), is(id));
        assertThat(attribute(commit, "order.id"), is("o-traced"));
        assertThat(serverSpanOf(commit, spans, parentId).getName(), is("POST /api/reservations/{reservationId}/commit"));
        SpanData release = spans.stream().filter(span -> span.getName().equals("release_reservation")).findFirst()
                .orElseThrow();
        assertThat(attribute(release, "reservation.id"), is("never-made"));
        assertThat(attribute(release, "reservation.released"), is("false"));
        assertThat(serverSpanOf(release, spans, parentId).getName(), is("DELETE /api/reservations/{reservationId}"));
    }

    /**
     * How many times each API request passes the observability filter: 1, except where Helidon's test support
     * registers the filters more than once (see {@link InventoryRoutesRoutingTest}).
     */
    int observationsPerRequest() {
        return 1;
    }

    // ---- contract gap of common-observability ----------------------------------------------------------------------

    /**
     * Contract, section 2: every response carries {@code X-Request-ID}. Helidon resets the response headers before an
     * error handler runs ({@code ErrorHandlers.handleError} calls {@code response.reset()}), which drops the header
     * that {@code ObservabilityFilter} set before the chain ran; only {@code ProblemHandlers} can set it again.
     */
    @Test
    void problemResponsesCarryTheRequestIdHeader() {
        Reply echoed = call(api, Method.GET, "/api/products/SKU-0999", null, "X-Request-ID", "caller-id-404");
        assertThat(echoed.status(), is(404));
        assertThat(echoed.header("X-Request-ID"), is("caller-id-404"));

        Reply generated = call(api, Method.GET, "/api/products/sku-1", null);
        assertThat(generated.status(), is(400));
        assertThat(generated.header("X-Request-ID"), is(generated.json().get("requestId").asText()));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** A response, read completely. */
    record Reply(int status, Map<String, String> headers, String body) {
        String contentType() {
            return header("Content-Type");
        }

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    /** Sends a request; {@code headers} are names and values, alternating. */
    static Reply call(Http1Client client, Method method, String path, String body, String... headers) {
        Http1ClientRequest request = client.method(method).uri(path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(HeaderNames.create(headers[i]), headers[i + 1]);
        }
        try (Http1ClientResponse response = body == null
                ? request.request()
                : request.header(HeaderValues.CONTENT_TYPE_JSON).submit(body)) {
            Map<String, String> responseHeaders = new HashMap<>();
            response.headers().forEach(header -> responseHeaders.put(header.headerName().lowerCase(), header.get()));
            String text = response.entity().hasEntity() ? response.as(String.class) : "";
            return new Reply(response.status().code(), responseHeaders, text);
        }
    }

    /**
     * Checks an API problem response and returns its body: an RFC 9457 document ({@link #assertProblemDocument}) that
     * also names the request and trace, so that a user can find the failing request in logs and traces.
     */
    static JsonNode assertProblem(Reply reply, int status, String slug) {
        JsonNode problem = assertProblemDocument(reply, status, slug);
        assertThat(reply.body(), problem.get("requestId"), notNullValue());
        assertThat(problem.get("requestId").asText(), matchesRegex("[A-Za-z0-9._-]{1,64}"));
        assertThat(reply.body(), problem.get("traceId"), notNullValue());
        assertThat(problem.get("traceId").asText(), matchesRegex("[0-9a-f]{32}"));
        return problem;
    }

    /** Checks an RFC 9457 problem response (media type, type URI, status, title, detail, instance) and returns it. */
    static JsonNode assertProblemDocument(Reply reply, int status, String slug) {
        assertThat(reply.body(), reply.status(), is(status));
        assertThat(reply.contentType(), is(ProblemHandlers.PROBLEM_JSON));
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asText(), is(PROBLEM_TYPES + slug));
        assertThat(problem.get("status").asInt(), is(status));
        assertThat(problem.get("title").asText(), not(""));
        assertThat(problem.get("detail").asText(), not(""));
        assertThat(problem.get("instance").asText(), startsWith("/"));
        assertThat("no stack trace reaches a client", reply.body(), not(containsString("at dev.o11yshop")));
        return problem;
    }

    static List<String> errorFields(Reply reply) {
        JsonNode errors = reply.json().get("errors");
        assertThat(reply.body(), errors, notNullValue());
        return stream(errors).map(error -> error.get("field").asText()).toList();
    }

    /** The request body of a reservation; {@code items} are skus and quantities, alternating. */
    static String reservationBody(String orderId, Object... items) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int i = 0; i < items.length; i += 2) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("sku", items[i]);
            line.put("quantity", items[i + 1]);
            lines.add(line);
        }
        try {
            return Json.MAPPER.writeValueAsString(Map.of("orderId", orderId, "items", lines));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reply reserve(String orderId, String sku, int quantity) {
        return track(call(api, Method.POST, "/api/reservations", reservationBody(orderId, sku, quantity)));
    }

    /** Remembers a reservation that {@code reply} created, for {@link #releaseLeftovers()}. */
    private Reply track(Reply reply) {
        if (reply.status() == 201) {
            reservationsMade.add(reply.json().get("reservationId").asText());
        }
        return reply;
    }

    private JsonNode reserveOk(String orderId, String sku, int quantity) {
        Reply reply = reserve(orderId, sku, quantity);
        assertThat(reply.body(), reply.status(), is(201));
        return reply.json();
    }

    private String reservationStatus(String id) {
        Reply reply = call(api, Method.GET, "/api/reservations/" + id, null);
        assertThat(reply.body(), reply.status(), is(200));
        return reply.json().get("status").asText();
    }

    private JsonNode product(String sku) {
        Reply reply = call(api, Method.GET, "/api/products/" + sku, null);
        assertThat(reply.body(), reply.status(), is(200));
        return reply.json();
    }

    private Map<String, Integer> availableByWarehouse(String sku) {
        Map<String, Integer> available = new LinkedHashMap<>();
        product(sku).get("warehouses").forEach(line -> available.put(line.get("warehouse").asText(),
                                                                      line.get("available").asInt()));
        return available;
    }

    private double counter(InventoryMetrics.Outcome outcome) {
        return metric(InventoryMetrics.RESERVATIONS, "outcome", outcome.label()).orElse(0.0);
    }

    private double level(String sku, String warehouse) {
        return metric(InventoryMetrics.LEVEL, "product_id", sku, "warehouse", warehouse)
                .orElseThrow(() -> new AssertionError("no inventory_level series for " + sku + "@" + warehouse));
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    private static String randomHex(int length) {
        StringBuilder hex = new StringBuilder(length);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (hex.length() < length) {
            hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        return hex.toString();
    }

    /** Hamcrest 1.3 has no {@code matchesPattern}. */
    static Matcher<String> matchesRegex(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(String item) {
                return pattern.matcher(item).matches();
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a string matching /" + regex + "/");
            }
        };
    }

    private static List<String> names(List<SpanData> spans) {
        return spans.stream().map(SpanData::getName).sorted().toList();
    }

    /** An attribute of any type, as a string; {@code null} if the span does not have it. */
    private static String attribute(SpanData span, String key) {
        return span.getAttributes().asMap().entrySet().stream()
                .filter(entry -> entry.getKey().getKey().equals(key))
                .map(entry -> String.valueOf(entry.getValue()))
                .findFirst()
                .orElse(null);
    }

    /**
     * The SERVER span that {@code span} belongs to: its parent, which must be a SERVER span continuing the caller's
     * trace. (Where the filter runs more than once per request, each pass makes such a span; the innermost is the
     * parent of the request's own spans.)
     */
    private static SpanData serverSpanOf(SpanData span, List<SpanData> spans, String callerSpanId) {
        SpanData server = parentOf(span, spans);
        assertThat(server.getKind(), is(SpanKind.SERVER));
        assertThat("the server span continues the caller's trace", server.getParentSpanId(), is(callerSpanId));
        return server;
    }

    private static SpanData parentOf(SpanData span, List<SpanData> spans) {
        return spans.stream()
                .filter(candidate -> candidate.getSpanId().equals(span.getParentSpanId()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no parent of " + span.getName() + " among " + names(spans)));
    }
}
