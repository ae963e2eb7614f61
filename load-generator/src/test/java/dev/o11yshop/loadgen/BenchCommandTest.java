package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench} survives what it measures: collapses are reported with their recovery, a step that throws ends its
 * ramp and is reported, the table is printed whatever happens, and no service process outlives the bench. The
 * services are small stand-in processes and the traffic a made-up summary per step, so no heavy run is needed.
 */
class BenchCommandTest {
    /** The stand-in platform serves this many checkouts/s; above it sheds a tenth, from {@link #BREAKING} it breaks. */
    private static final double CAPACITY = 700;
    private static final double BREAKING = 800;

    @TempDir
    Path runDir;

    private final List<Process> children = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private OtlpReceiver receiver;
    private BenchCommand bench;

    @BeforeEach
    void setUp() {
        receiver = new OtlpReceiver();
        bench = new BenchCommand();
        bench.step = Duration.ofSeconds(1);
        bench.startRate = 100;
        bench.maxRate = 1000;
        bench.warmupRate = 50;
        bench.completenessRate = 100;
        bench.coolDown = Duration.ZERO;
        bench.warmUpRamp = Duration.ofMillis(1);
    }

    @AfterEach
    void tearDown() {
        children.forEach(Process::destroyForcibly);
        receiver.close();
    }

    @Test
    void aCollapsedStepIsReportedWithItsRecoveryAndTheSearchGoesOn() throws Exception {
        BenchCommand.Driver driver = options -> options.rate() >= BREAKING ? collapsed(options) : served(options);

        int code = bench.bench(new PrintWriter(out, true), runDir, this::standInPlatform, driver,
                               new BenchCommand.TraceCompleteness(), () -> { });

        String output = out.toString();
        System.out.printf("bench with a stand-in platform that breaks at %.0f/s:%n%s", BREAKING, output);
        assertEquals(0, code, output);
        assertThat(output, containsString("[bench] observability on: collapsed at 800/s, recovered at 400/s"));
        assertThat(output, containsString("| overload, full observability | collapsed at 800/s, recovered at 400/s "
                                                  + "| recovered |"));
        assertThat(output, containsString("| max sustainable checkouts/s, full observability (p99 < 100 ms, errors < 0.1%) "
                                                  + "| 700 |"));
        assertThat(output, containsString("| most shed at one step (503 with Retry-After), full observability "
                                                  + "| 10.0% at 750/s |"));
        assertThat(output, containsString("checkout latency at 50% of max (350/s)"));
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("bench.json").toFile());
        assertEquals(800, report.path("observability_on").path("collapses").path(0).path("rate").asDouble());
        assertTrue(report.path("observability_on").path("collapses").path(0).path("recovered").asBoolean());
        assertEquals(0, report.path("failures").size());
        assertEveryChildStopped(6);
    }

    @Test
    void aPlatformThatDoesNotRecoverEndsTheRampAndTheTableStillPrints() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        BenchCommand.Platforms platforms = (dir, env) -> {
            broken.set(false);
            return standInPlatform(dir, env);
        };
        BenchCommand.Driver driver = options -> {
            if (options.rate() >= BREAKING) {
                broken.set(true);
            }
            return broken.get() ? collapsed(options) : served(options);
        };

        int code = bench.bench(new PrintWriter(out, true), runDir, platforms, driver,
                               new BenchCommand.TraceCompleteness(), () -> { });

        String output = out.toString();
        assertEquals(0, code, "a collapse is a finding, not a failure of the bench: " + output);
        assertThat(output, containsString("collapsed at 800/s, did not recover at 400/s"));
        assertThat(output, containsString("latency below max and trace completeness skipped"));
        assertThat(output, containsString("| trace completeness | not measured | 100% |"));
        assertThat(output, containsString("| overload, observability off | collapsed at 800/s, did not recover at 400/s |"));
        assertEveryChildStopped(6);
    }

    @Test
    void aStepThatThrowsEndsTheRampAndNoChildIsLeftRunning() throws Exception {
        AtomicInteger platformsStarted = new AtomicInteger();
        BenchCommand.Platforms platforms = (dir, env) -> {
            platformsStarted.incrementAndGet();
            return standInPlatform(dir, env);
        };
        BenchCommand.Driver driver = options -> {
            if (platformsStarted.get() == 1 && options.rate() == 400) {
                throw new IllegalStateException("connection pool exploded");
            }
            if (platformsStarted.get() == 2) {
                // What killed the bench before: an AssertionError from deep inside (a child that would not stop).
                throw new AssertionError("order-service did not exit within PT20S of SIGTERM");
            }
            return served(options);
        };

        int code = bench.bench(new PrintWriter(out, true), runDir, platforms, driver,
                               new BenchCommand.TraceCompleteness(), () -> { });

        String output = out.toString();
        assertEquals(1, code, output);
        assertThat(output, containsString("step at 400/s failed: IllegalStateException: connection pool exploded"));
        assertThat(output, containsString("| FAILED | observability on: step at 400/s failed: IllegalStateException: "
                                                  + "connection pool exploded; the ramp ended there |"));
        assertThat(output, containsString("| FAILED | observability off: AssertionError: "
                                                  + "order-service did not exit within PT20S"));
        assertThat(output, containsString("| measure | value | target |"));
        assertTrue(Files.isRegularFile(runDir.resolve("bench.json")));
        assertEquals(2, platformsStarted.get(), "the second phase ran after the first failed");
        assertEveryChildStopped(6);
    }

    @Test
    void aSignalEndsTheBenchWithItsReportAndStopsTheServices() throws Exception {
        BenchCommand.Driver driver = options -> {
            if (options.rate() == 400) {
                bench.requestStop(); // SIGINT while this step runs
            }
            return served(options);
        };

        int code = bench.bench(new PrintWriter(out, true), runDir, this::standInPlatform, driver,
                               new BenchCommand.TraceCompleteness(), () -> { });

        String output = out.toString();
        assertEquals(1, code, output);
        assertThat(output, containsString("| max sustainable checkouts/s, full observability (p99 < 100 ms, errors < 0.1%) "
                                                  + "| 200 (ended early: stopped by a signal) |"));
        assertThat(output, containsString("| FAILED | observability on: stopped by a signal |"));
        assertThat(output, containsString("| overload, full observability | no collapse | recovered |"));
        assertEveryChildStopped(3);
    }

    @Test
    void aPlatformThatFailsToStartIsReportedAndTheTableStillPrints() throws Exception {
        BenchCommand.Platforms platforms = (dir, env) -> {
            throw new IllegalStateException("order-service not ready within PT30S");
        };

        int code = bench.bench(new PrintWriter(out, true), runDir, platforms, this::served, new BenchCommand.TraceCompleteness(),
                               () -> { });

        assertEquals(1, code);
        assertThat(out.toString(), containsString("| max sustainable checkouts/s, full observability (p99 < 100 ms, errors < 0.1%) "
                                                          + "| not measured |"));
        assertThat(out.toString(), containsString("| FAILED | observability on: IllegalStateException: order-service not ready"));
    }

    /** Three stand-in services: processes that sleep until stopped, as a platform would hold them. */
    private LocalPlatform standInPlatform(Path dir, java.util.Map<String, String> env) throws IOException {
        Files.createDirectories(dir);
        List<ServiceProcess> services = new ArrayList<>();
        for (String name : List.of("inventory-service", "payment-service", "order-service")) {
            Process process = new ProcessBuilder("sleep", "300").start();
            children.add(process);
            services.add(ServiceProcess.of(name, process, dir.resolve(name + ".log"), 1, 2, env.get(AdminToken.ENV)));
        }
        return new LocalPlatform(receiver, false, "token", services.get(0), services.get(1), services.get(2));
    }

    private void assertEveryChildStopped(int expected) {
        assertEquals(expected, children.size());
        for (Process child : children) {
            assertFalse(child.isAlive(), "pid " + child.pid() + " stopped when the bench ended");
        }
    }

    /** Every checkout confirmed in 5 ms up to the capacity; above it a tenth is shed. */
    private RunSummary served(TrafficOptions options) {
        long sent = Math.round(options.rate() * options.duration().toNanos() / 1e9);
        long shed = options.rate() > CAPACITY ? sent / 10 : 0;
        TrafficStats stats = new TrafficStats();
        for (long i = 0; i < sent; i++) {
            stats.recordResult(Scenario.CHECKOUT, i < shed ? TrafficStats.SHED : 201, Duration.ofMillis(5).toNanos());
        }
        return summary(options, sent, stats);
    }

    /** No checkout answered: every one timed out. */
    private static RunSummary collapsed(TrafficOptions options) {
        long sent = Math.round(options.rate() * options.duration().toNanos() / 1e9);
        TrafficStats stats = new TrafficStats();
        for (long i = 0; i < sent; i++) {
            stats.recordResult(Scenario.CHECKOUT, TrafficStats.NO_RESPONSE, Duration.ofSeconds(2).toNanos());
        }
        return summary(options, sent, stats);
    }

    private static RunSummary summary(TrafficOptions options, long sent, TrafficStats stats) {
        stats.harvest();
        return RunSummary.of(Instant.now(), options.duration(), options.rate(), options.mix(), sent, 0, 0, stats, List.of());
    }
}
