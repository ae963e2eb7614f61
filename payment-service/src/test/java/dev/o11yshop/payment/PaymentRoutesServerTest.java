package dev.o11yshop.payment;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@link PaymentRoutesTest} over real sockets (both on ephemeral ports), plus what only a real server has: the
 * metrics and health endpoints of the admin socket.
 */
@ServerTest
class PaymentRoutesServerTest extends PaymentRoutesTest {
    PaymentRoutesServerTest(Http1Client api, @Socket("admin") Http1Client admin) {
        super(api, admin);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false).addFeature(TestObservability.OBSERVABILITY.observe("admin"));
    }

    @Test
    void adminSocketServesPrometheusMetrics() {
        assertEquals(200, putFaultsForMetrics("{\"errorRate\":1.0}"));
        authorize(newOrderId(), "10.00", GOOD_CARD);

        Reply metrics = send(admin().get("/metrics"), null);

        assertEquals(200, metrics.status(), metrics.body());
        assertThat(metrics.contentType(), containsString("text/plain"));
        assertThat(metrics.body(), containsString("fault_injection_active{fault=\"error_rate\""));
        assertThat(metrics.body(), containsString("payments_total{"));
        assertThat(metrics.body(), containsString("http_requests_total{"));
    }

    @Test
    void adminSocketServesHealth() {
        assertEquals(200, send(admin().get("/health/live"), null).status());
        assertEquals(200, send(admin().get("/health/ready"), null).status());
    }

    private int putFaultsForMetrics(String json) {
        return send(admin().put("/faults").header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/json"), json)
                .status();
    }
}
