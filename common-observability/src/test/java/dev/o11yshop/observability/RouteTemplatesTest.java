package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.helidon.common.uri.UriPath;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Route templates become the {@code endpoint} label: matched routes record {@code /prefix/{param}}, everything else
 * is {@code unmatched}, so no path can create a new series.
 */
@RoutingTest
class RouteTemplatesTest {
    private static final Handler ECHO_TEMPLATE = (req, res) -> res.send(RouteTemplates.of(req).orElse("none"));
    /** The routes of {@link ShopService}, as admission control sees them before routing. */
    private static final RouteTemplates.Table SHOP_ROUTES = new RouteTemplates.Table();

    private final DirectClient client;

    RouteTemplatesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.api(routing);
        routing.register("/shop", RouteTemplates.recorded("/shop", new ShopService(), RouteTemplates.Interceptor.NONE,
                                                          SHOP_ROUTES));
        routing.get("/unrecorded/{id}", ECHO_TEMPLATE);
    }

    static final class ShopService implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            rules.get("/", ECHO_TEMPLATE)
                    .get("/items/{itemId}", ECHO_TEMPLATE)
                    .post("/items", ECHO_TEMPLATE)
                    .delete(ECHO_TEMPLATE)
                    .register("/carts", new CartService());
        }
    }

    static final class CartService implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            rules.get("/{cartId}/lines/{lineId}", ECHO_TEMPLATE)
                    .put("/{cartId}", ECHO_TEMPLATE);
        }
    }

    @ParameterizedTest
    @CsvSource({"GET, /shop, /shop",
            "GET, /shop/items/SKU-0001, /shop/items/{itemId}",
            "GET, /shop/items/anything-at-all, /shop/items/{itemId}",
            "POST, /shop/items, /shop/items",
            "DELETE, /shop, /shop",
            "GET, /shop/carts/c-1/lines/7, /shop/carts/{cartId}/lines/{lineId}",
            "PUT, /shop/carts/c-1, /shop/carts/{cartId}"})
    void recordsTheTemplateOfTheMatchedRoute(String method, String path, String template) {
        assertEquals(Optional.of(template), SHOP_ROUTES.match(Method.create(method), UriPath.create(path)),
                     "the template is known before routing");
        try (Http1ClientResponse response = client.method(Method.create(method)).path(path).request()) {
            assertEquals(200, response.status().code());
            assertEquals(template, response.as(String.class));
        }
        TestObservability.settle();
        assertThat(MetricsProbe.counter("http_requests_total", Map.of("method", method, "endpoint", template, "status", "200")),
                   greaterThan(0L));
        if (!path.equals(template)) {
            assertEquals(0, MetricsProbe.counter("http_requests_total", Map.of("endpoint", path)), "a raw path is never a label");
        }
    }

    @ParameterizedTest
    @CsvSource({"GET, /shop/items", "POST, /shop/items/SKU-0001", "GET, /shop/carts/c-1/lines", "GET, /unrecorded/1",
            "GET, /elsewhere"})
    void theTableKnowsNoTemplateForAnUnmatchedRequest(String method, String path) {
        assertEquals(Optional.empty(), SHOP_ROUTES.match(Method.create(method), UriPath.create(path)));
    }

    @Test
    void routesRegisteredWithoutRouteTemplatesRecordNothing() {
        try (Http1ClientResponse response = client.get("/unrecorded/1").request()) {
            assertEquals("none", response.as(String.class));
        }
    }

    @Test
    void refusesRoutesWhoseTemplateCannotBeKnown() {
        HttpService withAny = rules -> rules.any("/anything", ECHO_TEMPLATE);
        HttpRouting.Builder routing = HttpRouting.builder();
        RouteTemplates.register(routing, "/shop", withAny);
        assertThrows(UnsupportedOperationException.class, routing::build);
    }

    @Test
    void labelsUnknownPathsUnmatched() {
        TestObservability.settle();
        long before = MetricsProbe.counter("http_requests_total", Map.of("method", "GET", "endpoint", "unmatched", "status", "404"));

        try (Http1ClientResponse response = client.get("/no/such/" + UUID.randomUUID()).request()) {
            assertEquals(404, response.status().code());
            assertTrue(response.headers().first(HeaderNames.CONTENT_TYPE).orElse("").startsWith("application/problem+json"));
        }

        TestObservability.settle();
        assertThat(MetricsProbe.counter("http_requests_total", Map.of("method", "GET", "endpoint", "unmatched", "status", "404")),
                   greaterThan(before));
    }

    @Test
    void aThousandRandomPathsAddNoSeries() {
        // Warm up every label combination the random requests can produce.
        request("GET", "/warm/up");
        request("POST", "/warm/up");
        request("BREW", "/warm/up");
        request("GET", "/shop/items/warm-up");
        TestObservability.settle();
        Set<Map<String, String>> requests = MetricsProbe.labelSets("http_requests_total");
        Set<Map<String, String>> durations = MetricsProbe.labelSets("http_request_duration_seconds");
        Set<String> endpoints = endpoints(requests);

        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 1_000; i++) {
            String id = Long.toString(random.nextLong(), 36) + "-" + UUID.randomUUID();
            switch (i % 5) {
                case 0 -> request("GET", "/" + id);
                case 1 -> request("POST", "/api/" + id + "/x?card=4111111111111111");
                case 2 -> request("BREW", "/" + id);
                case 3 -> request("GET", "/shop/items/" + id);
                default -> request("GET", "/shop/" + id + "/" + id);
            }
        }

        TestObservability.settle();
        assertEquals(requests, MetricsProbe.labelSets("http_requests_total"), "no new http_requests_total series");
        assertEquals(durations, MetricsProbe.labelSets("http_request_duration_seconds"), "no new duration series");
        assertEquals(endpoints, endpoints(MetricsProbe.labelSets("http_requests_total")));
    }

    private void request(String method, String path) {
        try (Http1ClientResponse response = client.method(Method.create(method)).path(path).request()) {
            int status = response.status().code();
            assertTrue(status == 200 || status == 404, method + " " + path + " -> " + status);
        }
    }

    private static Set<String> endpoints(Set<Map<String, String>> labelSets) {
        Set<String> endpoints = new HashSet<>();
        labelSets.forEach(labels -> endpoints.add(labels.get("endpoint")));
        return endpoints;
    }
}
