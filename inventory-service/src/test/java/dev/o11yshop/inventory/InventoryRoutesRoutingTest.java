package dev.o11yshop.inventory;

import java.util.Map;
import java.util.Optional;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;

/**
 * {@link InventoryRoutesTest} in memory: requests go straight into the routings, no socket involved. The admin
 * routing has {@code /faults} only: Helidon's observe feature cannot be set up on a direct routing for a named socket,
 * so metrics are read from the global registry instead of {@code /metrics}.
 */
@RoutingTest
class InventoryRoutesRoutingTest extends InventoryRoutesTest {
    private static Fixture fixture;

    InventoryRoutesRoutingTest(DirectClient api, @Socket(ADMIN) DirectClient admin) {
        super(api, admin, fixture);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        setUpServer(server);
    }

    @SetUpRoute
    static void api(HttpRouting.Builder routing) {
        fixture = setUpApi(routing);
    }

    @SetUpRoute(ADMIN)
    static void admin(HttpRouting.Builder routing) {
        setUpAdmin(routing);
    }

    /**
     * Helidon 4.1.2's {@code HttpRouting.Builder.build()} appends the builder's main routing to the builder's own
     * feature list, so building one builder twice sets its filters and routes up twice; {@code DirectClient} builds
     * the routing it is given twice (once for itself, once inside its {@code Router}). Every request therefore passes
     * the observability filter twice here: two SERVER spans (siblings, as each pass continues the caller's
     * {@code traceparent}), two counts in {@code http_requests_total}, two {@code request_completed} lines.
     */
    @Override
    int observationsPerRequest() {
        return 2;
    }

    @Override
    Optional<Double> metric(String name, String... labels) {
        Map<String, String> wanted = labelMap(labels);
        return Metrics.globalRegistry().meters().stream()
                .filter(meter -> meter.id().name().equals(name))
                .filter(meter -> meter.id().tagsMap().entrySet().containsAll(wanted.entrySet()))
                .findFirst()
                .map(InventoryRoutesRoutingTest::value);
    }

    private static double value(Meter meter) {
        return switch (meter) {
            case Counter counter -> counter.count();
            case Gauge<?> gauge -> gauge.value().doubleValue();
            default -> throw new IllegalArgumentException("not a counter or gauge: " + meter.id());
        };
    }

    static Map<String, String> labelMap(String... labels) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        return map;
    }
}
