package dev.o11yshop.order;

import static dev.o11yshop.order.OrderBody.GOOD_CARD;
import static dev.o11yshop.order.OrderBody.line;
import static dev.o11yshop.order.OrderBody.newCustomer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@link OrderRoutesTest} over real sockets (ephemeral ports), plus what only a real server has: the metrics and
 * health endpoints of the admin socket.
 */
@ServerTest
class OrderRoutesServerTest extends OrderRoutesTest {
    OrderRoutesServerTest(Http1Client api, @Socket("admin") Http1Client admin) {
        super(api, admin, new Lane("SKU-0019", "SKU-0009", "SKU-0011"));
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false).addFeature(TestObservability.OBSERVABILITY.observe("admin"));
    }

    @Test
    void adminSocketServesTheCheckoutMetrics() {
        assertConfirmed(place(OrderBody.of(newCustomer(), GOOD_CARD, line(CABLE, 1))));

        Reply metrics = Reply.send(admin().get("/metrics"), null);

        assertEquals(200, metrics.status(), metrics.toString());
        assertThat(metrics.contentType(), containsString("text/plain"));
        assertThat(metrics.body(), containsString("orders_processed_total{"));
        assertThat(metrics.body(), containsString("status=\"confirmed\""));
        assertThat(metrics.body(), containsString("order_value_dollars_bucket{"));
        assertThat(metrics.body(), containsString("http_client_requests_total{"));
        assertThat(metrics.body(), containsString("peer=\"inventory-service\""));
        assertThat(metrics.body(), containsString("dependency_circuit_state{"));
    }

    /** {@code store_evictions_total} is exposed for both reasons of each store, before any eviction. */
    @Test
    void adminSocketServesTheStoreEvictions() {
        Reply metrics = Reply.send(admin().get("/metrics"), null);

        assertEquals(200, metrics.status(), metrics.toString());
        for (String store : new String[] {OrderStore.NAME, IdempotencyKeys.NAME}) {
            for (String reason : new String[] {"age", "capacity"}) {
                assertTrue(metrics.body().lines()
                                   .filter(line -> line.startsWith("store_evictions_total{"))
                                   .anyMatch(line -> line.contains("store=\"" + store + "\"")
                                                     && line.contains("reason=\"" + reason + "\"")),
                           "store_evictions_total{store=" + store + ", reason=" + reason + "} in " + metrics.body());
            }
        }
    }

    @Test
    void adminSocketServesHealth() {
        assertEquals(200, Reply.send(admin().get("/health/live"), null).status());
        assertEquals(200, Reply.send(admin().get("/health/ready"), null).status());
    }

    @Test
    void theApiSocketServesNoMetricsHealthOrFaults() {
        for (String path : new String[] {"/metrics", "/health", "/faults"}) {
            ProblemAssertions.assertProblem(get(path), 404, "not-found");
        }
    }
}
