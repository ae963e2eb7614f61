package dev.o11yshop.systemtests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.o11yshop.observability.RequiredInCi;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.observability.RequiredInCi;
import dev.o11yshop.loadgen.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric of the contract, with its labels, on each service's admin {@code /metrics}; an exposition that
 * {@code promtool check metrics} accepts; and label values that stay bounded under hostile paths.
 */
class MetricsIT {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? .*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    private static LocalPlatform platform;
    private final ShopClient client = new ShopClient();

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = Platform.start("metrics", Map.of());
        ShopClient client = new ShopClient();
        // One of each outcome, so every labelled series exists.
        client.post(platform.order().api().resolve("/api/orders"), ShopClient.orderBody("cust-m", "SKU-0002", 1, ShopClient.GOOD_CARD), Map.of());
        client.post(platform.order().api().resolve("/api/orders"), ShopClient.orderBody("cust-m", "SKU-0002", 1, ShopClient.DECLINED_CARD), Map.of());
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void orderServiceExposesItsContractMetrics() throws Exception {
        Map<String, Set<String>> metrics = labelsByName(platform.order());
        assertLabels(metrics, "http_requests_total", "method", "endpoint", "status");
        assertLabels(metrics, "http_request_duration_seconds_bucket", "method", "endpoint", "le");
        assertLabels(metrics, "http_requests_in_progress", "method");
        assertLabels(metrics, "http_client_requests_total", "peer", "method", "status");
        assertLabels(metrics, "http_client_request_duration_seconds_bucket", "peer", "method", "le");
        assertLabels(metrics, "orders_processed_total", "status", "payment_method");
        assertLabels(metrics, "order_value_dollars_bucket", "le");
        assertLabels(metrics, "operation_duration_seconds_bucket", "operation", "le");
        assertLabels(metrics, "dependency_circuit_state", "peer");
        assertLabels(metrics, "fault_injection_active", "fault");
        assertLabels(metrics, "app_info", "version", "environment");
        assertLabels(metrics, "otel_span_export_failures_total");
        assertLabels(metrics, "otel_spans_dropped_total");
        String exposition = platform.order().adminGet("/metrics").body();
        for (String le : List.of("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0")) {
            assertTrue(exposition.contains("http_request_duration_seconds_bucket{endpoint=\"/api/orders\",method=\"POST\",scope=\"application\",le=\"" + le + "\""),
                       "contract bucket " + le);
        }
        for (String le : List.of("10.0", "25.0", "50.0", "100.0", "250.0", "500.0", "1000.0", "5000.0")) {
            assertTrue(exposition.contains("order_value_dollars_bucket{scope=\"application\",le=\"" + le + "\""), "order value bucket " + le);
        }
        assertTrue(exposition.contains("orders_processed_total{payment_method=\"card\",scope=\"application\",status=\"confirmed\",}"));
        assertTrue(exposition.contains("orders_processed_total{payment_method=\"card\",scope=\"application\",status=\"rejected_payment\",}"));
    }

    @Test
    void inventoryServiceExposesItsContractMetrics() throws Exception {
        Map<String, Set<String>> metrics = labelsByName(platform.inventory());
        assertLabels(metrics, "inventory_level", "product_id", "warehouse");
        assertLabels(metrics, "inventory_reservations_total", "outcome");
        assertLabels(metrics, "http_requests_total", "method", "endpoint", "status");
        assertLabels(metrics, "operation_duration_seconds_bucket", "operation", "le");
        assertLabels(metrics, "app_info", "version", "environment");
    }

    @Test
    void paymentServiceExposesItsContractMetrics() throws Exception {
        Map<String, Set<String>> metrics = labelsByName(platform.payment());
        assertLabels(metrics, "payments_total", "status", "method");
        assertLabels(metrics, "payment_authorization_seconds", "method", "quantile");
        assertLabels(metrics, "payment_authorization_seconds_count", "method");
        assertLabels(metrics, "http_requests_total", "method", "endpoint", "status");
        assertLabels(metrics, "app_info", "version", "environment");
        String exposition = platform.payment().adminGet("/metrics").body();
        assertTrue(exposition.contains("# TYPE payment_authorization_seconds summary"));
        for (String quantile : List.of("0.5", "0.95", "0.99")) {
            assertTrue(exposition.contains("quantile=\"" + quantile + "\""), "quantile " + quantile);
        }
    }

    @Test
    void promtoolAcceptsEveryExposition() throws Exception {
        Path promtool = RequiredInCi.executable(Path.of("/usr/bin/promtool"), "apt-get install prometheus");
        for (ServiceProcess service : platform.services()) {
            String exposition = service.adminGet("/metrics").body();
            Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            check.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
            check.getOutputStream().close();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(30, TimeUnit.SECONDS), "promtool finished");
            assertEquals("", output.trim(), service.name() + ": promtool check metrics reported problems");
            assertEquals(0, check.exitValue(), service.name() + ": " + output);
        }
    }

    @Test
    void theApiSocketServesNoMetricsHealthOrFaults() throws Exception {
        for (ServiceProcess service : platform.services()) {
            for (String path : List.of("/metrics", "/health", "/health/ready", "/faults", "/observe/metrics")) {
                ShopClient.Response response = client.get(service.api().resolve(path));
                assertEquals(404, response.status(), service.name() + " API " + path);
                assertEquals("application/problem+json", response.contentType());
            }
            assertEquals(200, service.adminGet("/health/live").statusCode());
        }
    }

    @Test
    void unknownPathsAddNoLabelValues() throws Exception {
        String unmatched = "http_requests_total{endpoint=\"unmatched\",method=\"GET\",scope=\"application\",status=\"404\",}";
        client.get(platform.order().api().resolve("/warm-up-unmatched"));
        // The filter counts a request after its answer is sent: wait until the warm-up's series is there.
        eventually(() -> assertThat(seriesOf(platform.order(), "http_requests_total"), hasItem(unmatched)));
        Set<String> before = seriesOf(platform.order(), "http_requests_total");
        for (int i = 0; i < 1000; i++) {
            ShopClient.Response response = client.get(platform.order().api().resolve("/" + UUID.randomUUID() + "/" + i));
            assertEquals(404, response.status());
        }
        Set<String> after = seriesOf(platform.order(), "http_requests_total");
        Set<String> added = new TreeSet<>(after);
        added.removeAll(before);
        assertThat("1,000 random paths add no series", added, is(empty()));
        assertThat(after.stream().filter(series -> series.contains("endpoint=\"unmatched\"")).toList(),
                   is(List.of(unmatched)));
    }

    private static void assertLabels(Map<String, Set<String>> metrics, String name, String... labels) {
        assertThat("metric " + name + " is exposed", metrics.keySet(), hasItem(name));
        for (String label : labels) {
            assertThat(name + " has label " + label, metrics.get(name), hasItem(label));
        }
    }

    /** Metric sample names with the union of their label names. */
    private static Map<String, Set<String>> labelsByName(ServiceProcess service) throws IOException, InterruptedException {
        Map<String, Set<String>> result = new TreeMap<>();
        for (String line : service.adminGet("/metrics").body().split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches()) {
                continue;
            }
            Set<String> labels = result.computeIfAbsent(sample.group(1), k -> new TreeSet<>());
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        }
        return result;
    }

    private static Set<String> seriesOf(ServiceProcess service, String name) throws IOException, InterruptedException {
        Set<String> series = new TreeSet<>();
        for (String line : service.adminGet("/metrics").body().split("\n")) {
            if (line.startsWith(name + "{")) {
                series.add(line.substring(0, line.lastIndexOf(' ')));
            }
        }
        return series;
    }
}
