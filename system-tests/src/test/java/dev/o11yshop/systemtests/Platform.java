package dev.o11yshop.systemtests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The three services as child processes, wired together on ephemeral ports and exporting spans to one
 * {@link OtlpReceiver}, the way a laptop runs them.
 */
final class Platform implements AutoCloseable {
    final OtlpReceiver receiver;
    final ServiceProcess inventory;
    final ServiceProcess payment;
    final ServiceProcess order;

    private Platform(OtlpReceiver receiver, ServiceProcess inventory, ServiceProcess payment, ServiceProcess order) {
        this.receiver = receiver;
        this.inventory = inventory;
        this.payment = payment;
        this.order = order;
    }

    /**
     * Starts everything; {@code extraEnv} is added to every service's environment (FAULT_*, timeouts, ...).
     */
    static Platform start(String runName, Map<String, String> extraEnv) throws IOException, InterruptedException {
        Path runDir = Path.of(System.getProperty("o11yshop.runDir", "target/platform-runs")).resolve(runName);
        OtlpReceiver receiver = new OtlpReceiver();
        Map<String, String> common = new HashMap<>(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                "OTEL_BSP_SCHEDULE_DELAY", "100"));
        common.putAll(extraEnv);
        ServiceProcess inventory = ServiceProcess.start("inventory-service", common, runDir);
        ServiceProcess payment = ServiceProcess.start("payment-service", common, runDir);
        Map<String, String> orderEnv = new HashMap<>(common);
        orderEnv.put("INVENTORY_URL", inventory.api().toString());
        orderEnv.put("PAYMENT_URL", payment.api().toString());
        ServiceProcess order = ServiceProcess.start("order-service", orderEnv, runDir);
        return new Platform(receiver, inventory, payment, order);
    }

    List<ServiceProcess> services() {
        return List.of(order, inventory, payment);
    }

    @Override
    public void close() throws InterruptedException {
        for (ServiceProcess service : services()) {
            service.close();
        }
        receiver.close();
    }
}
