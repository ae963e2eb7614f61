package dev.o11yshop.observability;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** The lag grows while every carrier is busy and falls back once they are free. */
class SchedulerLagTest {
    private static final long MAX_LAG_NANOS = Duration.ofMillis(100).toNanos();

    @Test
    void lagGrowsWhileEveryCarrierIsBusyAndFallsBackAfter() throws Exception {
        SchedulerLag lag = SchedulerLag.instance();
        AtomicBoolean spin = new AtomicBoolean(true);
        List<Thread> spinners = new ArrayList<>();
        // Virtual threads that never block keep their carriers: one per carrier saturates the scheduler.
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            spinners.add(Thread.ofVirtual().start(() -> {
                while (spin.get()) {
                    Thread.onSpinWait();
                }
            }));
        }
        try {
            eventually(() -> assertThat("lag while every carrier spins (ns)", lag.lagNanos(), greaterThan(MAX_LAG_NANOS)));
        } finally {
            spin.set(false);
            for (Thread spinner : spinners) {
                spinner.join();
            }
        }
        eventually(() -> assertThat("lag once the carriers are free (ns)", lag.lagNanos(), lessThan(MAX_LAG_NANOS)));
    }
}
