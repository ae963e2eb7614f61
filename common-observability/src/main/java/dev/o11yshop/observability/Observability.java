package dev.o11yshop.observability;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.tracing.Tracer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * Everything a service needs from this module, built once in {@code Main} and handed to the routing: the
 * telemetry setup, fault injection, request accounting, timed operations, and the pieces that go on each
 * socket. {@link #api(HttpRouting.Builder)} and {@link #admin(HttpRouting.Builder)} are what tests use too,
 * so in-memory, socket and production routing are the same.
 */
public final class Observability {
    private final Telemetry telemetry;
    private final FaultInjection faults;
    private final RouteTemplates.Table apiRoutes = new RouteTemplates.Table();
    private final AdmissionControl admission;
    private final AdminToken adminToken;
    private final InFlightRequests inFlight = new InFlightRequests();
    private final Operations operations;
    private final ObservabilityFilter filter;
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final WarmUp warmUp = new WarmUp();
    private final List<NamedCheck> readinessChecks = new ArrayList<>();

    private Observability(Telemetry telemetry, Faults initialFaults, AdmissionControl.Settings admission,
                          AdminToken adminToken) {
        this.telemetry = telemetry;
        this.faults = new FaultInjection(initialFaults);
        this.admission = new AdmissionControl(admission, apiRoutes);
        this.adminToken = adminToken;
        this.operations = new Operations(telemetry.tracer());
        this.filter = new ObservabilityFilter(telemetry.tracer(), inFlight);
    }

    /**
     * Sets up telemetry for {@code service} and reads from {@code config} the fault defaults ({@code FAULT_*}), the
     * admission bound ({@code MAX_CONCURRENT_REQUESTS}) and the admin token ({@code ADMIN_TOKEN}).
     */
    public static Observability create(ServiceInfo service, Config config) {
        return new Observability(Telemetry.install(service), Faults.from(config), AdmissionControl.Settings.from(config),
                                 AdminToken.from(config));
    }

    /** Adds admission control, request observation and problem responses to the API routing. */
    public void api(HttpRouting.Builder routing) {
        routing.addFilter(admission);
        routing.addFilter(filter);
        ProblemHandlers.register(routing);
    }

    /**
     * Registers an API service under {@code prefix}: its route templates label metrics and name spans, admission
     * control bounds its requests in progress, and fault injection applies to the admitted ones (an injected delay
     * holds a permit, as a slow handler would). Keep path parameters out of the prefix.
     */
    public void register(HttpRouting.Builder routing, String prefix, HttpService service) {
        routing.register(prefix, RouteTemplates.recorded(prefix, service, (req, res, handler) -> {
            faults.apply(req);
            handler.handle(req, res);
        }, apiRoutes));
    }

    /** Adds {@code /faults} and problem responses to the admin routing (metrics and health come from {@link #observe()}). */
    public void admin(HttpRouting.Builder routing) {
        routing.addFilter(RequestId.filter());
        routing.register("/faults", new FaultsService(faults, adminToken));
        ProblemHandlers.register(routing);
    }

    /** Adds a condition for readiness besides "not shutting down", e.g. a loaded catalog. */
    public Observability readyWhen(String name, BooleanSupplier check) {
        readinessChecks.add(new NamedCheck(name, check));
        return this;
    }

    /** {@code /metrics} and {@code /health[/live|/ready]} for the admin socket. */
    public ObserveFeature observe(String socket) {
        HealthObserver health = HealthObserver.builder()
                .useSystemServices(false)
                .details(true)
                .addCheck(check("accepting-requests", HealthCheckType.READINESS, accepting::get))
                .addCheck(check("warmed-up", HealthCheckType.READINESS, warmUp::done))
                .addChecks(readinessChecks.stream()
                                   .map(named -> check(named.name(), HealthCheckType.READINESS, named.check()))
                                   .toArray(HealthCheck[]::new))
                .addCheck(check("alive", HealthCheckType.LIVENESS, () -> true))
                .build();
        return ObserveFeature.builder()
                .endpoint("/")
                .sockets(List.of(socket))
                .observersDiscoverServices(false)
                .addObserver(MetricsObserver.create())
                .addObserver(health)
                .build();
    }

    /** What the service exercises before it reports ready; services add their requests while building routing. */
    public WarmUp warmUp() {
        return warmUp;
    }

    /** False once shutdown has begun: responses then ask keep-alive clients to close their connection. */
    public boolean accepting() {
        return accepting.get();
    }

    /** Stops reporting ready, so load balancers stop sending traffic before the server stops. */
    public void stopAccepting() {
        accepting.set(false);
    }

    public Tracer tracer() {
        return telemetry.tracer();
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    public Operations operations() {
        return operations;
    }

    public FaultInjection faults() {
        return faults;
    }

    /** The bound on API requests in progress; {@link AdmissionControl#inProgress()} counts the admitted ones. */
    public AdmissionControl admission() {
        return admission;
    }

    public InFlightRequests inFlight() {
        return inFlight;
    }

    private static HealthCheck check(String name, HealthCheckType type, BooleanSupplier up) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return type;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder().status(up.getAsBoolean()).build();
            }
        };
    }

    private record NamedCheck(String name, BooleanSupplier check) {
    }
}
