package dev.o11yshop.loadgen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The {@code run} command: validation (one line, exit 2), a run with report and admin port, failures, Ctrl-C. */
class RunCommandTest {
    private static StubShop stub;

    @BeforeAll
    static void startStub() {
        stub = new StubShop();
    }

    @AfterAll
    static void stopStub() {
        stub.close();
    }

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                arguments(List.of("--rate", "abc"), "--rate must be a number from 0.1 to 100000 (actions per second), got 'abc'"),
                arguments(List.of("--rate", "0"), "--rate must be a number from 0.1 to 100000 (actions per second), got '0'"),
                arguments(List.of("--rate", "-5"), "--rate must be a number from 0.1 to 100000 (actions per second), got '-5'"),
                arguments(List.of("--rate", "100001"), "--rate must be a number from 0.1 to 100000 (actions per second), got '100001'"),
                arguments(List.of("--rate", "0.05"), "--rate must be a number from 0.1 to 100000 (actions per second), got '0.05'"),
                arguments(List.of("--rate", "NaN"), "--rate must be a number from 0.1 to 100000 (actions per second), got 'NaN'"),
                arguments(List.of("--duration", "5x"), "--duration must be a duration like 30s, 5m or 1h (0 = until stopped), got '5x'"),
                arguments(List.of("--duration", "-1s"), "--duration must be a duration like 30s, 5m or 1h (0 = until stopped), got '-1s'"),
                arguments(List.of("--duration", "30"), "--duration must be a duration like 30s, 5m or 1h (0 = until stopped), got '30'"),
                arguments(List.of("--ramp", "soon"), "--ramp must be a duration like 10s or 1m (0 = none), got 'soon'"),
                arguments(List.of("--target", "localhost:8080"), "--target must be an absolute http(s) URL like http://localhost:8080, got 'localhost:8080'"),
                arguments(List.of("--target", "ftp://shop.example"), "--target must be an absolute http(s) URL like http://localhost:8080, got 'ftp://shop.example'"),
                arguments(List.of("--target", "/api"), "--target must be an absolute http(s) URL like http://localhost:8080, got '/api'"),
                arguments(List.of("--target", "http://bad host"), "--target must be an absolute http(s) URL like http://localhost:8080, got 'http://bad host'"),
                arguments(List.of("--inventory", "inventory:8081"), "--inventory must be an absolute http(s) URL like http://localhost:8080, got 'inventory:8081'"),
                arguments(List.of("--mix", "browse=50,shopping=50"), "--mix names an unknown scenario 'shopping' (known: browse, checkout, declined, invalid)"),
                arguments(List.of("--mix", "browse=-1,checkout=2"), "--mix needs a weight from 0 to 1000000 for 'browse', got '-1'"),
                arguments(List.of("--mix", "browse=1.7e308,checkout=1.7e308"), "--mix needs a weight from 0 to 1000000 for 'browse', got '1.7e308'"),
                arguments(List.of("--mix", "browse=0,checkout=0"), "--mix needs at least one positive weight, got browse=0,checkout=0,declined=0,invalid=0"),
                arguments(List.of("--mix", "browse"), "--mix must be scenario=weight pairs separated by commas, like browse=60,checkout=30,declined=5,invalid=5, got 'browse'"),
                arguments(List.of("--mix", "browse=lots"), "--mix needs a number as the weight of 'browse', got 'lots'"),
                arguments(List.of("--max-concurrency", "0"), "--max-concurrency must be a whole number of at least 1, got '0'"),
                arguments(List.of("--max-concurrency", "many"), "--max-concurrency must be a whole number of at least 1, got 'many'"),
                arguments(List.of("--admin-port", "70000"), "--admin-port must be -1 (none), 0 (any free port) or a port number up to 65535, got '70000'"),
                arguments(List.of("--request-timeout", "0"), "--request-timeout must be a duration like 10s, more than 0, got '0'"),
                arguments(List.of("--speed", "9"), "unknown argument '--speed' for run (see run --help)"));
    }

    @ParameterizedTest
    @MethodSource("badCommandLines")
    void aBadValueIsOneLineOnStderrAndExitCode2(List<String> bad, String message) {
        // Valid values for everything else, so that a missed check would run (briefly) rather than pass silently.
        Map<String, String> options = new LinkedHashMap<>(Map.of("--target", stub.uri().toString(), "--rate", "5",
                                                                 "--duration", "200ms"));
        List<String> args = new ArrayList<>(List.of("run"));
        if (bad.size() == 2) {
            options.put(bad.get(0), bad.get(1));
        } else {
            args.addAll(bad);
        }
        options.forEach((name, value) -> {
            args.add(name);
            args.add(value);
        });

        Result result = execute(new CommandLine(new Main()), args.toArray(String[]::new));

        assertEquals(Main.USAGE_ERROR, result.code(), result.toString());
        assertEquals(List.of("load-generator: " + message), result.err().lines().toList());
        assertEquals("", result.out());
    }

    @Test
    void aMissingValueIsOneLineToo() {
        Result result = execute(Main.commandLine(), "run", "--rate");

        assertEquals(Main.USAGE_ERROR, result.code());
        assertEquals(1, result.err().lines().count(), result.err());
        assertThat(result.err(), startsWith("load-generator: "));
        assertThat(result.err(), containsString("--rate"));
    }

    @Test
    void runsPrintsProgressAndTheSummaryAndWritesTheReport(@TempDir Path dir) throws IOException {
        Path report = dir.resolve("report.json");

        Result result = execute(new CommandLine(new Main()), "run", "--target", stub.uri().toString(), "--inventory",
                                stub.uri().toString(), "--rate", "50", "--duration", "1s", "--mix",
                                "checkout=80,declined=10,invalid=10", "--progress-interval", "400ms", "--report",
                                report.toString(), "--admin-port", "0");

        assertEquals(0, result.code(), result.toString());
        assertThat(result.err(), not(containsString("load-generator:")));
        assertThat(result.out(), containsString("load-generator run: 50.0 req/s for 1s"));
        assertThat(result.out(), containsString("admin: http://localhost:"));
        assertThat(result.out(), containsString("] rate "));
        Matcher checkout = Pattern.compile("(?m)^\\s*checkout\\s+(\\d+)").matcher(result.out());
        assertTrue(checkout.find(), result.out());
        assertThat(Long.parseLong(checkout.group(1)), greaterThan(0L));
        assertThat(result.out(), containsString("report written to " + report));
        JsonNode json = Json.MAPPER.readTree(Files.readString(report));
        assertEquals(50, json.get("sent").asLong());
        assertEquals(0, json.get("total").get("errors").asLong(), json.toString());
        assertEquals(80.0, json.get("mix").get("checkout").asDouble());
    }

    @Test
    void exitCode1WhenEveryRequestFails() throws IOException {
        String closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = "http://localhost:" + socket.getLocalPort();
        }

        Result result = execute(new CommandLine(new Main()), "run", "--target", closed, "--rate", "20", "--duration", "500ms");

        assertEquals(1, result.code(), result.toString());
        assertThat(result.out(), containsString("error:10"));
        assertEquals(List.of("load-generator: every request failed (10 of them); is " + closed + " up?"),
                     result.err().lines().toList());
    }

    /** As a user runs it: a JVM of its own, stopped with Ctrl-C (SIGINT), still prints its summary and exits 0. */
    @Test
    void ctrlCStopsTheRunAndStillPrintsTheSummary() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(sigintAtDefault());
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"),
                               Main.class.getName(), "run", "--target", stub.uri().toString(),
                               "--inventory", stub.uri().toString(), "--rate", "50", "--duration",
                               "0", "--progress-interval", "500ms", "--mix", "checkout=1"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("OTEL_TRACES_EXPORTER", "none");
        builder.environment().put("LOG_LEVEL", "WARN");
        Process process = builder.start();
        try {
            ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
            CompletableFuture<Void> stdout = CompletableFuture.runAsync(() -> readLines(process, out));
            StringBuilder err = new StringBuilder();
            CompletableFuture<Void> stderr = CompletableFuture.runAsync(() -> err.append(read(process)));
            Await.until(Duration.ofSeconds(30), () -> out.stream().anyMatch(line -> line.startsWith("[")),
                        () -> "a progress line in " + out);

            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -INT");

            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exits after Ctrl-C: " + out);
            stdout.get(5, TimeUnit.SECONDS);
            stderr.get(5, TimeUnit.SECONDS);
            String output = String.join("\n", out);
            assertEquals(0, process.exitValue(), output + "\n" + err);
            assertThat(err.toString(), containsString("load-generator: SIGINT received, stopping"));
            Matcher checkout = Pattern.compile("(?m)^\\s*checkout\\s+(\\d+)").matcher(output);
            assertTrue(checkout.find(), output);
            assertThat(Long.parseLong(checkout.group(1)), greaterThanOrEqualTo(1L));
            assertThat(output, containsString("confirmed checkouts"));
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * What to start the child JVM through so that SIGINT is at its default disposition, as when started from a
     * terminal. A job that a non-interactive shell starts in the background (a CI step, a script) inherits SIGINT
     * ignored, and HotSpot installs no handler for an ignored SIGINT: the child would never see the Ctrl-C. GNU env
     * (coreutils 8.31 or later) resets it; where env lacks that option (BSD, macOS) or is missing, java is started
     * directly.
     */
    private static List<String> sigintAtDefault() throws InterruptedException {
        List<String> env = List.of("/usr/bin/env", "--default-signal=INT");
        List<String> probe = new ArrayList<>(env);
        probe.add("true");
        Process process;
        try {
            process = new ProcessBuilder(probe)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException noEnv) {
            // No /usr/bin/env (not a Unix): java is started directly.
            return List.of();
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("`" + String.join(" ", probe) + "` did not end within 10 s");
        }
        return process.exitValue() == 0 ? env : List.of();
    }

    private static void readLines(Process process, ConcurrentLinkedQueue<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Process process) {
        try {
            return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result execute(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
