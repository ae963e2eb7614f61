package dev.o11yshop.observability;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts API requests being served, so that shutdown can wait for them to finish. Waiting polls with a
 * deadline: the count only ever reaches zero from request threads, and shutdown is rare.
 */
public final class InFlightRequests {
    private final AtomicInteger count = new AtomicInteger();
    /** When a request last started or ended, for the quiet period of {@link #awaitQuiet}. */
    private final AtomicLong lastChangeNanos = new AtomicLong(System.nanoTime());

    void enter() {
        count.incrementAndGet();
        lastChangeNanos.set(System.nanoTime());
    }

    void exit() {
        count.decrementAndGet();
        lastChangeNanos.set(System.nanoTime());
    }

    public int count() {
        return count.get();
    }

    /** Waits until no request is in flight or {@code timeout} passes; returns the number still running. */
    public int awaitIdle(Duration timeout) throws InterruptedException {
        return awaitQuiet(Duration.ZERO, timeout);
    }

    /**
     * Waits until no request has been in flight for {@code quiet}, or {@code timeout} passes; returns the number
     * still running. A single moment at zero is not enough: keep-alive clients send their next request right after
     * an answer, so the count touches zero between requests that are still coming.
     */
    public int awaitQuiet(Duration quiet, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (count.get() == 0 && System.nanoTime() - lastChangeNanos.get() >= quiet.toNanos()) {
                return 0;
            }
            Thread.sleep(10);
        }
        return count.get();
    }
}
