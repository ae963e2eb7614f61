package dev.o11yshop.inventory;

import static dev.o11yshop.inventory.StockAssertions.assertBalanced;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isOneOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.o11yshop.inventory.Reservation.Status;
import dev.o11yshop.observability.ManualClock;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class InventoryConcurrencyTest {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private enum Outcome { COMMITTED, RELEASED, SHORT }

    // Repeated because a race shows only in some interleavings; one round on two cores misses most of them.
    @RepeatedTest(20)
    void twoHundredBuyersShareTheLastFiftyUnits() throws Exception {
        final int buyers = 200;
        final int left = 50;
        final String sku = "SKU-0013";
        var inventory = new Inventory(Catalog.standard(), new ManualClock(START), Duration.ofSeconds(30), TestBounds.FINISHED);
        int stocked = inventory.level(sku).available();
        inventory.commit(inventory.reserve("drain", List.of(new ItemRequest(sku, stocked - left))).reservationId());
        assertThat(inventory.level(sku).available(), is(left));

        var startGate = new CountDownLatch(1);
        var allTried = new CountDownLatch(buyers);
        var finishGate = new CountDownLatch(1);
        var watching = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(buyers + 1);
        try {
            // Checks snapshots while everything runs: never negative, never unbalanced.
            Future<Integer> watcher = pool.submit(() -> {
                int snapshots = 0;
                while (watching.get()) {
                    assertBalanced(inventory.level(sku));
                    snapshots++;
                }
                return snapshots;
            });
            var outcomes = new ArrayList<Future<Outcome>>();
            for (int i = 0; i < buyers; i++) {
                final int buyer = i;
                outcomes.add(pool.submit(() -> {
                    await(startGate);
                    Reservation reservation = null;
                    try {
                        reservation = inventory.reserve("order-" + buyer, List.of(new ItemRequest(sku, 1)));
                    } catch (InsufficientStockException e) {
                        assertThat(e.sku(), is(sku));
                        assertThat(e.requested(), is(1));
                        assertThat(e.available(), is(0));
                    } finally {
                        allTried.countDown();
                    }
                    await(finishGate);
                    if (reservation == null) {
                        return Outcome.SHORT;
                    }
                    if (buyer % 2 == 0) {
                        assertThat(inventory.commit(reservation.reservationId()).status(), is(Status.COMMITTED));
                        return Outcome.COMMITTED;
                    }
                    assertThat(inventory.release(reservation.reservationId()), is(true));
                    return Outcome.RELEASED;
                }));
            }

            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            startGate.countDown();
            assertTrue(allTried.await(remaining(deadline), TimeUnit.NANOSECONDS), "buyers did not finish reserving");
            var afterReserving = inventory.level(sku);
            assertThat(afterReserving.available(), is(0));
            assertThat(afterReserving.reserved(), is(left));
            assertThat(afterReserving.sold(), is(stocked - left));
            finishGate.countDown();

            var counts = new EnumMap<Outcome, Integer>(Outcome.class);
            for (Future<Outcome> outcome : outcomes) {
                counts.merge(outcome.get(remaining(deadline), TimeUnit.NANOSECONDS), 1, Integer::sum);
            }
            watching.set(false);
            assertThat(watcher.get(remaining(deadline), TimeUnit.NANOSECONDS), greaterThan(0));

            int committed = counts.getOrDefault(Outcome.COMMITTED, 0);
            int released = counts.getOrDefault(Outcome.RELEASED, 0);
            assertThat(committed + released, is(left));
            assertThat(counts.getOrDefault(Outcome.SHORT, 0), is(buyers - left));
            var end = inventory.level(sku);
            assertThat(end.sold(), is(stocked - left + committed));
            assertThat(end.available(), is(released));
            assertThat(end.reserved(), is(0));
            assertBalanced(inventory.levels());
        } finally {
            watching.set(false);
            pool.shutdownNow();
        }
        assertTrue(pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "pool did not terminate");
    }

    /** Every operation at once, on several skus, with the clock moving: the books must still balance. */
    @Test
    void mixedOperationsKeepTheInvariant() throws Exception {
        final int workers = 16;
        final int operations = 2_000;
        var clock = new ManualClock(START);
        var inventory = new Inventory(Catalog.standard(), clock, Duration.ofSeconds(5), TestBounds.FINISHED);
        List<String> skus = List.of("SKU-0004", "SKU-0009", "SKU-0010", "SKU-0013");

        var startGate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            var results = new ArrayList<Future<Integer>>();
            for (int w = 0; w < workers; w++) {
                final var random = new Random(w);
                results.add(pool.submit(() -> {
                    await(startGate);
                    int soldUnits = 0;
                    var mine = new ArrayList<Reservation>();
                    for (int op = 0; op < operations; op++) {
                        switch (random.nextInt(10)) {
                            case 0, 1, 2, 3 -> {
                                var items = List.of(
                                        new ItemRequest(skus.get(random.nextInt(skus.size())), 1 + random.nextInt(5)),
                                        new ItemRequest(skus.get(random.nextInt(skus.size())), 1 + random.nextInt(5)));
                                try {
                                    mine.add(inventory.reserve("order", items));
                                } catch (InsufficientStockException e) {
                                    assertTrue(e.available() < e.requested(), e.getMessage());
                                }
                            }
                            case 4, 5 -> soldUnits += settle(inventory, clock, mine, random, true);
                            case 6 -> soldUnits += settle(inventory, clock, mine, random, false);
                            case 7 -> inventory.expireOverdue(TestBounds.BATCH);
                            case 8 -> inventory.restock(random.nextInt(20), 100);
                            default -> {
                                clock.advance(Duration.ofMillis(random.nextInt(50)));
                                assertBalanced(inventory.levels());
                            }
                        }
                    }
                    while (!mine.isEmpty()) {
                        soldUnits += settle(inventory, clock, mine, random, random.nextBoolean());
                    }
                    return soldUnits;
                }));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            startGate.countDown();
            int soldUnits = 0;
            for (Future<Integer> result : results) {
                soldUnits += result.get(remaining(deadline), TimeUnit.NANOSECONDS);
            }
            clock.advance(Duration.ofMinutes(1));
            inventory.expireOverdue(TestBounds.BATCH);

            var levels = inventory.levels();
            assertBalanced(levels);
            assertThat(levels.stream().mapToInt(StockLevel::reserved).sum(), is(0));
            assertThat(levels.stream().mapToInt(StockLevel::sold).sum(), is(soldUnits));
            assertThat("the run sold something", soldUnits, greaterThan(0));
        } finally {
            pool.shutdownNow();
        }
        assertTrue(pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "pool did not terminate");
    }

    /** Commits or releases one of this worker's reservations; returns the units it sold. */
    private static int settle(Inventory inventory, ManualClock clock, List<Reservation> mine, Random random,
                              boolean commit) {
        if (mine.isEmpty()) {
            return 0;
        }
        var reservation = mine.remove(random.nextInt(mine.size()));
        String id = reservation.reservationId();
        if (!commit) {
            // Refused only if it expired first (and it may since have been pruned).
            if (inventory.release(id)) {
                return 0;
            }
            var status = inventory.reservation(id).map(Reservation::status);
            assertThat(status, isOneOf(Optional.empty(), Optional.of(Status.EXPIRED)));
            assertTrue(overdue(reservation, clock), "release refused for an unexpired reservation: " + id);
            return 0;
        }
        try {
            inventory.commit(id);
            return reservation.items().stream().mapToInt(ReservedItem::quantity).sum();
        } catch (ReservationNotActiveException e) {
            assertThat(e.status(), is(Status.EXPIRED)); // the clock passed its deadline; its stock goes back
            return 0;
        } catch (ReservationNotFoundException e) {
            // Only finished reservations are pruned, and this worker did not finish it: it expired.
            assertTrue(overdue(reservation, clock), "an unexpired reservation was forgotten: " + id);
            return 0;
        }
    }

    private static boolean overdue(Reservation reservation, ManualClock clock) {
        return !reservation.expiresAt().isAfter(clock.instant());
    }

    private static void await(CountDownLatch gate) throws InterruptedException {
        if (!gate.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("gate not opened in time");
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }
}
