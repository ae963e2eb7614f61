package dev.o11yshop.observability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Starts a service the same way for all three: the API socket ({@code PORT}) with the service's routes, the
 * {@code admin} socket ({@code ADMIN_PORT}) with metrics, health and faults, and a graceful shutdown on
 * SIGTERM: stop reporting ready, wait {@code SHUTDOWN_DELAY_MS} for load balancers to notice, let in-flight
 * requests finish (at most {@code SHUTDOWN_TIMEOUT_MS}), stop, and flush queued spans.
 */
public final class ShopServer {
    /** Name of the admin socket. */
    public static final String ADMIN_SOCKET = "admin";

    private static final Logger LOG = LoggerFactory.getLogger(ShopServer.class);

    private ShopServer() {
    }

    /** The API routes of a service, given its observability setup and configuration. */
    @FunctionalInterface
    public interface ApiRoutes {
        void configure(HttpRouting.Builder routing, Observability observability, Config config);
    }

    /**
     * The whole {@code main} of a service: logging, configuration (environment variables over
     * {@code application.yaml}), telemetry, then {@link #start}.
     *
     * @param serviceName default {@code service.name}, the Maven module name
     * @param mainClass   the service's main class; its jar manifest carries the version
     */
    public static WebServer run(String serviceName, Class<?> mainClass, ApiRoutes apiRoutes) {
        Logging.init(serviceName);
        Config config = Config.create();
        Observability observability = Observability.create(ServiceInfo.from(serviceName, mainClass, config), config);
        return start(config, observability, routing -> apiRoutes.configure(routing, observability, config));
    }

    /**
     * Builds and starts the server; returns once both sockets are bound and {@code server_started} is logged.
     *
     * @param config        service configuration ({@code port}, {@code admin.port}, {@code shutdown.*})
     * @param observability the service's observability setup
     * @param apiRoutes     the service's own API routes
     */
    public static WebServer start(Config config, Observability observability, Consumer<HttpRouting.Builder> apiRoutes) {
        WebServer server = WebServer.builder()
                .port(port(config))
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .addFeature(observability.observe(ADMIN_SOCKET))
                .routing(routing -> {
                    observability.api(routing);
                    apiRoutes.accept(routing);
                })
                .putSocket(ADMIN_SOCKET, socket -> socket
                        .port(config.get("admin.port").asInt().orElse(9090))
                        .routing(observability::admin))
                .build()
                .start();

        Duration delay = Duration.ofMillis(config.get("shutdown.delay.ms").asLong().orElse(0L));
        Duration timeout = Duration.ofMillis(config.get("shutdown.timeout.ms").asLong().orElse(10_000L));
        // Every path to exit (SIGTERM, SIGINT, a second signal, the JVM shutdown hook) waits for the one graceful stop.
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable shutdown = () -> {
            if (stopping.compareAndSet(false, true)) {
                try {
                    stopGracefully(server, observability, delay, timeout);
                } finally {
                    stopped.complete(null);
                }
            }
            stopped.join();
        };
        // SIGTERM/SIGINT end with exit code 0 after a graceful stop (the JVM's default for a signal is 143/130,
        // which Kubernetes and container tests read as a crash); the hook covers every other way of exiting.
        for (String signal : List.of("TERM", "INT")) {
            Signal.handle(new Signal(signal), received -> Thread.ofPlatform().name("graceful-shutdown").daemon(false).start(() -> {
                shutdown.run();
                System.exit(0);
            }));
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown-hook").unstarted(shutdown));

        LOG.atInfo()
                .addKeyValue("port", server.port())
                .addKeyValue("admin_port", server.port(ADMIN_SOCKET))
                .addKeyValue("service_version", observability.telemetry().service().version())
                .log("server_started");
        return server;
    }

    /** {@code PORT}: Helidon maps only underscored variables to lower-case keys, so a bare PORT is read as is. */
    private static int port(Config config) {
        return config.get("PORT").asInt().orElseGet(() -> config.get("port").asInt().orElse(8080));
    }

    static void stopGracefully(WebServer server, Observability observability, Duration delay, Duration timeout) {
        long start = System.nanoTime();
        observability.stopAccepting();
        LOG.atInfo().addKeyValue("in_flight", observability.inFlight().count()).log("shutdown_started");
        int unfinished;
        try {
            Thread.sleep(delay.toMillis());
            unfinished = observability.inFlight().awaitIdle(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unfinished = observability.inFlight().count();
        }
        long drained = System.nanoTime();
        server.stop();
        long stopped = System.nanoTime();
        observability.telemetry().flush(5_000);
        LOG.atInfo()
                .addKeyValue("unfinished_requests", unfinished)
                .addKeyValue("drain_ms", (drained - start) / 1_000_000)
                .addKeyValue("server_stop_ms", (stopped - drained) / 1_000_000)
                .addKeyValue("flush_ms", (System.nanoTime() - stopped) / 1_000_000)
                .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                .log("server_stopped");
    }
}
