package dev.o11yshop.loadgen;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.MeterFamily;
import dev.o11yshop.observability.Problem.FieldError;
import dev.o11yshop.observability.ProblemException;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /alerts} on the admin port: Alertmanager's webhook receiver. It takes the webhook payload (version 4:
 * {@code {"version", "status", "receiver", "alerts": [{"status", "labels", "annotations", "startsAt", "endsAt",
 * "fingerprint"}], ...}}), logs one {@code alert_received} JSON line per alert (so alerts land in Loki next to the
 * traffic that caused them) and counts them in {@code loadgen_alerts_received_total{status}}. Only the status is a
 * label: alert names and label maps are unbounded, so they go on the log line, never into a metric.
 * <p>
 * A malformed body, or one without an {@code alerts} array, is a 400 {@code application/problem+json} naming the
 * field; Alertmanager does not retry a 4xx. Each alert is also handed to a listener ({@code local} prints it).
 */
final class AlertWebhook {
    static final List<String> STATUSES = List.of("firing", "resolved");
    /** Longest string value put on a log line; a label value or annotation can be any size. */
    static final int MAX_VALUE_CHARS = 256;

    private static final Logger LOG = LoggerFactory.getLogger(AlertWebhook.class);
    private static final MeterFamily<Counter> RECEIVED = MeterFamily.counter(
            "loadgen_alerts_received_total", "Alerts received from Alertmanager's webhook, by status (firing or resolved)",
            "status");

    static {
        STATUSES.forEach(RECEIVED::labels);
    }

    private final Consumer<AlertNotification> listener;

    /**
     * Creating one registers the counters, so both statuses show (at 0) before the first alert.
     *
     * @param listener gets every alert received, after it is logged and counted
     */
    AlertWebhook(Consumer<AlertNotification> listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The route handler. */
    void receive(ServerRequest req, ServerResponse res) {
        JsonNode body = Json.parse(Json.readBytes(req), JsonNode.class);
        if (!body.isObject()) {
            throw ProblemException.invalidField("body", "must be a JSON object (Alertmanager webhook payload)");
        }
        JsonNode alerts = body.get("alerts");
        if (alerts == null || alerts.isNull()) {
            throw ProblemException.invalidField("alerts", "is required: the array of alerts of Alertmanager's webhook payload");
        }
        if (!alerts.isArray()) {
            throw ProblemException.invalidField("alerts", "must be an array");
        }
        // Check every alert before logging any, so a bad payload has no half effect.
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i++) {
            JsonNode alert = alerts.get(i);
            String field = "alerts[" + i + "]";
            if (!alert.isObject()) {
                errors.add(new FieldError(field, "must be an object"));
                continue;
            }
            String status = alert.path("status").asText("");
            if (!STATUSES.contains(status)) {
                errors.add(new FieldError(field + ".status", "must be firing or resolved"));
            }
            if (alert.has("labels") && !alert.get("labels").isObject()) {
                errors.add(new FieldError(field + ".labels", "must be an object"));
            }
            if (alert.has("annotations") && !alert.get("annotations").isObject()) {
                errors.add(new FieldError(field + ".annotations", "must be an object"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        String receiver = text(body.path("receiver"));
        for (JsonNode alert : alerts) {
            String status = alert.get("status").asText();
            JsonNode labels = alert.path("labels");
            JsonNode annotations = alert.path("annotations");
            LOG.atInfo()
                    .addKeyValue("alertname", text(labels.path("alertname")))
                    .addKeyValue("status", status)
                    .addKeyValue("severity", text(labels.path("severity")))
                    .addKeyValue("summary", text(annotations.path("summary")))
                    .addKeyValue("fingerprint", text(alert.path("fingerprint")))
                    .addKeyValue("starts_at", text(alert.path("startsAt")))
                    .addKeyValue("ends_at", text(alert.path("endsAt")))
                    .addKeyValue("receiver", receiver)
                    .log("alert_received");
            RECEIVED.labels(status).increment();
            listener.accept(new AlertNotification(Instant.now(), status, receiver, strings(labels), strings(annotations),
                                                  text(alert.path("fingerprint"))));
        }
        Json.send(res, Status.OK_200, Map.of("received", alerts.size()));
    }

    /** The scalar fields of an object, each bounded in length ({@link #text}). */
    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        object.fields().forEachRemaining(field -> values.put(field.getKey(), text(field.getValue())));
        return values;
    }

    /** A string field, bounded in length; empty when absent or not a scalar. */
    private static String text(JsonNode node) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            return "";
        }
        String value = node.asText();
        return value.length() <= MAX_VALUE_CHARS ? value : value.substring(0, MAX_VALUE_CHARS) + "…";
    }
}
