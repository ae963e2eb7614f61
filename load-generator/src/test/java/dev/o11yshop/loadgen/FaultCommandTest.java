package dev.o11yshop.loadgen;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code fault} sends the admin token ({@code --admin-token}, else {@code ADMIN_TOKEN}, else the {@code local} run's
 * {@code endpoints.json}), and a 401 is one clear line with a non-zero exit; {@code endpoints.json} keeps the token
 * for its owner only.
 */
class FaultCommandTest {
    private static final String TOKEN = "s3cret-token";

    @TempDir
    Path runRoot;

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private WebServer admin;

    @BeforeEach
    void startAdminStandIn() {
        // The services' admin socket as ADMIN_TOKEN makes it: /faults needs the bearer token, /metrics does not.
        admin = WebServer.builder()
                .host(LocalPlatform.LOOPBACK)
                .port(0)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(routing -> routing
                        .put("/faults", this::faults)
                        .delete("/faults", this::faults)
                        .get("/metrics", (req, res) -> res.send("fault_injection_active{fault=\"error_rate\"} 1.0\n")))
                .build()
                .start();
    }

    @AfterEach
    void stopAdminStandIn() {
        admin.stop();
    }

    @Test
    void theTokenOptionIsSentAsABearerToken() {
        Result result = run(Map.of(), "payment", "errorRate=0.5", "--admin-url", adminUrl(), "--admin-token", TOKEN);

        assertEquals(0, result.code(), result.err());
        assertEquals(List.of("Bearer " + TOKEN), authorizations);
        assertThat(result.out(), containsString("payment-service faults: {\"errorRate\":0.5}"));
        assertThat(result.out(), containsString("fault_injection_active{fault=\"error_rate\"} 1.0"));
    }

    @Test
    void theEnvironmentGivesTheTokenWhenTheOptionDoesNot() {
        Result result = run(Map.of(AdminToken.ENV, TOKEN), "payment", "clear", "--admin-url", adminUrl());

        assertEquals(0, result.code(), result.err());
        assertEquals(List.of("Bearer " + TOKEN), authorizations);
    }

    @Test
    void theLocalRunsEndpointsGiveTheTokenWithTheirUrl() throws Exception {
        Path run = Files.createDirectories(runRoot.resolve("20260101-000000"));
        new Endpoints(Map.of(), Map.of("payment-service", URI.create(adminUrl())), null, null, TOKEN).write(run);

        Result result = run(Map.of(), "payment", "latencyMs=200", "--run-root", runRoot.toString());

        assertEquals(0, result.code(), result.err());
        assertEquals(List.of("Bearer " + TOKEN), authorizations);
        JsonNode written = Json.MAPPER.readTree(run.resolve(Endpoints.FILE).toFile());
        assertEquals(TOKEN, written.path("adminToken").asText(), "top-level adminToken");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve(Endpoints.FILE))));
    }

    @Test
    void aRunsTokenIsNeverSentToAUrlGivenByHand() throws Exception {
        Path run = Files.createDirectories(runRoot.resolve("20260101-000000"));
        new Endpoints(Map.of(), Map.of("payment-service", URI.create("http://127.0.0.1:1")), null, null, TOKEN).write(run);

        Result result = run(Map.of(), "payment", "errorRate=1", "--admin-url", adminUrl(), "--run-root", runRoot.toString());

        assertEquals(1, result.code());
        assertEquals(List.of("none"), authorizations);
    }

    @Test
    void aMissingTokenIsOneClearLineAndExitCode1() {
        Result result = run(Map.of(), "payment", "errorRate=0.5", "--admin-url", adminUrl());

        assertEquals(1, result.code(), result.out());
        assertEquals("load-generator: payment-service needs its admin token for /faults (401): pass --admin-token, "
                             + "set ADMIN_TOKEN, or use the `local` run's endpoints.json (adminToken)\n", result.err());
    }

    @Test
    void aWrongTokenIsOneLineNamingWhereItCameFrom() {
        Result fromEnv = run(Map.of(AdminToken.ENV, "wrong"), "payment", "errorRate=0.5", "--admin-url", adminUrl());
        Result fromOption = run(Map.of(AdminToken.ENV, TOKEN), "payment", "clear", "--admin-url", adminUrl(),
                                "--admin-token", "stale");

        assertEquals(1, fromEnv.code(), fromEnv.out());
        assertEquals("load-generator: payment-service refused the admin token from ADMIN_TOKEN for /faults (401): "
                             + "it is not this service's token\n", fromEnv.err());
        assertEquals(1, fromOption.code(), fromOption.out());
        assertThat(fromOption.err(), containsString("refused the admin token from --admin-token"));
        assertEquals(List.of("Bearer wrong", "Bearer stale"), authorizations, "the option comes before the environment");
    }

    @Test
    void generatedTokensAre32RandomBytesInBase64Url() {
        String one = AdminToken.generate();
        String other = AdminToken.generate();

        assertEquals(43, one.length(), one);
        assertThat(one, org.hamcrest.Matchers.not(other));
        assertEquals(32, java.util.Base64.getUrlDecoder().decode(one).length);
    }

    private void faults(ServerRequest req, ServerResponse res) {
        String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse("none");
        authorizations.add(authorization);
        if (!authorization.equals("Bearer " + TOKEN)) {
            res.status(Status.UNAUTHORIZED_401).header(HeaderNames.CONTENT_TYPE, "application/problem+json")
                    .send("{\"status\":401,\"title\":\"Unauthorized\"}");
            return;
        }
        String body;
        try {
            body = new String(req.content().inputStream().readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send(body.isEmpty() ? "{}" : body);
    }

    private String adminUrl() {
        return "http://127.0.0.1:" + admin.port();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(Map<String, String> env, String... args) {
        FaultCommand fault = new FaultCommand();
        fault.env = env;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(fault);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Result(commandLine.execute(args), out.toString(), err.toString());
    }
}
