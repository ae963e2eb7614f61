package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.o11yshop.loadgen.alerting.ChartConfig;
import dev.o11yshop.loadgen.alerting.PrometheusStack;
import dev.o11yshop.loadgen.alerting.PrometheusStack.LocalPod;

/**
 * {@code local}'s alerting: the chart's Prometheus config, rules and Alertmanager routes on a real Prometheus and
 * Alertmanager ({@link PrometheusStack}), scraping the local services and the generator's admin port, whose
 * {@code POST /alerts} receives the webhooks. Each change of an alert's state is printed as one line while traffic
 * runs and counted for the final table.
 */
final class LocalAlerting implements AutoCloseable {
    /** Labels that say where an alert points, printed when present. */
    static final List<String> WHERE_LABELS = List.of("job", "peer", "endpoint", "product_id");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** {@code --alerting}: the CLI words themselves. */
    enum Mode { auto, on, off }

    private final PrometheusStack stack;
    private final PrintWriter out;
    private final AlertChanges changes = new AlertChanges();
    private volatile boolean printing;

    private LocalAlerting(PrometheusStack stack, PrintWriter out) {
        this.stack = stack;
        this.out = out;
    }

    /** Why the stack cannot start here (binaries missing), or null when it can. */
    static String unavailableReason() {
        return PrometheusStack.missingBinaries().orElse(null);
    }

    /**
     * Starts the stack in {@code dir}, scraping {@code platform}'s services and the generator's admin port
     * {@code generatorAdmin} (whose {@code POST /alerts} gets the webhooks), and prints where it is.
     */
    static LocalAlerting start(LocalPlatform platform, URI generatorAdmin, Path dir, long timeFactor, PrintWriter out)
            throws IOException, InterruptedException {
        List<LocalPod> pods = new ArrayList<>();
        for (ServiceProcess service : platform.services()) {
            pods.add(new LocalPod(service.name(), Map.of("http", service.api().getPort(), "admin", service.admin().getPort())));
        }
        pods.add(new LocalPod("load-generator", Map.of("admin", generatorAdmin.getPort())));
        URI webhook = generatorAdmin.resolve("/alerts");
        long started = System.nanoTime();
        PrometheusStack stack = PrometheusStack.start(ChartConfig.bundledForLocal(), dir, pods, Map.of(), webhook,
                                                      timeFactor);
        out.printf("    ready in %.1f s (the chart's rules load once Prometheus has discovered the pods)%n",
                   (System.nanoTime() - started) / 1e9);
        out.printf("    %-18s %s   alerts: %s/alerts   targets: %s/targets%n", "prometheus", stack.prometheus(),
                   stack.prometheus(), stack.prometheus());
        out.printf("    %-18s %s   alerts: %s/#/alerts%n", "alertmanager", stack.alertmanager(), stack.alertmanager());
        out.printf("    the chart's scrape config, rules and routes (rendered with %s, what local does not run), %s; "
                           + "webhooks to %s; files in %s%n",
                   ChartConfig.LOCAL_VALUES.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                           .collect(Collectors.joining(" ")),
                   timeFactor == 1 ? "with its timings" : "every `for` and interval divided by " + timeFactor,
                   webhook, dir);
        out.flush();
        return new LocalAlerting(stack, out);
    }

    URI prometheus() {
        return stack.prometheus();
    }

    URI alertmanager() {
        return stack.alertmanager();
    }

    /** From now on (until {@link #stopPrinting()}) every notification is printed as it arrives. */
    void startPrinting() {
        printing = true;
    }

    void stopPrinting() {
        printing = false;
    }

    /** The webhook's listener: counts the alert's change of state and, while traffic runs, prints it. */
    void notified(AlertNotification alert) {
        if (changes.record(alert) && printing) {
            String line = line(alert, LocalTime.ofInstant(alert.receivedAt(), ZoneId.systemDefault()));
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }
    }

    /**
     * One notification for people: {@code alert 14:02:31 FIRING   FaultInjectionActive (warning) job=payment-service
     * — Fault injection error_rate is active on payment-service}.
     */
    static String line(AlertNotification alert, LocalTime time) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "alert %s %-8s %s",
                time.format(TIME), alert.status().toUpperCase(Locale.ROOT), alert.alertname()));
        if (!alert.severity().isEmpty()) {
            line.append(" (").append(alert.severity()).append(')');
        }
        for (String label : WHERE_LABELS) {
            String value = alert.labels().get(label);
            if (value != null && !value.isEmpty()) {
                line.append(' ').append(label).append('=').append(value);
            }
        }
        String summary = alert.annotations().getOrDefault("summary", "");
        if (!summary.isEmpty()) {
            line.append(" — ").append(summary);
        }
        return line.toString();
    }

    /** The alerts notified so far: name, severity, how often each started firing and resolved. */
    String table() {
        Map<String, long[]> counts = changes.counts();
        if (counts.isEmpty()) {
            return stack.timeFactor() == 1
                    ? "(none: with the chart's timings an alert fires only after its `for`, minutes, plus "
                            + "Alertmanager's group_wait; --alert-time-factor 24 makes those 24 times shorter)\n"
                    : "(none)\n";
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-44s %8s %9s%n", "alert (severity)",
                                                              "firing", "resolved"));
        counts.forEach((alert, n) -> table.append(String.format(Locale.ROOT, "%-44s %8d %9d%n", alert, n[0], n[1])));
        return table.toString();
    }

    /**
     * Each alert's state as the webhook has seen it. Alertmanager notifies a whole group whenever any alert of it
     * changes (and again every repeat_interval), so the same state of one alert arrives many times; only a change
     * is printed and counted.
     */
    static final class AlertChanges {
        /** Per alert (Alertmanager's fingerprint of its labels): the status last notified. */
        private final Map<String, String> states = new HashMap<>();
        /** Per "alertname (severity)": {times it started firing, times it resolved}. */
        private final Map<String, long[]> counts = new TreeMap<>();

        /** Records {@code alert}; true when it is new or its status changed. */
        synchronized boolean record(AlertNotification alert) {
            String id = alert.fingerprint().isEmpty() ? new TreeMap<>(alert.labels()).toString() : alert.fingerprint();
            if (alert.status().equals(states.put(id, alert.status()))) {
                return false;
            }
            counts.computeIfAbsent(key(alert), k -> new long[2])[alert.firing() ? 0 : 1]++;
            return true;
        }

        /** A copy of the counts, by "alertname (severity)". */
        synchronized Map<String, long[]> counts() {
            Map<String, long[]> copy = new TreeMap<>();
            counts.forEach((alert, n) -> copy.put(alert, n.clone()));
            return copy;
        }

        private static String key(AlertNotification alert) {
            return alert.alertname() + (alert.severity().isEmpty() ? "" : " (" + alert.severity() + ")");
        }
    }

    /** Stops Prometheus and Alertmanager; returns once both are gone. */
    @Override
    public void close() {
        printing = false;
        stack.close();
    }
}
