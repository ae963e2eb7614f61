package dev.o11yshop.observability;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;

/** {@link AdmissionControlTest} in memory. */
@RoutingTest
class AdmissionControlRoutingTest extends AdmissionControlTest {
    AdmissionControlRoutingTest(DirectClient client) {
        super(client);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        setUpRoute(routing);
    }
}
