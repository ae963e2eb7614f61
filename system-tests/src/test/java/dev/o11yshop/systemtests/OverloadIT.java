package dev.o11yshop.systemtests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.ServiceProcess;
import dev.o11yshop.systemtests.OpenLoad.Checkout;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload and recovery with the three services as processes (each with the 256 MiB heap of the chart's
 * limits): about three times what this machine sustains for 20 s, then half of it for 30 s. The shop must shed
 * the excess with fast 503s, keep every checkout within its budget, stay up, and serve again as soon as the load
 * is back under capacity. The bounds are generous; the figures are printed, and {@code load-generator bench} is
 * where they are measured.
 */
class OverloadIT {
    /** Checkouts/s well past what two shared cores sustain with full telemetry (a few hundred). */
    private static final double OVERLOAD_RATE = Double.parseDouble(System.getProperty("o11yshop.overload.rate", "1200"));
    private static final double CALM_RATE = Double.parseDouble(System.getProperty("o11yshop.overload.calmRate", "100"));
    private static final Duration BUDGET = Duration.ofMillis(3_000);
    /** Budget, compensation margin, and room for the client's own queueing on a saturated machine. */
    private static final Duration LONGEST_ALLOWED = BUDGET.plusMillis(500).plusMillis(1_500);

    @Test
    void shedsOverloadFastAndRecoversWithoutRestart() throws Exception {
        // Generous restock: this test is about load, not about running out of stock.
        Map<String, String> env = Map.of("INVENTORY_RESTOCK_INTERVAL_MS", "1000",
                                         "INVENTORY_RESTOCK_UNITS", "2000",
                                         "INVENTORY_RESTOCK_CEILING", "1000000",
                                         "ORDER_BUDGET_MS", Long.toString(BUDGET.toMillis()));
        try (LocalPlatform platform = Platform.start("overload", env);
             OpenLoad load = new OpenLoad(platform.order().api())) {
            List<Checkout> overload = load.run("overload", OVERLOAD_RATE, Duration.ofSeconds(20));
            long calmStart = System.nanoTime();
            List<Checkout> calm = load.run("calm", CALM_RATE, Duration.ofSeconds(30));
            List<Checkout> lastFifteen = OpenLoad.sentSince(calm, calmStart + Duration.ofSeconds(15).toNanos());
            System.out.println(OpenLoad.summary("last 15 s", CALM_RATE, lastFifteen));
            List<Checkout> all = new ArrayList<>(overload);
            all.addAll(calm);

            for (ServiceProcess service : platform.services()) {
                assertTrue(ProcessHandle.of(service.pid()).map(ProcessHandle::isAlive).orElse(false),
                           service.name() + " exited under overload");
                Path stderr = service.stdout().resolveSibling(service.name() + ".stderr.log");
                assertFalse(Files.readString(service.stdout()).contains("OutOfMemoryError")
                                    || Files.exists(stderr) && Files.readString(stderr).contains("OutOfMemoryError"),
                            service.name() + " ran out of memory");
            }

            assertThat("the overload was shed, not queued", OpenLoad.count(overload, Checkout::shed), greaterThan(0L));
            for (Checkout checkout : all) {
                if (checkout.status() == 503 && checkout.retryAfter() != null) {
                    assertEquals("application/problem+json", checkout.contentType(), "a shed answer is a problem");
                }
            }
            assertThat("p99 of shed answers (ms)",
                       OpenLoad.quantileMs(all.stream().filter(Checkout::shed).toList(), 0.99),
                       lessThanOrEqualTo(1_000L));
            assertThat("slowest checkout (ms), answered or not", OpenLoad.quantileMs(all, 1.0),
                       lessThanOrEqualTo(LONGEST_ALLOWED.toMillis()));

            long confirmed = OpenLoad.count(lastFifteen, c -> c.status() == 201);
            assertThat("share of confirmed checkouts in the last 15 s (%)", 100.0 * confirmed / lastFifteen.size(),
                       greaterThanOrEqualTo(95.0));
        }
    }
}
