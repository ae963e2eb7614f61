package dev.o11yshop.order;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;

import dev.o11yshop.observability.DownstreamClient;
import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ShopServer;
import io.helidon.config.Config;
import io.helidon.webserver.http.HttpRouting;

/**
 * order-service: the checkout entry point; calls inventory-service and payment-service.
 */
public final class Main {
    static final String SERVICE_NAME = "order-service";

    private Main() {
    }

    public static void main(String[] args) {
        ShopServer.run(SERVICE_NAME, Main.class, (routing, observability, config) ->
                routing(routing, observability, config, Clock.systemUTC()));
    }

    /** The API routes; used by {@link #main(String[])} and by the tests. */
    static void routing(HttpRouting.Builder routing, Observability observability, Config config, Clock clock) {
        DownstreamClient.Settings settings = DownstreamClient.Settings.from(config);
        InventoryClient inventory = new InventoryClient(new DownstreamClient(
                "inventory-service", URI.create(config.get("inventory.url").asString().orElse("http://localhost:8081")),
                settings, observability.tracer()));
        PaymentClient payments = new PaymentClient(new DownstreamClient(
                "payment-service", URI.create(config.get("payment.url").asString().orElse("http://localhost:8082")),
                settings, observability.tracer()));
        OrderStore orders = OrderStore.from(config, clock);
        Checkout checkout = new Checkout(inventory, payments, orders, observability.operations(), clock);
        Duration budget = Duration.ofMillis(config.get("order.budget.ms").asLong().orElse(3_000L));
        observability.register(routing, "/api/orders",
                               new OrderService(checkout, orders, IdempotencyKeys.from(config, clock), budget));
        // Warm-up changes nothing: a checkout that validation refuses, reads, and one read from each dependency.
        observability.warmUp()
                .request("POST", "/api/orders", """
                        {"customerId":"warm-up","items":[{"sku":"SKU-0001","quantity":0}],\
                        "payment":{"method":"card","cardNumber":"4111111111111111"}}""")
                .request("GET", "/api/orders/ord_warm-up", null)
                .request("GET", "/api/orders?customerId=warm-up&limit=1", null)
                .task("inventory-service", inventory::warmUp)
                .task("payment-service", payments::warmUp);
    }
}
