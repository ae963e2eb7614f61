package dev.o11yshop.loadgen;

import java.time.Instant;
import java.util.Map;

/**
 * One alert of an Alertmanager webhook notification, as {@code POST /alerts} ({@link AlertWebhook}) received it.
 *
 * @param receivedAt  when it arrived here
 * @param status      {@code firing} or {@code resolved}
 * @param receiver    the Alertmanager receiver that sent it
 * @param labels      the alert's labels ({@code alertname}, {@code severity}, {@code job}, ...)
 * @param annotations the alert's annotations ({@code summary}, {@code description}, {@code runbook_url}, ...)
 * @param fingerprint Alertmanager's id of the alert (of its label set)
 */
public record AlertNotification(Instant receivedAt, String status, String receiver, Map<String, String> labels,
                                Map<String, String> annotations, String fingerprint) {
    public AlertNotification {
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }

    public String alertname() {
        return labels.getOrDefault("alertname", "");
    }

    public String severity() {
        return labels.getOrDefault("severity", "");
    }

    public boolean firing() {
        return "firing".equals(status);
    }
}
