package dev.o11yshop.loadgen;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Latency is measured from each request's intended start, so a stall shows up in full: every request due during
 * a 1 s stall waits until it ends. With 200 requests/s, the requests due in the stall's first half (about 100)
 * wait at least 500 ms, and the first of them about a second. That holds whether the server stalls or the
 * generator itself does (as in a GC pause), where a tool that timed from the actual send would see nothing.
 */
class CoordinatedOmissionTest {
    private static final double RATE = 200;
    private static final Duration STALL = Duration.ofSeconds(1);
    private static final double EXPECTED_SLOW = RATE * 0.5;
    @RegisterExtension
    static final StubShopExtension STUB = new StubShopExtension();

    @Test
    void serverStallIsRecordedFromTheIntendedStart() {
        long stallFrom = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        STUB.stub().stall(stallFrom, STALL);

        RunSummary summary = Traffic.run(Traffic.options(STUB.stub().uri(), RATE, Duration.ofSeconds(4), Mix.only(Scenario.CHECKOUT)));

        assertStallRecorded("server stall", summary, 0.15);
    }

    @Test
    void generatorStallIsRecordedFromTheIntendedStart() {
        long stallFrom = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        long stallUntil = stallFrom + STALL.toNanos();
        // Actions handed on during the stall start only when it ends, like threads frozen by a pause.
        Executor stalling = task -> {
            long handedOn = System.nanoTime();
            Thread.ofVirtual().start(() -> {
                if (handedOn >= stallFrom && handedOn < stallUntil) {
                    long wait;
                    while ((wait = stallUntil - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                task.run();
            });
        };

        RunSummary summary = Traffic.run(Traffic.options(STUB.stub().uri(), RATE, Duration.ofSeconds(4), Mix.only(Scenario.CHECKOUT)),
                                         stalling);

        long duringStall = STUB.stub().arrivals().stream()
                .filter(a -> a.nanos() >= stallFrom + Duration.ofMillis(50).toNanos() && a.nanos() < stallUntil)
                .count();
        assertEquals(0, duringStall, "the server got nothing while the generator was stalled");
        // The ~200 actions released together when the stall ends add a little latency of their own, so a few more
        // than half a second's worth cross 500 ms.
        assertStallRecorded("generator stall", summary, 0.35);
    }

    private static void assertStallRecorded(String what, RunSummary summary, double slowAbove) {
        RunSummary.ScenarioStats total = summary.total();
        long slow = total.requestsAtLeast(Duration.ofMillis(500));
        System.out.printf("%s: %d requests, max %.1f ms, %d at or above 500 ms (expected about %.0f), p50 %.1f ms, "
                                  + "p99 %.1f ms%n", what, total.requests(), total.maxMillis(), slow, EXPECTED_SLOW,
                          total.p50Millis(), total.p99Millis());
        assertEquals(800, summary.sent(), summary.table());
        assertEquals(0, total.errors(), summary.table());
        assertThat("max latency (ms)", total.maxMillis(), greaterThanOrEqualTo(900.0));
        assertThat("max latency (ms)", total.maxMillis(), lessThan(1500.0));
        assertThat("requests that waited at least 500 ms", (double) slow,
                   allOf(greaterThanOrEqualTo(EXPECTED_SLOW * 0.85), lessThanOrEqualTo(EXPECTED_SLOW * (1 + slowAbove))));
    }
}
