package dev.o11yshop.observability;

import java.time.Duration;

/**
 * The time left for a piece of work (a request's time budget). Outgoing calls take the smaller of their own
 * timeout and what is left, so a request answers within its budget whatever its dependencies do.
 */
public record Deadline(long expiresAtNanos) {
    public static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** This deadline moved {@code margin} later: for work that must still run briefly after the budget, such as a compensation. */
    public Deadline extendedBy(Duration margin) {
        return new Deadline(expiresAtNanos + margin.toNanos());
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, expiresAtNanos - System.nanoTime()));
    }

    public boolean expired() {
        return expiresAtNanos - System.nanoTime() <= 0;
    }
}
