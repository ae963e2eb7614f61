package dev.o11yshop.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.o11yshop.loadgen.LocalPlatform;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code load-generator run} from this build's jar as a child process, as the chart runs it (duration 0, an admin
 * port serving {@code /metrics} and the Alertmanager webhook {@code POST /alerts}), against a {@link LocalPlatform}.
 * Its stdout (progress lines and JSON log lines at INFO, among them one {@code alert_received} per alert) goes to a
 * file.
 */
final class LoadGeneratorProcess implements AutoCloseable {
    private static final Pattern ADMIN = Pattern.compile("^admin: http://localhost:(\\d+)", Pattern.MULTILINE);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path stdout;
    private final URI admin;

    private LoadGeneratorProcess(Process process, Path stdout, URI admin) {
        this.process = process;
        this.stdout = stdout;
        this.admin = admin;
    }

    static LoadGeneratorProcess start(LocalPlatform platform, Path runDir, double rate, String mix) throws Exception {
        Path root = Path.of(System.getProperty("o11yshop.root", ".."));
        Path jar = root.resolve("load-generator/target/load-generator.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first with `./mvnw package -DskipTests`");
        }
        Files.createDirectories(runDir);
        Path stdout = runDir.resolve("load-generator.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString(), "run",
                "--target", platform.order().api().toString(),
                "--inventory", platform.inventory().api().toString(),
                "--rate", String.valueOf(rate), "--mix", mix, "--duration", "0",
                "--admin-port", "0", "--progress-interval", "0")
                .redirectErrorStream(true)
                .redirectOutput(stdout.toFile());
        builder.environment().put("LOG_LEVEL", "INFO");
        builder.environment().put("LOG_FORMAT", "json");
        builder.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", platform.receiver().endpoint());
        Process process = builder.start();
        AtomicReference<URI> admin = new AtomicReference<>();
        try {
            eventually(Duration.ofSeconds(60), () -> {
                String output = read(stdout);
                if (!process.isAlive()) {
                    throw new IllegalStateException("load-generator exited with " + process.exitValue() + ":\n" + output);
                }
                Matcher m = ADMIN.matcher(output);
                assertTrue(m.find(), "load-generator printed no admin line yet");
                admin.set(URI.create("http://127.0.0.1:" + m.group(1)));
            });
        } catch (Exception | Error e) {
            process.destroyForcibly();
            throw e;
        }
        return new LoadGeneratorProcess(process, stdout, admin.get());
    }

    /** The admin port: {@code /metrics}, {@code /status}, {@code PUT /rate}, {@code GET|PUT /mix}, {@code POST /alerts}. */
    URI admin() {
        return admin;
    }

    int adminPort() {
        return admin.getPort();
    }

    /** {@code GET /mix}: the weight of every scenario. */
    Map<String, Double> mix() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(admin.resolve("/mix")).timeout(Duration.ofSeconds(5)).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GET /mix: " + response.body());
        Map<String, Double> mix = new TreeMap<>();
        JSON.readTree(response.body()).fields().forEachRemaining(e -> mix.put(e.getKey(), e.getValue().asDouble()));
        return mix;
    }

    /** {@code PUT /mix}: replaces the whole mix (a scenario left out gets weight 0). */
    void setMix(Map<String, Double> mix) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(admin.resolve("/mix")).timeout(Duration.ofSeconds(5))
                                                          .header("Content-Type", "application/json")
                                                          .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(mix))).build(),
                                                  HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "PUT /mix " + mix + ": " + response.body());
    }

    /** Every {@code alert_received} line logged so far. */
    List<JsonNode> alertsReceived() throws IOException {
        List<JsonNode> alerts = new ArrayList<>();
        for (String line : Files.readAllLines(stdout)) {
            if (line.startsWith("{")) {
                JsonNode node = JSON.readTree(line);
                if ("alert_received".equals(node.path("message").asText())) {
                    alerts.add(node);
                }
            }
        }
        return alerts;
    }

    Path stdout() {
        return stdout;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /** SIGTERM: the run stops and prints its summary. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("load-generator did not exit within 20s of SIGTERM");
        }
    }
}
