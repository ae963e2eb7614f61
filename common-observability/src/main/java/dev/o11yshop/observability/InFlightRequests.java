package dev.o11yshop.observability;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts API requests being served, so that shutdown can wait for them to finish. Waiting polls with a
 * deadline: the count only ever reaches zero from request threads, and shutdown is rare.
 */
public final class InFlightRequests {
    private final AtomicInteger count = new AtomicInteger();

    void enter() {
        count.incrementAndGet();
    }

    void exit() {
        count.decrementAndGet();
    }

    public int count() {
        return count.get();
    }

    /** Waits until no request is in flight or {@code timeout} passes; returns the number still running. */
    public int awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return count.get();
    }
}
