package dev.o11yshop.systemtests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.ServiceProcess;
import dev.o11yshop.systemtests.OpenLoad.Checkout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload and recovery with the three services as processes (each with the 256 MiB heap of the chart's limits)
 * and this test's client on the same two cores: about three times what they sustain together for 20 s, then half of
 * it for 30 s. The services start cold here (their warm-up is 200 requests, not the JIT's minutes) and export every
 * span to the OTLP receiver in this JVM: in their first minute the two cores carry about 200 checkouts/s (100-226/s
 * confirmed while shedding); warm, {@code bench} finds about 900/s. So 600/s, then 100/s. The run happens once; each
 * test judges one guarantee, with generous bounds; the figures are printed (and belong in {@code bench} output).
 * <p>
 * Two clocks: the services' own (order-service's {@code request_completed} log line times a checkout from admission
 * to answer) hold the budget within a margin; the client's includes waiting for a CPU that this client, the three
 * services and the shed answers all share, so its bounds are wider. Before shedding became cheaper than serving (no
 * span, no log line per shed request, and shedding as soon as the CPU saturates), the same run held checkouts for 15
 * to 45 s and recovered to 48% in its last 15 s.
 */
class OverloadIT {
    private static final double OVERLOAD_RATE = Double.parseDouble(System.getProperty("o11yshop.overload.rate", "600"));
    private static final Duration OVERLOAD_TIME = Duration.ofSeconds(Long.getLong("o11yshop.overload.seconds", 20));
    private static final double CALM_RATE = Double.parseDouble(System.getProperty("o11yshop.overload.calmRate", "100"));
    private static final Duration BUDGET = Duration.ofMillis(3_000);
    /**
     * Past the budget: compensation (at most 500 ms) and the CPU work between the saga's calls, which the budget
     * bounds only at the next call; on two saturated cores that work waits for the CPU and for full collections of the
     * 256 MiB heap (up to 0.6 s each), so a burst of checkouts can end 1.5 s late (4.5 s seen once in CI).
     */
    private static final Duration SERVER_MARGIN = Duration.ofMillis(2_500);
    /**
     * Past the budget as the client sees it: also the wait for the CPU before the request is read and after it is
     * answered, in the services and in this JVM (up to 3.6 s more than order-service's own clock).
     */
    private static final Duration CLIENT_MARGIN = Duration.ofSeconds(6);
    /** Median of shed answers as the client sees them (0.1 to 1.2 s seen); the service itself sheds in microseconds. */
    private static final Duration SHED_MEDIAN = Duration.ofMillis(2_000);

    private static LocalPlatform platform;
    private static List<Checkout> overload;
    private static List<Checkout> lastFifteenSeconds;
    private static List<Checkout> all;

    @BeforeAll
    static void overloadThenCalm() throws Exception {
        // Generous restock: this test is about load, not about running out of stock.
        Map<String, String> env = Map.of("INVENTORY_RESTOCK_INTERVAL_MS", "1000",
                                         "INVENTORY_RESTOCK_UNITS", "2000",
                                         "INVENTORY_RESTOCK_CEILING", "1000000",
                                         "ORDER_BUDGET_MS", Long.toString(BUDGET.toMillis()),
                                         // GC pauses in each service's stderr log, for when a bound is missed.
                                         "JAVA_TOOL_OPTIONS", "-Xlog:gc:stderr:uptime");
        platform = Platform.start("overload", env);
        try (OpenLoad load = new OpenLoad(platform.order().api(), platform.inventory().api())) {
            overload = load.run("overload", OVERLOAD_RATE, OVERLOAD_TIME);
            long calmStart = System.nanoTime();
            List<Checkout> calm = load.run("calm", CALM_RATE, Duration.ofSeconds(30));
            long lastFailure = calm.stream().filter(checkout -> checkout.status() != 201)
                    .mapToLong(Checkout::sentAtNanos).max().orElse(calmStart);
            System.out.printf("recovery: the last failed checkout was sent %d ms after the overload ended%n",
                              (lastFailure - calmStart) / 1_000_000);
            lastFifteenSeconds = OpenLoad.sentSince(calm, calmStart + Duration.ofSeconds(15).toNanos());
            System.out.println(OpenLoad.summary("last 15 s", CALM_RATE, lastFifteenSeconds));
            all = new ArrayList<>(overload);
            all.addAll(calm);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void everyServiceSurvivesWithoutRunningOutOfMemory() throws Exception {
        for (ServiceProcess service : platform.services()) {
            assertTrue(ProcessHandle.of(service.pid()).map(ProcessHandle::isAlive).orElse(false),
                       service.name() + " exited under overload");
            Path stderr = service.stdout().resolveSibling(service.name() + ".stderr.log");
            Files.readAllLines(Path.of("/proc", Long.toString(service.pid()), "status")).stream()
                    .filter(line -> line.startsWith("VmHWM:"))
                    .forEach(line -> System.out.println(service.name() + " peak RSS " + line.substring(6).trim()));
            assertFalse(Files.readString(service.stdout()).contains("OutOfMemoryError")
                                || Files.exists(stderr) && Files.readString(stderr).contains("OutOfMemoryError"),
                        service.name() + " ran out of memory");
        }
    }

    @Test
    void theExcessIsShedFastWithRetryAfterAsAProblem() {
        List<Checkout> shed = overload.stream().filter(Checkout::shed).toList();
        assertThat("the overload was shed, not queued", shed.size(), greaterThan(0));
        for (Checkout checkout : all) {
            if (checkout.shed()) {
                assertEquals("application/problem+json", checkout.contentType(), "a shed answer is a problem");
            }
        }
        assertThat("median shed answer (ms)", OpenLoad.quantileMs(shed, 0.5), lessThan(SHED_MEDIAN.toMillis()));
        assertThat("slowest shed answer (ms)", OpenLoad.quantileMs(shed, 1.0),
                   lessThan(BUDGET.plus(CLIENT_MARGIN).toMillis()));
    }

    @Test
    void noCheckoutOutlastsItsBudget() throws Exception {
        double slowestServerMs = 0;
        int timed = 0;
        for (JsonNode line : platform.order().logLines()) {
            if ("request_completed".equals(line.path("message").asText())
                    && "POST".equals(line.path("method").asText())
                    && "/api/orders".equals(line.path("route").asText())) {
                slowestServerMs = Math.max(slowestServerMs, line.path("duration_ms").asDouble());
                timed++;
            }
        }
        System.out.printf("slowest checkout: %.0f ms in order-service (%d timed), %d ms at the client%n",
                          slowestServerMs, timed, OpenLoad.quantileMs(all, 1.0));
        assertThat("checkouts order-service timed", timed, greaterThan(0));
        assertThat("slowest checkout in order-service, admission to answer (ms)", slowestServerMs,
                   lessThanOrEqualTo((double) BUDGET.plus(SERVER_MARGIN).toMillis()));
        assertThat("slowest checkout at the client (ms)", OpenLoad.quantileMs(all, 1.0),
                   lessThan(BUDGET.plus(CLIENT_MARGIN).toMillis()));
        assertEquals(0, OpenLoad.count(all, checkout -> checkout.status() < 0), "checkouts without an answer");
    }

    @Test
    void goodputRecoversOnceTheLoadIsBackUnderCapacity() {
        assertNotNull(lastFifteenSeconds);
        assertThat("checkouts sent in the last 15 s", lastFifteenSeconds.size(), greaterThan(0));
        long confirmed = OpenLoad.count(lastFifteenSeconds, checkout -> checkout.status() == 201);
        assertThat("share of checkouts confirmed in the last 15 s (%)",
                   100.0 * confirmed / lastFifteenSeconds.size(), greaterThanOrEqualTo(95.0));
    }
}
