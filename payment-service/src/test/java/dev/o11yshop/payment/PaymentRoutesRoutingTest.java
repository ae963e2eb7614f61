package dev.o11yshop.payment;

import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.Socket;

/** {@link PaymentRoutesTest} in memory: the routing is invoked directly, without sockets. */
@RoutingTest
class PaymentRoutesRoutingTest extends PaymentRoutesTest {
    PaymentRoutesRoutingTest(DirectClient api, @Socket("admin") DirectClient admin) {
        super(api, admin);
    }

    /**
     * Helidon 4.1.2's DirectClient builds the routing builder twice ({@code routing.build()} and
     * {@code Router.builder().addRouting(routing)}), and {@code HttpRoutingImpl.BuilderImpl.build()} appends the main
     * routing to its features on every build, so every filter runs twice per in-memory request.
     */
    @Override
    int filterPasses() {
        return 2;
    }
}
