package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.alerting.LocalDaemon;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.RequiredInCi;


/**
 * A real Prometheus (Debian's {@code prometheus} package) on a free loopback port with its own data directory,
 * scraping one job per name at {@code <stub>/targets/<job>/metrics} every second. Without the binary the calling
 * test is skipped on a developer machine and fails in CI ({@code CI=true}), where {@code .ci/run} installs it.
 * Starting, the wait for readiness and stopping are {@link LocalDaemon}'s, as for {@code local}'s Prometheus.
 */
final class PrometheusProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final LocalDaemon daemon;

    private PrometheusProcess(LocalDaemon daemon) {
        this.daemon = daemon;
    }

    /** The binary: {@code PROMETHEUS} if set, else {@code prometheus} on the PATH or in /usr/bin. */
    static Path binary() {
        String configured = System.getenv("PROMETHEUS");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return Path.of("/usr/bin/prometheus");
    }

    /** Skips (developer machine) or fails (CI) when there is no Prometheus binary. */
    static void assumeInstalled() {
        RequiredInCi.executable(binary(), "apt-get install prometheus, or set PROMETHEUS");
    }

    static PrometheusProcess start(Path dir, URI stub, List<String> jobs) throws IOException, InterruptedException {
        int port = LocalDaemon.freePort();
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                scrape_configs:
                """);
        for (String job : jobs) {
            config.append("  - job_name: ").append(job).append('\n')
                    .append("    metrics_path: /targets/").append(job).append("/metrics\n")
                    .append("    static_configs:\n")
                    .append("      - targets: ['").append(stub.getHost()).append(':').append(stub.getPort()).append("']\n");
        }
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
        return new PrometheusProcess(LocalDaemon.start("prometheus", dir, port, List.of(binary().toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")));
    }

    URI uri() {
        return daemon.uri();
    }

    /** The value of an instant query's first sample, or NaN when there is none (or no answer). */
    double value(String promQl) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(uri() + "/api/v1/query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8)))
                            .timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode result = Json.MAPPER.readTree(response.body()).path("data").path("result");
            return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").path(1).asText());
        } catch (IOException e) {
            throw new UncheckedIOException("query " + promQl + " at " + uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
