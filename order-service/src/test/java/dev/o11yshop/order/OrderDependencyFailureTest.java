package dev.o11yshop.order;

import dev.o11yshop.observability.Eventually;
import static dev.o11yshop.order.MetricsProbe.circuitState;
import static dev.o11yshop.order.MetricsProbe.clientRequests;
import static dev.o11yshop.order.MetricsProbe.orders;
import static dev.o11yshop.order.MetricsProbe.payments;
import static dev.o11yshop.order.OrderBody.DECLINED_CARD;
import static dev.o11yshop.order.OrderBody.GOOD_CARD;
import static dev.o11yshop.order.OrderBody.line;
import static dev.o11yshop.order.OrderBody.newCustomer;
import static dev.o11yshop.order.ProblemAssertions.assertNoCardNumber;
import static dev.o11yshop.order.ProblemAssertions.assertProblem;
import static dev.o11yshop.order.ProblemAssertions.assertRequestId;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.order.InventoryProbe.Product;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * order-service when a dependency is down or slow, against {@link TestShop#ISOLATED}: a shop of its own, whose
 * inventory and payment servers these tests stop, slow down and restart, and whose order-service has a short budget
 * and a small circuit-breaker window ({@link TestShop.Isolated#start()}). Every test starts from a healthy shop with
 * closed circuits and leaves its servers running again.
 */
class OrderDependencyFailureTest {
    private static final TestShop.Isolated SHOP = TestShop.ISOLATED;
    private static final String SKU = "SKU-0001";
    /** How long to wait for a circuit to close again: its open delay plus a trial call, with room to spare. */
    private static final Duration RECOVERY = TestShop.ISOLATED_BREAKER_DELAY.multipliedBy(4);

    /** A dependency of order-service, by its peer name and its server in the isolated shop. */
    enum Dependency {
        INVENTORY("inventory-service", TestShop.Isolated::inventory),
        PAYMENT("payment-service", TestShop.Isolated::payment);

        final String peer;
        private final Function<TestShop.Isolated, ServiceServer> server;

        Dependency(String peer, Function<TestShop.Isolated, ServiceServer> server) {
            this.peer = peer;
            this.server = server;
        }

        ServiceServer server() {
            return server.apply(SHOP);
        }
    }

    private final Http1Client api = Http1Client.builder().baseUri(SHOP.order().uri()).build();

    /** Waits until a checkout goes through and both circuits are closed, as a test left them or not. */
    @BeforeEach
    void healthyShop() throws Exception {
        for (Dependency dependency : Dependency.values()) {
            dependency.server().delayRequests(Duration.ZERO);
            dependency.server().ensureRunning();
        }
        Eventually.eventually(RECOVERY, () -> {
            assertEquals(201, checkout(GOOD_CARD).status(), "checkout through the isolated shop");
            for (Dependency dependency : Dependency.values()) {
                assertEquals(0.0, circuitState(dependency.peer), dependency.peer + " circuit");
            }
        });
    }

    @AfterEach
    void restoreDependencies() throws Exception {
        for (Dependency dependency : Dependency.values()) {
            dependency.server().delayRequests(Duration.ZERO);
            dependency.server().awaitNoDelayedRequests(Duration.ofSeconds(10));
            dependency.server().ensureRunning();
        }
    }

    @Test
    void paymentUnavailableAnswers503WellWithinTheBudgetAndReleasesTheReservation() {
        Product before = inventory().product(SKU);
        long failedBefore = orders("failed");
        SHOP.payment().stop();

        long start = System.nanoTime();
        Reply reply = checkout(GOOD_CARD);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        JsonNode problem = assertProblem(reply, 503, "dependency-unavailable");
        assertThat(problem.path("detail").asText(), startsWith("payment-service: "));
        assertThat(elapsed, lessThan(TestShop.ISOLATED_BUDGET.dividedBy(2)));
        assertStockUnchanged(before);
        assertEquals(failedBefore + 1, orders("failed"));
    }

    @Test
    void paymentTooSlowAnswers504WithinTheBudgetAndReleasesTheReservation() {
        Product before = inventory().product(SKU);
        SHOP.payment().delayRequests(TestShop.ISOLATED_BUDGET.plusMillis(500));

        long start = System.nanoTime();
        Reply reply = checkout(GOOD_CARD);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        JsonNode problem = assertProblem(reply, 504, "dependency-timeout");
        assertThat(problem.path("detail").asText(), startsWith("payment-service: "));
        assertThat("waited for at least one call timeout", elapsed,
                   greaterThanOrEqualTo(TestShop.ISOLATED_CALL_TIMEOUT));
        assertThat("answered within the budget (plus the release)", elapsed,
                   lessThan(TestShop.ISOLATED_BUDGET.plusMillis(500)));
        assertStockUnchanged(before);
    }

    /**
     * Regression guard from Helidon 4.1.2's WebClient (now replaced by the JDK client), which kept an idle pooled connection under watch by a read that used the timeout of the call that last
     * used it (here the 500 ms call timeout). A call that reuses the connection shortly before that read times out,
     * and is answered after it, fails with a read timeout although its own answer came well within its timeout.
     * The reservation is not retried (it is not idempotent), so the checkout fails with 504, and the reservation it
     * made stays held (until it expires). In production (1 s call timeout) that is any reserve after a quiet second.
     */
    @Test
    void aQuietGapJustUnderTheCallTimeoutDoesNotFailTheNextCheckout() throws Exception {
        Duration quietGap = TestShop.ISOLATED_CALL_TIMEOUT.dividedBy(2);
        Duration slowAnswer = TestShop.ISOLATED_CALL_TIMEOUT.multipliedBy(7).dividedBy(10);
        assertEquals(201, checkout(GOOD_CARD).status(), "leaves a pooled connection to inventory");
        SHOP.inventory().delayRequests(slowAnswer);
        // The stimulus, not a wait for a state: the connection must sit idle for a while, shorter than the timeout.
        Thread.sleep(quietGap);

        assertEquals(201, checkout(GOOD_CARD).status(), "an answer after " + slowAnswer.toMillis()
                + " ms is within the " + TestShop.ISOLATED_CALL_TIMEOUT.toMillis() + " ms call timeout");
    }

    @Test
    void inventoryUnavailableAnswers503WithoutCharging() {
        long authorizedBefore = payments("authorized");
        long paymentCallsBefore = clientRequests("payment-service");
        SHOP.inventory().stop();

        long start = System.nanoTime();
        Reply reply = checkout(GOOD_CARD);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        JsonNode problem = assertProblem(reply, 503, "dependency-unavailable");
        assertThat(problem.path("detail").asText(), startsWith("inventory-service: "));
        assertThat(elapsed, lessThan(TestShop.ISOLATED_BUDGET.dividedBy(2)));
        assertEquals(paymentCallsBefore, clientRequests("payment-service"), "payment is not even asked");
        assertEquals(authorizedBefore, payments("authorized"));
    }

    @Test
    void aFailedCheckoutLeavesItsIdempotencyKeyFreeForTheRetry() throws Exception {
        String key = "retry-" + newCustomer();
        OrderBody body = OrderBody.of(newCustomer(), GOOD_CARD, line(SKU, 1));
        SHOP.payment().stop();
        assertProblem(checkout(body, key), 503, "dependency-unavailable");

        SHOP.payment().ensureRunning();
        Eventually.eventually(RECOVERY, () -> assertEquals(201, checkout(body, key).status(), "the retry goes through"));
        assertEquals(201, checkout(body, key).status(), "and is remembered");
    }

    @Test
    void theInventoryCircuitOpensFailsFastAndClosesAgain() throws Exception {
        assertCircuitOpensFailsFastAndClosesAgain(Dependency.INVENTORY);
    }

    /** With payment down, each failed checkout releases its reservation, which (bug) opens the inventory circuit. */
    @Test
    void thePaymentCircuitOpensFailsFastAndClosesAgain() throws Exception {
        assertCircuitOpensFailsFastAndClosesAgain(Dependency.PAYMENT);
    }

    @Test
    void declinedPaymentsDoNotOpenTheInventoryCircuit() {
        for (int i = 0; i < 3; i++) {
            assertProblem(checkout(DECLINED_CARD), 422, "payment-declined");
        }

        assertEquals(201, checkout(GOOD_CARD).status(), "a good checkout after declined ones");
        assertEquals(0.0, circuitState(Dependency.INVENTORY.peer));
    }

    /**
     * Stops the dependency and checks out until the answer says its circuit is open; then the gauge shows it open and
     * a checkout fails without calling the dependency at all; once it is back, the circuit closes again.
     */
    private void assertCircuitOpensFailsFastAndClosesAgain(Dependency dependency) throws Exception {
        String open = dependency.peer + ": circuit breaker is open";
        dependency.server().stop();

        String detail = "";
        for (int attempt = 0; attempt < 20 && !detail.equals(open); attempt++) {
            detail = assertProblem(checkout(GOOD_CARD), 503, "dependency-unavailable").path("detail").asText();
            assertThat(detail, startsWith(dependency.peer + ": "));
        }
        assertEquals(open, detail, "after 20 failed checkouts");
        assertEquals(1.0, circuitState(dependency.peer), "dependency_circuit_state{peer=" + dependency.peer + "}");

        long callsBefore = clientRequests(dependency.peer);
        assertEquals(open, assertProblem(checkout(GOOD_CARD), 503, "dependency-unavailable").path("detail").asText());
        assertEquals(callsBefore, clientRequests(dependency.peer), "an open circuit makes no call");

        dependency.server().ensureRunning();
        Eventually.eventually(RECOVERY, () -> {
            assertEquals(201, checkout(GOOD_CARD).status());
            assertEquals(0.0, circuitState(dependency.peer), "closed again");
        });
    }

    // ---------------------------------------------------------------- helpers

    /** One unit of {@link #SKU}, paid with {@code card}. */
    private Reply checkout(String card) {
        return checkout(OrderBody.of(newCustomer(), card, line(SKU, 1)), null);
    }

    private Reply checkout(OrderBody body, String idempotencyKey) {
        Http1ClientRequest request = api.post("/api/orders").header(HeaderNames.CONTENT_TYPE, "application/json");
        if (idempotencyKey != null) {
            request.header(HeaderNames.create("Idempotency-Key"), idempotencyKey);
        }
        Reply reply = Reply.send(request, body.json());
        assertRequestId(reply);
        assertNoCardNumber(reply, body.cardNumber());
        return reply;
    }

    /** The isolated inventory, as it runs now (a restart gives it fresh stock). */
    private static InventoryProbe inventory() {
        return new InventoryProbe(SHOP.inventory().uri());
    }

    private static void assertStockUnchanged(Product before) {
        Product after = inventory().assertBalanced(before.sku());
        assertAll(after.toString(),
                  () -> assertEquals(before.reserved(), after.reserved(), "reservation released"),
                  () -> assertEquals(before.available(), after.available()),
                  () -> assertEquals(before.sold(), after.sold()));
    }
}
