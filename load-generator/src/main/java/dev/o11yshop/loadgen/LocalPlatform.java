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
 * <p>
 * Closed by default: every service and the receiver listen on loopback ({@code HOST=127.0.0.1}) unless the caller
 * names {@link #EVERY_INTERFACE}, and every service gets the platform's admin token ({@code ADMIN_TOKEN}), so
 * {@code PUT}/{@code DELETE /faults} need it ({@link #adminToken()}, {@link ServiceProcess#adminSend}).
 */
public final class LocalPlatform implements AutoCloseable {
    /** Where the platform listens unless told otherwise: this machine only. */
    public static final String LOOPBACK = "127.0.0.1";
    /** Every interface: for containers or another machine to reach the platform. */
    public static final String EVERY_INTERFACE = "0.0.0.0";
    /** The services' listen address (contract: the API and the admin socket both bind it). */
    static final String HOST_ENV = "HOST";

    private final OtlpReceiver receiver;
    private final boolean ownsReceiver;
    private final String adminToken;
    private final ServiceProcess inventory;
    private final ServiceProcess payment;
    private final ServiceProcess order;

    LocalPlatform(OtlpReceiver receiver, boolean ownsReceiver, String adminToken, ServiceProcess inventory,
                  ServiceProcess payment, ServiceProcess order) {
        this.receiver = receiver;
        this.ownsReceiver = ownsReceiver;
        this.adminToken = adminToken;
        this.inventory = inventory;
        this.payment = payment;
        this.order = order;
    }

    /**
     * Starts the receiver and the services on loopback, each ready before the next starts (order-service last,
     * pointed at the other two).
     *
     * @param root     project checkout holding {@code <module>/target/<module>.jar}
     * @param runDir   where each service's stdout (JSON log lines) and stderr go
     * @param extraEnv added to every service's environment ({@code FAULT_*}, timeouts, ...); an
     *                 {@code ADMIN_TOKEN} there is the platform's token, else one is generated
     */
    public static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv)
            throws IOException, InterruptedException {
        return start(root, runDir, extraEnv, LOOPBACK);
    }

    /** Like {@link #start(Path, Path, Map)}, listening on {@code bindAddress} ({@link #LOOPBACK} or {@link #EVERY_INTERFACE}). */
    public static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv, String bindAddress)
            throws IOException, InterruptedException {
        return start(root, runDir, extraEnv, new OtlpReceiver(bindAddress), true, bindAddress);
    }

    /** Like {@link #start(Path, Path, Map)}, exporting to a receiver the caller owns (and closes). */
    public static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv, OtlpReceiver receiver)
            throws IOException, InterruptedException {
        return start(root, runDir, extraEnv, receiver, false, LOOPBACK);
    }

    /** Like {@link #start(Path, Path, Map, OtlpReceiver)}, listening on {@code bindAddress}. */
    public static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv, OtlpReceiver receiver,
                                      String bindAddress) throws IOException, InterruptedException {
        return start(root, runDir, extraEnv, receiver, false, bindAddress);
    }

    private static LocalPlatform start(Path root, Path runDir, Map<String, String> extraEnv, OtlpReceiver receiver,
                                       boolean ownsReceiver, String bindAddress) throws IOException, InterruptedException {
        Map<String, String> common = serviceEnv(receiver.endpoint(), bindAddress, extraEnv);
        List<ServiceProcess> started = new ArrayList<>();
        try {
            ServiceProcess inventory = track(started, ServiceProcess.start(root, "inventory-service", common, runDir));
            ServiceProcess payment = track(started, ServiceProcess.start(root, "payment-service", common, runDir));
            Map<String, String> orderEnv = new HashMap<>(common);
            orderEnv.put("INVENTORY_URL", inventory.api().toString());
            orderEnv.put("PAYMENT_URL", payment.api().toString());
            ServiceProcess order = track(started, ServiceProcess.start(root, "order-service", orderEnv, runDir));
            return new LocalPlatform(receiver, ownsReceiver, common.get(AdminToken.ENV), inventory, payment, order);
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

    /**
     * The environment every service gets: where to export, where to listen, the admin token (the caller's
     * {@code ADMIN_TOKEN}, else a new one), then {@code extraEnv}.
     */
    static Map<String, String> serviceEnv(String otlpEndpoint, String bindAddress, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint,
                "OTEL_BSP_SCHEDULE_DELAY", "100",
                HOST_ENV, bindAddress));
        env.putAll(extraEnv);
        String token = extraEnv.get(AdminToken.ENV);
        env.put(AdminToken.ENV, token == null || token.isBlank() ? AdminToken.generate() : token);
        return env;
    }

    private static ServiceProcess track(List<ServiceProcess> started, ServiceProcess service) {
        started.add(service);
        return service;
    }

    public OtlpReceiver receiver() {
        return receiver;
    }

    /** The token every service of this platform requires on {@code PUT}/{@code DELETE /faults}. */
    public String adminToken() {
        return adminToken;
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

    /**
     * Stops every service, one after the other (order-service first, so that the checkouts it drains can still
     * reach inventory and payment), each with SIGTERM and SIGKILL after its grace; then the receiver if this
     * platform started it. One service that does not stop never leaves the others running.
     */
    @Override
    public void close() {
        for (ServiceProcess service : services()) {
            service.close();
        }
        if (ownsReceiver) {
            receiver.close();
        }
    }
}
