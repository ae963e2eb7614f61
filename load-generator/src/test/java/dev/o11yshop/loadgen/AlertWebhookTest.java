package dev.o11yshop.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.tracing.Tracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code POST /alerts} on the admin port: Alertmanager's webhook payload becomes log lines and a bounded counter. */
class AlertWebhookTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** Alertmanager's webhook payload (version 4), as its documentation shows it: one firing and one resolved alert. */
    private static final String PAYLOAD = """
            {
              "version": "4",
              "groupKey": "{}:{alertname=\\"OrderErrorRateHigh\\"}",
              "truncatedAlerts": 0,
              "status": "firing",
              "receiver": "load-generator",
              "groupLabels": {"alertname": "OrderErrorRateHigh"},
              "commonLabels": {"alertname": "OrderErrorRateHigh", "severity": "critical"},
              "commonAnnotations": {},
              "externalURL": "http://alertmanager:9093",
              "alerts": [
                {
                  "status": "firing",
                  "labels": {"alertname": "OrderErrorRateHigh", "severity": "critical", "service": "order-service",
                             "pod": "order-service-7d9f8b-x2x4z"},
                  "annotations": {"summary": "order-service 5xx ratio above 5%", "runbook_url": "docs/runbooks/x.md"},
                  "startsAt": "2026-01-01T10:00:00.000Z",
                  "endsAt": "0001-01-01T00:00:00Z",
                  "generatorURL": "http://prometheus:9090/graph?g0.expr=...",
                  "fingerprint": "c4f9b1e7a2d35e10"
                },
                {
                  "status": "resolved",
                  "labels": {"alertname": "PaymentLatencyHigh", "severity": "warning"},
                  "annotations": {"summary": "payment p99 above 500 ms"},
                  "startsAt": "2026-01-01T09:00:00.000Z",
                  "endsAt": "2026-01-01T09:30:00.000Z",
                  "generatorURL": "http://prometheus:9090/graph",
                  "fingerprint": "0a1b2c3d4e5f6a7b"
                }
              ]
            }
            """;

    private final List<AlertNotification> notifications = new CopyOnWriteArrayList<>();
    private ControlServer control;
    private ListAppender<ILoggingEvent> logs;
    private Logger logger;

    @BeforeEach
    void start() {
        // The run is never started: the webhook does not need traffic.
        LoadRun run = new LoadRun(Traffic.options(URI.create("http://127.0.0.1:9"), 1, Duration.ofSeconds(1),
                                                  Mix.only(Scenario.CHECKOUT)), Tracer.noOp(), (Consumer<String>) null);
        control = ControlServer.start(run, LocalPlatform.LOOPBACK, 0, notifications::add);
        logger = (Logger) LoggerFactory.getLogger(AlertWebhook.class);
        logger.setLevel(Level.INFO);
        logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logs);
        control.close();
    }

    @Test
    void eachAlertIsOneLogLineAndCountedByStatus() throws Exception {
        double firingBefore = counter("firing");
        double resolvedBefore = counter("resolved");

        HttpResponse<String> response = post(PAYLOAD);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(2, Json.MAPPER.readTree(response.body()).get("received").asInt());
        List<ILoggingEvent> events = logs.list.stream().filter(e -> e.getMessage().equals("alert_received")).toList();
        assertEquals(2, events.size(), logs.list.toString());
        Map<String, Object> firing = keyValues(events.get(0));
        assertEquals("OrderErrorRateHigh", firing.get("alertname"));
        assertEquals("firing", firing.get("status"));
        assertEquals("critical", firing.get("severity"));
        assertEquals("order-service 5xx ratio above 5%", firing.get("summary"));
        assertEquals("c4f9b1e7a2d35e10", firing.get("fingerprint"));
        assertEquals("2026-01-01T10:00:00.000Z", firing.get("starts_at"));
        assertEquals("load-generator", firing.get("receiver"));
        assertFalse(firing.containsKey("pod"), "arbitrary labels stay off the line: " + firing);
        Map<String, Object> resolved = keyValues(events.get(1));
        assertEquals("PaymentLatencyHigh", resolved.get("alertname"));
        assertEquals("resolved", resolved.get("status"));
        assertEquals("2026-01-01T09:30:00.000Z", resolved.get("ends_at"));

        // ... and handed to the listener (local prints them), every label and annotation included.
        assertEquals(2, notifications.size(), notifications.toString());
        AlertNotification first = notifications.getFirst();
        assertEquals("firing", first.status());
        assertEquals("OrderErrorRateHigh", first.alertname());
        assertEquals("critical", first.severity());
        assertEquals("order-service-7d9f8b-x2x4z", first.labels().get("pod"));
        assertEquals("order-service 5xx ratio above 5%", first.annotations().get("summary"));
        assertEquals("load-generator", first.receiver());
        assertEquals("c4f9b1e7a2d35e10", first.fingerprint());
        assertFalse(notifications.get(1).firing());

        assertEquals(firingBefore + 1, counter("firing"));
        assertEquals(resolvedBefore + 1, counter("resolved"));
        String metrics = get("/metrics");
        assertFalse(metrics.lines().anyMatch(line -> line.startsWith("loadgen_alerts_received_total")
                && (line.contains("alertname") || line.contains("severity"))), "only status is a label");
    }

    @Test
    void malformedOrIncompletePayloadsAreProblemsNamingTheField() throws Exception {
        double firingBefore = counter("firing");

        assertProblem(post("{\"alerts\": [ "), "body", "malformed JSON");
        assertProblem(post("{\"version\": \"4\", \"status\": \"firing\"}"), "alerts", "is required");
        assertProblem(post("{\"alerts\": {\"status\": \"firing\"}}"), "alerts", "must be an array");
        assertProblem(post("[]"), "body", "must be a JSON object");
        assertProblem(post("{\"alerts\": [{\"status\": \"firing\"}, {\"status\": \"pending\"}]}"), "alerts[1].status",
                      "must be firing or resolved");
        assertProblem(post("{\"alerts\": [{\"status\": \"firing\", \"labels\": [1]}]}"), "alerts[0].labels", "must be an object");

        assertEquals(firingBefore, counter("firing"), "nothing counted from a rejected payload");
        assertFalse(logs.list.stream().anyMatch(e -> e.getMessage().equals("alert_received")), "nothing logged");
        assertEquals(List.of(), notifications, "nothing handed to the listener");
    }

    private static Map<String, Object> keyValues(ILoggingEvent event) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (KeyValuePair pair : event.getKeyValuePairs()) {
            values.put(pair.key, pair.value);
        }
        return values;
    }

    /** {@code loadgen_alerts_received_total{status=...}} as the admin port's /metrics shows it. */
    private double counter(String status) throws IOException, InterruptedException {
        return get("/metrics").lines()
                .filter(line -> line.startsWith("loadgen_alerts_received_total{") && line.contains("status=\"" + status + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no loadgen_alerts_received_total{status=\"" + status + "\"}"));
    }

    private static void assertProblem(HttpResponse<String> response, String field, String message) throws IOException {
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = Json.MAPPER.readTree(response.body());
        assertEquals(field, problem.get("errors").get(0).get("field").asText(), response.body());
        assertThat(problem.get("errors").get(0).get("message").asText(), containsString(message));
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(control.uri() + "/alerts"))
                                   .timeout(Duration.ofSeconds(10))
                                   .header("Content-Type", "application/json")
                                   .POST(HttpRequest.BodyPublishers.ofString(body))
                                   .build(),
                           HttpResponse.BodyHandlers.ofString());
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(control.uri() + path))
                                                            .timeout(Duration.ofSeconds(10)).build(),
                                                    HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
