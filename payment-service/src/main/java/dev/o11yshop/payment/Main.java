package dev.o11yshop.payment;

import java.math.BigDecimal;
import java.time.Clock;

import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ShopServer;
import io.helidon.config.Config;
import io.helidon.webserver.http.HttpRouting;

/**
 * payment-service: authorizes card payments for orders.
 */
public final class Main {
    static final String SERVICE_NAME = "payment-service";

    private Main() {
    }

    public static void main(String[] args) {
        ShopServer.run(SERVICE_NAME, Main.class, (routing, observability, config) ->
                routing(routing, observability, config, Clock.systemUTC()));
    }

    /** The API routes; used by {@link #main(String[])} and by the tests. */
    public static void routing(HttpRouting.Builder routing, Observability observability, Config config, Clock clock) {
        BigDecimal fraudLimit = config.get("payment.fraud.limit").as(BigDecimal.class).orElse(FraudCheck.DEFAULT_LIMIT);
        observability.register(routing, "/api/payments",
                               new PaymentService(clock, FraudCheck.amountLimit(fraudLimit), PaymentAuthorizer.bounds(config),
                                                  observability.operations()));
        // Warm-up changes nothing: a payment whose card fails the Luhn check (refused before authorization), a read.
        observability.warmUp()
                .request("POST", "/api/payments", """
                        {"orderId":"warm-up","amount":{"amount":"1.00","currency":"USD"},"method":"card",\
                        "cardNumber":"4111111111111112"}""")
                .request("GET", "/api/payments/pay_warm-up", null);
    }
}
