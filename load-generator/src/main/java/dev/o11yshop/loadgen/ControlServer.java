package dev.o11yshop.loadgen;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.Problem.FieldError;
import dev.o11yshop.observability.ProblemException;
import dev.o11yshop.observability.ProblemHandlers;
import dev.o11yshop.observability.RequestId;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator's admin port: live control of a {@link LoadRun} and its client-side metrics.
 * <ul>
 *     <li>{@code GET /metrics}: Prometheus text format ({@code loadgen_requests_total}, ...)</li>
 *     <li>{@code GET /health}, {@code /health/live}, {@code /health/ready}</li>
 *     <li>{@code GET /status}: target and achieved rate, mix, counts (JSON)</li>
 *     <li>{@code GET|PUT /rate}: {@code {"rate": 50}}</li>
 *     <li>{@code GET|PUT /mix}: {@code {"browse": 60, "checkout": 30, "declined": 5, "invalid": 5}}; a PUT replaces
 *     the whole mix, scenarios left out get weight 0</li>
 *     <li>{@code POST /alerts}: Alertmanager's webhook receiver ({@link AlertWebhook}): one {@code alert_received}
 *     log line per alert, counted in {@code loadgen_alerts_received_total{status}}</li>
 * </ul>
 * Bad input is a 400 {@code application/problem+json} naming the field at fault.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final WebServer server;

    private ControlServer(WebServer server) {
        this.server = server;
    }

    /**
     * Starts serving {@code run} on {@code port} (0 = ephemeral) on every interface.
     *
     * @throws RuntimeException when the port cannot be bound
     */
    public static ControlServer start(LoadRun run, int port) {
        return start(run, port, alert -> { });
    }

    /**
     * As {@link #start(LoadRun, int)}, handing every alert {@code POST /alerts} receives to {@code alerts} too.
     *
     * @throws RuntimeException when the port cannot be bound
     */
    public static ControlServer start(LoadRun run, int port, Consumer<AlertNotification> alerts) {
        HealthObserver health = HealthObserver.builder()
                .useSystemServices(false)
                .details(true)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS, "alive")
                .build();
        WebServer server = WebServer.builder()
                .port(port)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.builder()
                                    .endpoint("/")
                                    .observersDiscoverServices(false)
                                    .addObserver(MetricsObserver.create())
                                    .addObserver(health)
                                    .build())
                .routing(routing -> {
                    routing.addFilter(RequestId.filter());
                    routing.register("/", new ControlService(run, alerts));
                    ProblemHandlers.register(routing);
                })
                .build()
                .start();
        LOG.atInfo().addKeyValue("admin_port", server.port()).log("control_server_started");
        return new ControlServer(server);
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** {@code http://localhost:<port>}. */
    public URI uri() {
        return URI.create("http://localhost:" + port());
    }

    @Override
    public void close() {
        server.stop();
    }

    /** The control routes. */
    static final class ControlService implements HttpService {
        private final LoadRun run;
        private final AlertWebhook alerts;

        ControlService(LoadRun run, Consumer<AlertNotification> alertListener) {
            this.run = run;
            this.alerts = new AlertWebhook(alertListener);
        }

        @Override
        public void routing(HttpRules rules) {
            rules.get("/status", (req, res) -> Json.send(res, Status.OK_200, run.status()))
                    .get("/rate", (req, res) -> Json.send(res, Status.OK_200, Map.of("rate", run.targetRate())))
                    .put("/rate", this::putRate)
                    .get("/mix", (req, res) -> Json.send(res, Status.OK_200, run.mix().asMap()))
                    .put("/mix", this::putMix)
                    .post("/alerts", alerts::receive);
        }

        private void putRate(ServerRequest req, ServerResponse res) {
            JsonNode body = object(req);
            JsonNode rate = body.get("rate");
            if (rate == null || rate.isNull()) {
                throw ProblemException.invalidField("rate", "is required, e.g. {\"rate\": 50}");
            }
            if (!rate.isNumber()) {
                throw ProblemException.invalidField("rate", "must be a number");
            }
            double value = rate.doubleValue();
            if (!(value > 0) || value > TrafficOptions.MAX_RATE) {
                throw ProblemException.invalidField("rate", "must be a positive number up to " + (long) TrafficOptions.MAX_RATE);
            }
            run.setRate(value);
            Json.send(res, Status.OK_200, run.status());
        }

        private void putMix(ServerRequest req, ServerResponse res) {
            JsonNode body = object(req);
            List<FieldError> errors = new ArrayList<>();
            Map<Scenario, Double> weights = new EnumMap<>(Scenario.class);
            for (Iterator<Map.Entry<String, JsonNode>> fields = body.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String name = field.getKey();
                JsonNode weight = field.getValue();
                var scenario = Scenario.byLabel(name);
                if (scenario.isEmpty()) {
                    errors.add(new FieldError(name, "is not a scenario; known: " + String.join(", ", Scenario.LABELS)));
                } else if (!weight.isNumber()) {
                    errors.add(new FieldError(name, "must be a number"));
                } else if (!(weight.doubleValue() >= 0) || Double.isInfinite(weight.doubleValue())) {
                    errors.add(new FieldError(name, "must not be negative"));
                } else {
                    weights.put(scenario.get(), weight.doubleValue());
                }
            }
            if (!errors.isEmpty()) {
                throw ProblemException.validation(errors);
            }
            if (weights.values().stream().noneMatch(weight -> weight > 0)) {
                throw ProblemException.invalidField("body", "needs at least one scenario with a positive weight, e.g. {\"checkout\": 1}");
            }
            run.setMix(Mix.of(weights));
            Json.send(res, Status.OK_200, run.status());
        }

        private static JsonNode object(ServerRequest req) {
            JsonNode body = Json.parse(Json.readBytes(req), JsonNode.class);
            if (!body.isObject()) {
                throw ProblemException.invalidField("body", "must be a JSON object");
            }
            return body;
        }
    }
}
