package dev.o11yshop.inventory;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@link InventoryRoutesTest} over sockets, with the admin socket as {@code ShopServer} builds it ({@code /faults},
 * {@code /metrics}, {@code /health}); metrics are read from the Prometheus text that {@code /metrics} serves.
 */
@ServerTest
class InventoryRoutesServerTest extends InventoryRoutesTest {
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static Fixture fixture;

    private final Http1Client admin;

    InventoryRoutesServerTest(Http1Client api, @Socket(ADMIN) Http1Client admin) {
        super(api, admin, fixture);
        this.admin = admin;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        setUpServer(server);
        server.addFeature(TestObservability.get().observe(ADMIN));
    }

    @SetUpRoute
    static void api(HttpRouting.Builder routing) {
        fixture = setUpApi(routing);
    }

    @SetUpRoute(ADMIN)
    static void admin(HttpRouting.Builder routing) {
        setUpAdmin(routing);
    }

    @Test
    void theAdminSocketServesHealth() {
        Reply ready = call(admin, Method.GET, "/health/ready", null);
        assertThat(ready.body(), ready.status(), is(200));
        assertThat(ready.body(), containsString("accepting-requests"));
        assertThat(call(admin, Method.GET, "/health/live", null).status(), is(200));
    }

    @Test
    void theAdminSocketServesPrometheusText() {
        Reply metrics = call(admin, Method.GET, "/metrics", null, "Accept", "text/plain");

        assertThat(metrics.status(), is(200));
        assertThat(metrics.contentType(), containsString("text/plain"));
        assertThat(metrics.body(), containsString("# TYPE inventory_level gauge"));
        assertThat(metrics.body(), containsString("# TYPE inventory_reservations_total counter"));
    }

    @Override
    Optional<Double> metric(String name, String... labels) {
        Reply scrape = call(admin, Method.GET, "/metrics", null, "Accept", "text/plain");
        assertThat(scrape.body(), scrape.status(), is(200));
        Map<String, String> wanted = InventoryRoutesRoutingTest.labelMap(labels);
        for (String line : scrape.body().split("\n")) {
            Matcher series = SERIES.matcher(line);
            if (line.startsWith("#") || !series.find() || !series.group(1).equals(name)) {
                continue;
            }
            Map<String, String> actual = new HashMap<>();
            Matcher label = LABEL.matcher(series.group(2) == null ? "" : series.group(2));
            while (label.find()) {
                actual.put(label.group(1), label.group(2));
            }
            if (actual.entrySet().containsAll(wanted.entrySet())) {
                return Optional.of(Double.parseDouble(series.group(3)));
            }
        }
        return Optional.empty();
    }
}
