package dev.o11yshop.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;
import org.junit.jupiter.api.Test;

/** {@code store_evictions_total} is on the admin socket from the start, both reasons of each store, before any eviction. */
@ServerTest
class StoreMetricsServerTest {
    private final Http1Client admin;

    StoreMetricsServerTest(@Socket("admin") Http1Client admin) {
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false).addFeature(TestObservability.OBSERVABILITY.observe("admin"));
    }

    @SetUpRoute
    static void apiRoutes(HttpRouting.Builder routing) {
        TestShop.sharedOrderRouting(routing);
    }

    @SetUpRoute("admin")
    static void adminRoutes(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.admin(routing);
    }

    @Test
    void evictionsOfEveryStoreAreExposed() {
        Reply metrics = Reply.send(admin.get("/metrics"), null);

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
}
