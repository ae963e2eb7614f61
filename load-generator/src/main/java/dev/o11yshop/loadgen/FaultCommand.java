package dev.o11yshop.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.o11yshop.observability.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fault <service> key=value…}: sets (or with {@code clear}, clears) fault injection on a service's admin
 * port and prints the state the service reports, with its {@code fault_injection_active} gauges. It sends the admin
 * token ({@code Authorization: Bearer}) from {@code --admin-token}, else {@code ADMIN_TOKEN}, else the
 * {@code adminToken} of the {@code local} run whose {@code endpoints.json} gave the URL.
 */
@Command(name = "fault",
         mixinStandardHelpOptions = true,
         description = {"Sets or clears fault injection on a service.",
                 "Keys: errorRate (0..1), latencyMs, latencyJitterMs, unavailable (true/false); 'clear' turns all off.",
                 "Example: fault payment-service errorRate=0.3 latencyMs=200"})
final class FaultCommand implements Callable<Integer> {
    static final List<String> SERVICES = List.of("order-service", "inventory-service", "payment-service");
    private static final Map<String, Class<?>> KEYS = Map.of("errorRate", Double.class, "latencyMs", Long.class,
                                                             "latencyJitterMs", Long.class, "unavailable", Boolean.class);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "order-service, inventory-service or payment-service (or order, inventory, payment)")
    String service;

    @Parameters(index = "1..*", arity = "1..*", description = "key=value settings, or 'clear'")
    List<String> settings;

    @Option(names = "--admin-url", description = "the service's admin socket (default: from the newest `local` run's endpoints.json)")
    URI adminUrl;

    @Option(names = "--run-root", defaultValue = "run", description = "where `local` keeps its runs (default: ${DEFAULT-VALUE})")
    Path runRoot;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "the services' admin token (default: env ADMIN_TOKEN, else the adminToken of the newest `local` "
                    + "run's endpoints.json when the URL comes from there too)")
    String adminToken;

    /** The environment, for {@code ADMIN_TOKEN}; tests give their own. */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() throws IOException, InterruptedException {
        String name = serviceName(service);
        Endpoints local = adminUrl != null ? null : Endpoints.latest(runRoot);
        URI admin = adminUrl != null ? adminUrl : local.admin(name)
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "no --admin-url given and no local run found under "
                        + runRoot.toAbsolutePath() + "; start `local` first or pass --admin-url"));
        HttpRequest.Builder request = HttpRequest.newBuilder(admin.resolve("/faults")).timeout(Duration.ofSeconds(5));
        Token token = token(local);
        AdminToken.authorize(request, token == null ? null : token.value());
        if (settings.size() == 1 && settings.getFirst().equals("clear")) {
            request.DELETE();
        } else {
            request.PUT(HttpRequest.BodyPublishers.ofString(body(settings)))
                    .header("Content-Type", "application/json");
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            spec.commandLine().getErr().println("load-generator: " + name + (token == null
                    ? " needs its admin token for /faults (401): pass --admin-token, set ADMIN_TOKEN, or use the `local` "
                            + "run's endpoints.json (adminToken)"
                    : " refused the admin token from " + token.source() + " for /faults (401): it is not this service's token"));
            return 1;
        }
        if (response.statusCode() != 200) {
            spec.commandLine().getErr().println("load-generator: " + name + " refused the faults (" + response.statusCode()
                                                        + "): " + response.body());
            return 1;
        }
        spec.commandLine().getOut().println(name + " faults: " + response.body());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(admin.resolve("/metrics")).build(),
                                                 HttpResponse.BodyHandlers.ofString());
        metrics.body().lines()
                .filter(line -> line.startsWith("fault_injection_active{"))
                .forEach(line -> spec.commandLine().getOut().println("  " + line));
        return 0;
    }

    /** An admin token and where it came from, for the message when a service refuses it. */
    private record Token(String value, String source) {
    }

    /**
     * {@code --admin-token}, else {@code ADMIN_TOKEN}, else the token of the {@code local} run the URL came from;
     * null for none. A token from a run is never sent to a URL given by hand: it belongs to that run's services.
     */
    private Token token(Endpoints local) {
        if (adminToken != null && !adminToken.isBlank()) {
            return new Token(adminToken, "--admin-token");
        }
        String fromEnv = env.get(AdminToken.ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Token(fromEnv, AdminToken.ENV);
        }
        return local == null || local.adminToken() == null ? null : new Token(local.adminToken(), "endpoints.json");
    }

    private String body(List<String> pairs) throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            String key = eq > 0 ? pair.substring(0, eq) : pair;
            if (!KEYS.containsKey(key) || eq < 0) {
                throw new ParameterException(spec.commandLine(), "expected key=value with a key of " + KEYS.keySet()
                        + " (or 'clear' alone), got '" + pair + "'");
            }
            body.put(key, value(key, pair.substring(eq + 1)));
        }
        return Json.MAPPER.writeValueAsString(body);
    }

    private Object value(String key, String text) {
        try {
            Class<?> type = KEYS.get(key);
            if (type == Boolean.class) {
                if (!text.equals("true") && !text.equals("false")) {
                    throw new IllegalArgumentException();
                }
                return Boolean.parseBoolean(text);
            }
            return type == Long.class ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), key + " must be a " + KEYS.get(key).getSimpleName().toLowerCase()
                    + ", got '" + text + "'");
        }
    }

    private String serviceName(String given) {
        String name = given.endsWith("-service") ? given : given + "-service";
        if (!SERVICES.contains(name)) {
            throw new ParameterException(spec.commandLine(), "unknown service '" + given + "'; one of " + SERVICES);
        }
        return name;
    }
}
