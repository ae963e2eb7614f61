package dev.o11yshop.observability;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.helidon.config.Config;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
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

    /** See {@link ServerSettings#stopGrace()}; helm/o11y-shop's {@code o11y-shop.shutdownGraceSeconds} counts it twice. */
    static final Duration STOP_GRACE = Duration.ofSeconds(4);

    /**
     * Where a service listens and how it stops, read once at start.
     *
     * @param host            address both sockets bind ({@code HOST}; {@code 0.0.0.0} in a container, loopback locally)
     * @param port            API socket ({@code PORT}; 0 picks a free one)
     * @param adminPort       admin socket ({@code ADMIN_PORT})
     * @param shutdownDelay   not-ready time before draining, for load balancers to notice ({@code SHUTDOWN_DELAY_MS})
     * @param shutdownQuiet   how long nothing must be in flight before the server stops ({@code SHUTDOWN_QUIET_MS})
     * @param shutdownTimeout longest wait for that quiet period ({@code SHUTDOWN_TIMEOUT_MS})
     * @param stopGrace       what Helidon gives a request that arrives in the instant between the quiet period and the
     *                        socket's close before it interrupts it (per executor, of which it has two): a checkout's
     *                        budget plus its compensation. The chart's terminationGracePeriodSeconds counts it.
     */
    public record ServerSettings(String host, int port, int adminPort, Duration shutdownDelay, Duration shutdownQuiet,
                                 Duration shutdownTimeout, Duration stopGrace) {
        public static ServerSettings from(Config config) {
            return new ServerSettings(config.get("host").asString().orElse("0.0.0.0"),
                                      port(config),
                                      config.get("admin.port").asInt().orElse(9090),
                                      Duration.ofMillis(config.get("shutdown.delay.ms").asLong().orElse(0L)),
                                      Duration.ofMillis(config.get("shutdown.quiet.ms").asLong().orElse(1_000L)),
                                      Duration.ofMillis(config.get("shutdown.timeout.ms").asLong().orElse(10_000L)),
                                      STOP_GRACE);
        }

        /** {@code PORT}: Helidon maps only underscored variables to lower-case keys, so a bare PORT is read as is. */
        private static int port(Config config) {
            return config.get("PORT").asInt().orElseGet(() -> config.get("port").asInt().orElse(8080));
        }
    }

    /**
     * Builds and starts the server; returns once both sockets are bound and {@code server_started} is logged. The
     * service reports ready once its warm-up ({@link Observability#warmUp()}) has run, on a thread of its own.
     *
     * @param config        service configuration ({@code host}, {@code port}, {@code admin.port}, {@code shutdown.*},
     *                      {@code warmup.*})
     * @param observability the service's observability setup
     * @param apiRoutes     the service's own API routes
     */
    public static WebServer start(Config config, Observability observability, Consumer<HttpRouting.Builder> apiRoutes) {
        ServerSettings settings = ServerSettings.from(config);
        WarmUp.Settings warmUpSettings = WarmUp.Settings.from(config);
        HttpRouting.Builder api = HttpRouting.builder();
        api.addFilter(closeWhileStopping(observability));
        observability.api(api);
        apiRoutes.accept(api);
        observability.warmUp().begin();
        WebServer server = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                // The backstop of admission control: past it Helidon sheds before routing, at next to no cost.
                .maxConcurrentRequests(observability.admission().socketLimit())
                .shutdownGracePeriod(settings.stopGrace())
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                // Errors Helidon raises before routing (URI too long, bad encoding, bad header) as problem+json too.
                .directHandlers(ProblemDirectHandlers.create())
                .addFeature(observability.observe(ADMIN_SOCKET))
                .addRouting(api)
                .putSocket(ADMIN_SOCKET, socket -> socket
                        .host(settings.host())
                        .port(settings.adminPort())
                        .shutdownGracePeriod(settings.stopGrace())
                        .routing(observability::admin))
                .build()
                .start();

        // Every path to exit (SIGTERM, SIGINT, a second signal, the JVM shutdown hook) waits for the one graceful stop.
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable shutdown = () -> {
            if (stopping.compareAndSet(false, true)) {
                try {
                    stopGracefully(server, observability, settings);
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
                .addKeyValue("host", settings.host())
                .addKeyValue("service_version", observability.telemetry().service().version())
                .log("server_started");
        URI self = URI.create("http://" + loopbackFor(settings.host()) + ":" + server.port());
        Thread.ofPlatform().name("warm-up").daemon(true)
                .start(() -> observability.warmUp().run(self, warmUpSettings));
        return server;
    }

    /**
     * Once shutdown has begun, every answer asks the client to close its connection: a keep-alive client would
     * otherwise keep sending on it until the socket closes, and a load balancer sends new connections elsewhere.
     */
    private static Filter closeWhileStopping(Observability observability) {
        return (chain, req, res) -> {
            if (!observability.accepting()) {
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
            chain.proceed();
        };
    }

    /** The address to reach a socket bound to {@code host} from the same machine. */
    private static String loopbackFor(String host) {
        return "0.0.0.0".equals(host) || "::".equals(host) || host.isBlank() ? "127.0.0.1"
                : host.contains(":") ? "[" + host + "]" : host;
    }

    /**
     * Not ready at once; after the delay, waits until nothing has been in flight for the quiet period (answers
     * meanwhile close their connections), then stops the sockets and flushes spans. A running request is never
     * interrupted by the drain itself: only one still running when the timeout ends is, and it is counted.
     */
    static void stopGracefully(WebServer server, Observability observability, ServerSettings settings) {
        long start = System.nanoTime();
        observability.stopAccepting();
        LOG.atInfo().addKeyValue("in_flight", observability.inFlight().count()).log("shutdown_started");
        int unfinished;
        try {
            Thread.sleep(settings.shutdownDelay().toMillis());
            unfinished = observability.inFlight().awaitQuiet(settings.shutdownQuiet(), settings.shutdownTimeout());
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
