package dev.o11yshop.order;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.http.HttpRouting;

/**
 * The shop order-service is tested in: real inventory-service and payment-service servers, started once per test
 * JVM on ephemeral ports, on the JVM's one {@link TestObservability#OBSERVABILITY}.
 * <ul>
 *     <li>{@link #INVENTORY} and {@link #PAYMENT} serve the route tests; both order routings (in memory and over a
 *     socket) call them, so the two share stock: a test that drains a product uses its subclass's own
 *     {@link OrderRoutesTest.Lane}.</li>
 *     <li>{@link #ISOLATED} is a second, complete shop (inventory, payment and an order-service server) for the tests
 *     that stop or slow a dependency, so that their outages and open circuits touch nobody else.</li>
 * </ul>
 * Inventory runs on a fixed clock with restock off: reservations never expire and stock never grows behind a test's
 * back, so stock numbers are exact. {@link #ISOLATED} is built first on purpose: {@code DownstreamClient} binds the
 * JVM-global {@code dependency_circuit_state{peer}} gauge to the first client created for each peer, and the
 * isolated order-service's clients are the ones whose circuits the failure tests open.
 */
final class TestShop {
    /** The clock of the downstream services. */
    static final Clock DOWNSTREAM_CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** Budget and client settings of the isolated order-service: short, so that failures show within a test. */
    static final Duration ISOLATED_BUDGET = Duration.ofMillis(2_000);
    static final Duration ISOLATED_CALL_TIMEOUT = Duration.ofMillis(500);
    static final Duration ISOLATED_BREAKER_DELAY = Duration.ofMillis(1_500);

    static final Isolated ISOLATED = Isolated.start();
    static final ServiceServer INVENTORY = startInventory("inventory-service (shared)");
    static final ServiceServer PAYMENT = startPayment("payment-service (shared)");

    private TestShop() {
    }

    /** The isolated shop: order-service with its own inventory and payment. */
    record Isolated(ServiceServer inventory, ServiceServer payment, ServiceServer order) {
        static Isolated start() {
            ServiceServer inventory = startInventory("inventory-service (isolated)");
            ServiceServer payment = startPayment("payment-service (isolated)");
            Config config = orderConfig(inventory.uri(), payment.uri(), Map.of(
                    "order.budget.ms", Long.toString(ISOLATED_BUDGET.toMillis()),
                    "client.connect.timeout.ms", "250",
                    "client.call.timeout.ms", Long.toString(ISOLATED_CALL_TIMEOUT.toMillis()),
                    // A window of 10 calls, half of them failed: the circuit opens within a few failed orders,
                    // but not from the three timed-out attempts of one slow call.
                    "client.breaker.volume", "10",
                    "client.breaker.error.ratio", "50",
                    "client.breaker.delay.ms", Long.toString(ISOLATED_BREAKER_DELAY.toMillis())));
            ServiceServer order = ServiceServer.start("order-service (isolated)", routing ->
                    Main.routing(routing, TestObservability.OBSERVABILITY, config, Clock.systemUTC()));
            return new Isolated(inventory, payment, order);
        }
    }

    /**
     * order-service's API routing against the shared downstream servers, configured so that nothing but the code
     * under test can fail a checkout:
     * <ul>
     *     <li>A generous budget: the concurrency tests send hundreds of checkouts at once.</li>
     *     <li>A call timeout above the budget, so that a call is only bounded by what is left of the budget.</li>
     *     <li>Circuits that never open (only 1,000 failed calls in a row would open them): one test's failed calls
     *     must not fail the next test; circuits are tested on {@link #ISOLATED}.</li>
     * </ul>
     */
    static void sharedOrderRouting(HttpRouting.Builder routing) {
        Config config = orderConfig(INVENTORY.uri(), PAYMENT.uri(), Map.of(
                "order.budget.ms", "15000",
                "client.call.timeout.ms", "60000",
                "client.breaker.volume", "1000",
                "client.breaker.error.ratio", "100"));
        TestObservability.OBSERVABILITY.api(routing);
        Main.routing(routing, TestObservability.OBSERVABILITY, config, Clock.systemUTC());
    }

    private static Config orderConfig(URI inventory, URI payment, Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("inventory.url", inventory.toString());
        values.put("payment.url", payment.toString());
        return Config.just(ConfigSources.create(values));
    }

    private static ServiceServer startInventory(String name) {
        Config config = Config.just(ConfigSources.create(Map.of("inventory.restock.interval.ms", "0")));
        return ServiceServer.start(name, routing -> dev.o11yshop.inventory.Main.routing(
                routing, TestObservability.OBSERVABILITY, config, DOWNSTREAM_CLOCK));
    }

    private static ServiceServer startPayment(String name) {
        return ServiceServer.start(name, routing -> dev.o11yshop.payment.Main.routing(
                routing, TestObservability.OBSERVABILITY, Config.empty(), DOWNSTREAM_CLOCK));
    }
}
