package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service running as a real child JVM from its packaged jar, as a user runs it: ephemeral ports (learnt from
 * its {@code server_started} log line), stdout to a file in the run directory, stopped with SIGTERM (and killed
 * when it has not exited {@link #STOP_GRACE} later). Tracked by {@link ChildProcesses}, so it never outlives this
 * JVM.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The chart's terminationGracePeriodSeconds: a service drains its in-flight checkouts within it. */
    static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final String name;
    private final Process process;
    private final Path stdout;
    private final String adminToken;
    private int port;
    private int adminPort;

    private ServiceProcess(String name, Process process, Path stdout, String adminToken) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.adminToken = adminToken;
    }

    /** A process started elsewhere (tests stand in for a service with a small one), already listening. */
    static ServiceProcess of(String name, Process process, Path stdout, int port, int adminPort, String adminToken) {
        ServiceProcess service = new ServiceProcess(name, ChildProcesses.track(process), stdout, adminToken);
        service.port = port;
        service.adminPort = adminPort;
        return service;
    }

    /**
     * Starts {@code module}'s jar from the project checkout at {@code root} with {@code env}, and waits until it
     * is ready; a service that does not get ready is stopped before the exception is thrown.
     */
    public static ServiceProcess start(Path root, String module, Map<String, String> env, Path runDir)
            throws IOException, InterruptedException {
        Path jar = root.resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first with `./mvnw package -DskipTests`");
        }
        Files.createDirectories(runDir);
        Path stdout = runDir.resolve(module + ".log");
        Path stderr = runDir.resolve(module + ".stderr.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().putAll(Map.of("PORT", "0", "ADMIN_PORT", "0", "LOG_FORMAT", "json"));
        builder.environment().putAll(env);
        ServiceProcess service = new ServiceProcess(module, ChildProcesses.track(builder.start()), stdout,
                                                    env.get(AdminToken.ENV));
        try {
            service.awaitStarted(Duration.ofSeconds(60));
            service.awaitReady(Duration.ofSeconds(30));
        } catch (IOException | InterruptedException | RuntimeException e) {
            ChildProcesses.stop(service.process, Duration.ofSeconds(5));
            throw e;
        }
        return service;
    }

    public String name() {
        return name;
    }

    public URI api() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public URI admin() {
        return URI.create("http://127.0.0.1:" + adminPort);
    }

    public Path stdout() {
        return stdout;
    }

    public long pid() {
        return process.pid();
    }

    /** Every stdout line so far, parsed; fails on a line that is not a JSON object. */
    public List<JsonNode> logLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(stdout)) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.isObject()) {
                throw new AssertionError(name + " wrote a stdout line that is not a JSON object: " + line);
            }
            lines.add(node);
        }
        return lines;
    }

    public String rawStdout() throws IOException {
        return Files.readString(stdout);
    }

    /** GET on the admin socket. */
    public HttpResponse<String> adminGet(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(admin().resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A request to the admin socket with the service's admin token ({@code PUT /faults} needs it), e.g.
     * {@code adminSend("PUT", "/faults", "{\"errorRate\": 0.5}")}; {@code body} null for none.
     */
    public HttpResponse<String> adminSend(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(admin().resolve(path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(AdminToken.authorize(request, adminToken).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM without waiting. */
    public void terminate() {
        process.destroy();
    }

    /** Sends SIGTERM and waits for the exit code. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    /**
     * SIGTERM, then SIGKILL if it has not exited within {@link #STOP_GRACE}; returns once it is gone and never throws
     * (a stop that needed SIGKILL is logged), so that whoever closes several services stops them all.
     */
    @Override
    public void close() {
        if (process.isAlive() && !ChildProcesses.stop(process, STOP_GRACE)) {
            LOG.atWarn().addKeyValue("service", name).addKeyValue("pid", process.pid())
                    .addKeyValue("grace_seconds", STOP_GRACE.toSeconds()).log("service_killed_after_sigterm_grace");
        }
    }

    private void awaitStarted(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<JsonNode> started = logLines().stream()
                    .filter(line -> "server_started".equals(line.path("message").asText()))
                    .findFirst();
            if (started.isPresent()) {
                port = started.get().path("port").asInt();
                adminPort = started.get().path("admin_port").asInt();
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before starting:\n"
                                                        + rawStdout());
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " logged no server_started within " + timeout + ":\n" + rawStdout());
    }

    private void awaitReady(Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (adminGet("/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready within " + timeout, last == null ? null : new UncheckedIOException(last));
    }
}
