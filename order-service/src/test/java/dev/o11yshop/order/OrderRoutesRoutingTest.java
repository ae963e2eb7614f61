package dev.o11yshop.order;

import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.Socket;

/** {@link OrderRoutesTest} in memory: order-service's routing is invoked directly; its dependencies are real servers. */
@RoutingTest
class OrderRoutesRoutingTest extends OrderRoutesTest {
    OrderRoutesRoutingTest(DirectClient api, @Socket("admin") DirectClient admin) {
        super(api, admin, new Lane("SKU-0013", "SKU-0010", "SKU-0020"));
    }

    /**
     * Helidon 4.1.2's DirectClient builds the routing builder twice ({@code routing.build()} and
     * {@code Router.builder().addRouting(routing)}), and {@code HttpRoutingImpl.BuilderImpl.build()} appends the main
     * routing to its features on every build, so every filter runs twice per in-memory request (handlers once).
     */
    @Override
    int filterPasses() {
        return 2;
    }
}
