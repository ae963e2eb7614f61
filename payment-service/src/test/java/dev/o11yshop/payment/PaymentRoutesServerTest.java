package dev.o11yshop.payment;

import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PaymentRoutesTest} over real sockets (both on ephemeral ports), plus what only a real server has: the
 * metrics (with exemplars) and health endpoints of the admin socket.
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

    /**
     * What Prometheus asks for (OpenMetrics) carries exemplars: a latency bucket names the trace of a request it
     * counted, which is how a Grafana panel links a slow bucket to its trace. The text format has none.
     */
    @Test
    void latencyBucketsCarryTheTraceOfARequestTheyCounted() throws Exception {
        String traceId = HexFormat.of().formatHex(randomBytes(16));
        Pattern exemplar = Pattern.compile("(?m)^http_request_duration_seconds_bucket\\{endpoint=\"/api/payments\","
                + "method=\"POST\",[^}]*} \\S+ # \\{span_id=\"[0-9a-f]{16}\",trace_id=\"" + traceId + "\"} \\S+ \\S+$");
        eventually(Duration.ofSeconds(10), () -> {
            // A bucket keeps its exemplar for a moment before a newer request may replace it: pay again until ours shows.
            Reply paid = sendApi(api().post(PAYMENTS).header(HeaderNames.CONTENT_TYPE, "application/json")
                                         .header(TRACEPARENT, "00-" + traceId + "-" + HexFormat.of().formatHex(randomBytes(8)) + "-01"),
                                 body(newOrderId(), "\"10.00\"", "\"card\"", quoted(GOOD_CARD)));
            assertEquals(201, paid.status(), paid.body());
            Reply metrics = send(admin().get("/metrics").header(HeaderNames.ACCEPT, "application/openmetrics-text; version=1.0.0"), null);
            assertThat(metrics.contentType(), containsString("application/openmetrics-text"));
            assertTrue(exemplar.matcher(metrics.body()).find(), "no latency bucket of POST /api/payments names trace " + traceId);
        });
        assertThat(send(admin().get("/metrics"), null).body(), not(containsString("trace_id")));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        bytes[0] |= 1; // never all zero: an invalid id
        return bytes;
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
