package dev.o11yshop.observability;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;

/**
 * How late a virtual thread runs after it is due: the wait a request that arrives now would have before its first
 * line of code ran. A virtual thread sleeps {@link #TICK} again and again and measures how much longer each sleep
 * took; the lag is the smallest overrun of the last {@link #WINDOW} sleeps (a lag that lasts, not one GC pause or one
 * burst), or how overdue the next wake-up already is (a stall that lasts is one already). Near zero on an idle or busy JVM,
 * it grows only when runnable work queues for the CPU (carriers all busy, the pod throttled, a GC pause), which is
 * the moment to stop admitting more: it is the JVM's version of Node's event-loop delay. One per JVM, exported as
 * {@code virtual_thread_scheduler_lag_seconds}.
 */
final class SchedulerLag {
    /** Between two measurements; short enough to notice a stall within a request's time, cheap enough to ignore. */
    static final Duration TICK = Duration.ofMillis(20);
    private static final long TICK_NANOS = TICK.toNanos();
    /** Sleeps whose overruns must all be high for the lag to be high: about a tenth of a second. */
    static final int WINDOW = 5;
    private static final SchedulerLag INSTANCE = new SchedulerLag();

    private volatile long lastWakeNanos = System.nanoTime();
    private volatile long sustainedLagNanos;
    /** Written by the measuring thread only. */
    private final long[] recentLagNanos = new long[WINDOW];
    private int next;

    private SchedulerLag() {
        Thread.ofVirtual().name("scheduler-lag").start(this::measure);
        Metrics.globalRegistry().getOrCreate(
                Gauge.builder("virtual_thread_scheduler_lag_seconds", this, lag -> lag.lagNanos() / 1e9)
                        .description("How late a virtual thread runs after it is due: time new requests wait for the CPU"));
    }

    /** The JVM's monitor, started on first use. */
    static SchedulerLag instance() {
        return INSTANCE;
    }

    /** The current lag in nanoseconds. */
    long lagNanos() {
        long overdue = System.nanoTime() - lastWakeNanos - TICK_NANOS;
        return Math.max(sustainedLagNanos, overdue);
    }

    private void measure() {
        while (true) {
            long before = System.nanoTime();
            LockSupport.parkNanos(TICK_NANOS);
            long now = System.nanoTime();
            recentLagNanos[next] = Math.max(0, now - before - TICK_NANOS);
            next = (next + 1) % WINDOW;
            long smallest = Long.MAX_VALUE;
            for (long lag : recentLagNanos) {
                smallest = Math.min(smallest, lag);
            }
            sustainedLagNanos = smallest;
            lastWakeNanos = now;
        }
    }
}
