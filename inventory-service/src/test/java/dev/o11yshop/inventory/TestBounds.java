package dev.o11yshop.inventory;

import java.time.Duration;

import dev.o11yshop.observability.BoundedStore.Bounds;

/** Bounds the tests give an {@link Inventory} unless they test the bounds: loose enough never to evict. */
final class TestBounds {
    /** Finished reservations: more than any test finishes, kept longer than any test's clock moves. */
    static final Bounds FINISHED = new Bounds(10_000, 64L << 20, Duration.ofDays(1));
    /** Reservations expired per call of {@link Inventory#expireOverdue(int)}: more than any test has overdue. */
    static final int BATCH = 1_000;

    private TestBounds() {
    }
}
