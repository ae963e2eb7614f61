package dev.o11yshop.loadgen;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
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
 *     <li>{@code GET|PUT /rate}: {@code {"rate": 50}}, from {@value TrafficOptions#MIN_RATE} to
 *     {@value TrafficOptions#MAX_RATE} actions per second</li>
 *     <li>{@code GET|PUT /mix}: {@code {"browse": 60, "checkout": 30, "declined": 5, "invalid": 5}}; a PUT replaces
 *     the whole mix, scenarios left out get weight 0; each weight from 0 to {@value Mix#MAX_WEIGHT}, at least one
 *     positive</li>
 *     <li>{@code POST /alerts}: Alertmanager's webhook receiver ({@link AlertWebhook}): one {@code alert_received}
 *     log line per alert, counted in {@code loadgen_alerts_received_total{status}}</li>
 * </ul>
 * Bad input (NaN, infinities, numbers out of range, a mix without a positive weight) is a 400
 * {@code application/problem+json} naming the field at fault, never a 500.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final WebServer server;

    private ControlServer(WebServer server) {
        this.server = server;
    }

    /**
     * Starts serving {@code run} on {@code port} (0 = ephemeral) on loopback.
     *
     * @throws RuntimeException when the port cannot be bound
     */
    public static ControlServer start(LoadRun run, int port) {
        return start(run, LocalPlatform.LOOPBACK, port, alert -> { });
    }

    /**
     * Starts serving {@code run} on {@code host}:{@code port} (0 = ephemeral), handing every alert {@code POST /alerts}
     * receives to {@code alerts} too.
     *
     * @param host the address to listen on: {@link LocalPlatform#LOOPBACK}, or {@link LocalPlatform#EVERY_INTERFACE}
     *             for the in-cluster generator, which Prometheus scrapes from another pod
     * @throws RuntimeException when the port cannot be bound
     */
    public static ControlServer start(LoadRun run, String host, int port, Consumer<AlertNotification> alerts) {
        HealthObserver health = HealthObserver.builder()
                .useSystemServices(false)
                .details(true)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS, "alive")
                .build();
        WebServer server = WebServer.builder()
                .host(host)
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
        LOG.atInfo().addKeyValue("admin_port", server.port()).addKeyValue("host", host).log("control_server_started");
        return new ControlServer(server);
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:<port>}: reachable whether it listens on loopback or on every interface. */
    public URI uri() {
        return URI.create("http://" + LocalPlatform.LOOPBACK + ":" + port());
    }

    @Override
    public void close() {
        server.stop();
    }

    /** The control routes. */
    static final class ControlService implements HttpService {
        private static final ObjectReader LENIENT_NUMBERS = Json.MAPPER.reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

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
            // NaN, the infinities and numbers too large for a double (1e400) all fail this range check.
            if (!TrafficOptions.validRate(rate.doubleValue())) {
                throw ProblemException.invalidField("rate", TrafficOptions.RATE_RANGE + ", got " + rate);
            }
            run.setRate(rate.doubleValue());
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
                } else if (!Mix.validWeight(weight.doubleValue())) {
                    // Bounded weights cannot overflow when summed ({"browse": 1.7e308, "checkout": 1.7e308}).
                    errors.add(new FieldError(name, Mix.WEIGHT_RANGE + ", got " + weight));
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

        /**
         * The body as a JSON object. NaN and the infinities are read as numbers, so that they are reported as a bad
         * value of their field rather than as malformed JSON.
         */
        private static JsonNode object(ServerRequest req) {
            byte[] bytes = Json.readBytes(req);
            if (bytes.length == 0) {
                throw ProblemException.invalidField("body", "request body is required");
            }
            JsonNode body;
            try {
                body = LENIENT_NUMBERS.readTree(bytes);
            } catch (IOException e) {
                String detail = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
                throw ProblemException.invalidField("body", "malformed JSON: " + detail);
            }
            if (body == null || !body.isObject()) {
                throw ProblemException.invalidField("body", "must be a JSON object");
            }
            return body;
        }
    }
}
