package dev.o11yshop.loadgen;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The three services as child processes of this JVM, wired together on ephemeral ports and exporting their spans
 * to one in-process {@link OtlpReceiver}: the whole platform on a laptop, as {@code local}, {@code bench} and the
 * system tests use it.
 */
public final class LocalPlatform implements AutoCloseable {
    private final OtlpReceiver receiver;
    private final boolean ownsReceiver;
    private final ServiceProcess inventory;
    private final ServiceProcess payment;
    private final ServiceProcess order;

    private LocalPlatform(OtlpReceiver receiver, boolean ownsReceiver, ServiceProcess inventory, ServiceProcess payment,
                          ServiceProcess order) {
        this.receiver = receiver;
        this.ownsReceiver = ownsReceiver;
        this.inventory = inventory;
        this.payment = payment;
        this.order = order;
    }

    /**
     * Starts the receiver and the services, each ready before the next starts (order-service last, pointed at
     * the other two).
     *
     * @param root     project checkout holding {@code <module>/target/<module>.jar}
     * @param runDir   where each service's stdout (JSON log lines) and stderr go
     * @param extraEnv added to every service's environment ({@code FAULT_*}, timeouts, ...)
     */
    public static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv)
            throws IOException, InterruptedException {
        return start(root, runDir, extraEnv, new OtlpReceiver(), true);
    }

    /** Like {@link #start(Path, Path, Map)}, exporting to a receiver the caller owns (and closes). */
    public static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv, OtlpReceiver receiver)
            throws IOException, InterruptedException {
        return start(root, runDir, extraEnv, receiver, false);
    }

    private static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv, OtlpReceiver receiver,
                                       boolean ownsReceiver) throws IOException, InterruptedException {
        Map<String, String> common = new HashMap<>(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                "OTEL_BSP_SCHEDULE_DELAY", "100"));
        common.putAll(extraEnv);
        List<ServiceProcess> started = new ArrayList<>();
        try {
            ServiceProcess inventory = track(started, ServiceProcess.start(root, "inventory-service", common, runDir));
            ServiceProcess payment = track(started, ServiceProcess.start(root, "payment-service", common, runDir));
            Map<String, String> orderEnv = new HashMap<>(common);
            orderEnv.put("INVENTORY_URL", inventory.api().toString());
            orderEnv.put("PAYMENT_URL", payment.api().toString());
            ServiceProcess order = track(started, ServiceProcess.start(root, "order-service", orderEnv, runDir));
            return new LocalPlatform(receiver, ownsReceiver, inventory, payment, order);
        } catch (IOException | InterruptedException | RuntimeException e) {
            // A service that failed to start must not leave the ones before it running.
            for (ServiceProcess service : started) {
                service.close();
            }
            if (ownsReceiver) {
                receiver.close();
            }
            throw e;
        }
    }

    private static ServiceProcess track(List<ServiceProcess> started, ServiceProcess service) {
        started.add(service);
        return service;
    }

    public OtlpReceiver receiver() {
        return receiver;
    }

    public ServiceProcess inventory() {
        return inventory;
    }

    public ServiceProcess payment() {
        return payment;
    }

    public ServiceProcess order() {
        return order;
    }

    /** The services, in the order they are stopped: the entry point first. */
    public List<ServiceProcess> services() {
        return List.of(order, inventory, payment);
    }

    /** Stops every service with SIGTERM, then the receiver if this platform started it. */
    @Override
    public void close() throws InterruptedException {
        for (ServiceProcess service : services()) {
            service.close();
        }
        if (ownsReceiver) {
            receiver.close();
        }
    }
}
