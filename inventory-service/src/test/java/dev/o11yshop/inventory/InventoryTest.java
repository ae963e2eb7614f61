package dev.o11yshop.inventory;

import static dev.o11yshop.inventory.StockAssertions.assertBalanced;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.o11yshop.inventory.Reservation.Status;
import dev.o11yshop.inventory.StockLevel.WarehouseLevel;
import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.ManualClock;
import dev.o11yshop.observability.MetricsProbe;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.RetainedHeap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InventoryTest {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final String EU = "eu-west-1";
    private static final String US = "us-east-1";
    private static final String AP = "ap-south-1";
    /** 60 units: 10 in eu-west-1, 30 in us-east-1, 20 in ap-south-1. */
    private static final String SPLIT = "SKU-9001";
    /** 10 units: 5 in eu-west-1, 5 in us-east-1. */
    private static final String PAIR = "SKU-9002";
    private static final Money SPLIT_PRICE = Money.of("5.00", "USD");
    private static final Money PAIR_PRICE = Money.of("12.50", "USD");

    private final ManualClock clock = new ManualClock(START);
    private final Catalog catalog = new Catalog(List.of(
            new Catalog.Entry(new Product(SPLIT, "Split product", SPLIT_PRICE), Map.of(EU, 10, US, 30, AP, 20)),
            new Catalog.Entry(new Product(PAIR, "Pair product", PAIR_PRICE), Map.of(EU, 5, US, 5))));
    private final Inventory inventory = new Inventory(catalog, clock, TTL, TestBounds.FINISHED);

    @AfterEach
    void invariantHolds() {
        assertBalanced(inventory.levels());
    }

    @Test
    void startsWithTheCatalogStock() {
        assertThat(inventory.level(SPLIT), is(new StockLevel(SPLIT, 60, 0, 0, 60, 0, List.of(
                new WarehouseLevel(EU, 10, 0, 0, 10, 0),
                new WarehouseLevel(US, 30, 0, 0, 30, 0),
                new WarehouseLevel(AP, 20, 0, 0, 20, 0)))));
        assertThat(inventory.levels().stream().map(StockLevel::sku).toList(), contains(SPLIT, PAIR));
    }

    @Test
    void startsTheStandardCatalogWithItsInitialStock() {
        var standard = Catalog.standard();
        var levels = new Inventory(standard, clock, TTL, TestBounds.FINISHED).levels();
        assertThat(levels.size(), is(20));
        for (int i = 0; i < levels.size(); i++) {
            var entry = standard.entries().get(i);
            var level = levels.get(i);
            assertThat(level.sku(), is(entry.product().sku()));
            assertThat(level.warehouses().stream().map(WarehouseLevel::warehouse).toList(),
                    is(List.copyOf(entry.initialStock().keySet())));
            level.warehouses().forEach(line -> {
                assertThat(line.initial(), is(entry.initialStock().get(line.warehouse())));
                assertThat(line.available(), is(line.initial()));
            });
        }
        assertBalanced(levels);
    }

    @Test
    void reservesFromTheFullestWarehouse() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 7)));

        assertThat(reservation.items(), contains(new ReservedItem(SPLIT, 7, SPLIT_PRICE, US)));
        assertThat(reservation.orderId(), is("order-1"));
        assertThat(reservation.status(), is(Status.RESERVED));
        assertThat(reservation.expiresAt(), is(START.plus(TTL)));
        assertThat(UUID.fromString(reservation.reservationId()).toString(), is(reservation.reservationId()));
        assertThat(inventory.reservation(reservation.reservationId()), is(Optional.of(reservation)));
        assertThat(line(SPLIT, US), is(new WarehouseLevel(US, 23, 7, 0, 30, 0)));
        assertThat(inventory.level(SPLIT).available(), is(53));
        assertThat(inventory.level(SPLIT).reserved(), is(7));
    }

    @Test
    void givesEachReservationItsOwnId() {
        var first = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 1)));
        var second = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 1)));
        assertThat(first.reservationId().equals(second.reservationId()), is(false));
    }

    @Test
    void splitsAcrossWarehousesFullestFirst() {
        var big = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 45)));
        assertThat(big.items(), contains(
                new ReservedItem(SPLIT, 30, SPLIT_PRICE, US),
                new ReservedItem(SPLIT, 15, SPLIT_PRICE, AP)));

        // Left: eu 10, us 0, ap 5.
        var rest = inventory.reserve("order-2", List.of(new ItemRequest(SPLIT, 12)));
        assertThat(rest.items(), contains(
                new ReservedItem(SPLIT, 10, SPLIT_PRICE, EU),
                new ReservedItem(SPLIT, 2, SPLIT_PRICE, AP)));
        assertThat(inventory.level(SPLIT).available(), is(3));
    }

    @Test
    void breaksTiesInWarehouseOrder() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(PAIR, 7)));
        assertThat(reservation.items(), contains(
                new ReservedItem(PAIR, 5, PAIR_PRICE, EU),
                new ReservedItem(PAIR, 2, PAIR_PRICE, US)));
    }

    @Test
    void addsUpASkuListedTwice() {
        var reservation = inventory.reserve("order-1",
                List.of(new ItemRequest(SPLIT, 20), new ItemRequest(PAIR, 1), new ItemRequest(SPLIT, 20)));

        assertThat(reservation.items(), contains(
                new ReservedItem(SPLIT, 30, SPLIT_PRICE, US),
                new ReservedItem(SPLIT, 10, SPLIT_PRICE, AP),
                new ReservedItem(PAIR, 1, PAIR_PRICE, EU)));
        assertThat(inventory.level(SPLIT).reserved(), is(40));
    }

    @Test
    void judgesShortageOnTheSummedQuantity() {
        var before = inventory.levels();
        var e = assertThrows(InsufficientStockException.class, () -> inventory.reserve("order-1",
                List.of(new ItemRequest(PAIR, 6), new ItemRequest(PAIR, 6))));
        assertThat(e.sku(), is(PAIR));
        assertThat(e.requested(), is(12));
        assertThat(e.available(), is(10));
        assertThat(inventory.levels(), is(before));
    }

    @Test
    void rejectsAnUnknownSkuAndChangesNothing() {
        var before = inventory.levels();
        var e = assertThrows(UnknownSkuException.class, () -> inventory.reserve("order-1",
                List.of(new ItemRequest(SPLIT, 1), new ItemRequest("SKU-0404", 1))));
        assertThat(e.sku(), is("SKU-0404"));
        assertThat(inventory.levels(), is(before));
    }

    @Test
    void rejectsMoreThanIsAvailableOverAllWarehouses() {
        var e = assertThrows(InsufficientStockException.class,
                () -> inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 61))));
        assertThat(e.sku(), is(SPLIT));
        assertThat(e.requested(), is(61));
        assertThat(e.available(), is(60));
        assertThat(e.getMessage(), is("insufficient stock for SKU-9001: requested 61, available 60"));

        // Exactly everything is fine.
        inventory.reserve("order-2", List.of(new ItemRequest(SPLIT, 60)));
        assertThat(inventory.level(SPLIT).available(), is(0));
    }

    @Test
    void takesNothingWhenALaterItemIsShort() {
        var before = inventory.levels();
        var e = assertThrows(InsufficientStockException.class, () -> inventory.reserve("order-1",
                List.of(new ItemRequest(SPLIT, 5), new ItemRequest(PAIR, 11))));
        assertThat(e.sku(), is(PAIR));
        assertThat(e.available(), is(10));
        assertThat(inventory.levels(), is(before));
        assertThat(inventory.level(SPLIT).reserved(), is(0));
    }

    @Test
    void namesTheFirstShortSkuInRequestOrder() {
        var e = assertThrows(InsufficientStockException.class, () -> inventory.reserve("order-1",
                List.of(new ItemRequest(PAIR, 100), new ItemRequest(SPLIT, 100))));
        assertThat(e.sku(), is(PAIR));
    }

    @Test
    void commitTurnsReservedIntoSold() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 35)));

        var committed = inventory.commit(reservation.reservationId());

        assertThat(committed.status(), is(Status.COMMITTED));
        assertThat(committed.items(), is(reservation.items()));
        assertThat(inventory.reservation(reservation.reservationId()), is(Optional.of(committed)));
        assertThat(line(SPLIT, US), is(new WarehouseLevel(US, 0, 0, 30, 30, 0)));
        assertThat(line(SPLIT, AP), is(new WarehouseLevel(AP, 15, 0, 5, 20, 0)));
        var level = inventory.level(SPLIT);
        assertThat(level.sold(), is(35));
        assertThat(level.reserved(), is(0));
        assertThat(level.available(), is(25));
    }

    @Test
    void commitIsIdempotent() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        var first = inventory.commit(reservation.reservationId());
        var after = inventory.levels();

        assertThat(inventory.commit(reservation.reservationId()), is(first));
        assertThat(inventory.levels(), is(after));
        assertThat(inventory.level(SPLIT).sold(), is(5));
    }

    @Test
    void commitReportingSaysWhichCallCommitted() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));

        var first = inventory.commitReporting(reservation.reservationId());
        var second = inventory.commitReporting(reservation.reservationId());

        assertThat(first.committedNow(), is(true));
        assertThat(first.reservation().status(), is(Status.COMMITTED));
        assertThat(second.committedNow(), is(false));
        assertThat(second.reservation(), is(first.reservation()));
        assertThat(inventory.level(SPLIT).sold(), is(5));
    }

    @Test
    void commitOfAnUnknownReservationIsNotFound() {
        var e = assertThrows(ReservationNotFoundException.class, () -> inventory.commit("no-such-id"));
        assertThat(e.reservationId(), is("no-such-id"));
    }

    @Test
    void commitOfAReleasedReservationIsRefused() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        inventory.release(reservation.reservationId());

        var e = assertThrows(ReservationNotActiveException.class, () -> inventory.commit(reservation.reservationId()));
        assertThat(e.status(), is(Status.RELEASED));
        assertThat(e.reservationId(), is(reservation.reservationId()));
        assertThat(inventory.level(SPLIT).sold(), is(0));
        assertThat(inventory.level(SPLIT).available(), is(60));
    }

    @Test
    void commitOfAnExpiredReservationIsRefused() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        clock.advance(TTL);
        assertThat(inventory.expireOverdue(TestBounds.BATCH).size(), is(1));

        var e = assertThrows(ReservationNotActiveException.class, () -> inventory.commit(reservation.reservationId()));
        assertThat(e.status(), is(Status.EXPIRED));
        assertThat(inventory.level(SPLIT).sold(), is(0));
    }

    @Test
    void commitAfterTheDeadlineIsRefusedEvenBeforeTheSweep() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        clock.advance(TTL);

        var e = assertThrows(ReservationNotActiveException.class, () -> inventory.commit(reservation.reservationId()));
        assertThat(e.status(), is(Status.EXPIRED));
        assertThat(inventory.level(SPLIT).sold(), is(0));

        // The sweep still returns the stock and reports the expiry, once.
        assertThat(inventory.expireOverdue(TestBounds.BATCH).stream().map(Reservation::reservationId).toList(),
                contains(reservation.reservationId()));
        assertThat(inventory.level(SPLIT).available(), is(60));
    }

    @Test
    void commitJustBeforeTheDeadlineSucceeds() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        clock.advance(TTL.minusMillis(1));
        assertThat(inventory.commit(reservation.reservationId()).status(), is(Status.COMMITTED));
        clock.advance(Duration.ofMinutes(1));
        assertThat(inventory.expireOverdue(TestBounds.BATCH), is(empty()));
        assertThat(inventory.level(SPLIT).sold(), is(5));
    }

    @Test
    void releaseReturnsTheStock() {
        var reservation = inventory.reserve("order-1",
                List.of(new ItemRequest(SPLIT, 45), new ItemRequest(PAIR, 3)));

        assertThat(inventory.release(reservation.reservationId()), is(true));

        assertThat(inventory.reservation(reservation.reservationId()).map(Reservation::status),
                is(Optional.of(Status.RELEASED)));
        assertThat(line(SPLIT, US), is(new WarehouseLevel(US, 30, 0, 0, 30, 0)));
        assertThat(line(SPLIT, AP), is(new WarehouseLevel(AP, 20, 0, 0, 20, 0)));
        assertThat(inventory.level(PAIR).available(), is(10));
        assertThat(inventory.level(SPLIT).reserved(), is(0));
    }

    @Test
    void releaseIsIdempotent() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        assertThat(inventory.release(reservation.reservationId()), is(true));
        var after = inventory.levels();

        assertThat(inventory.release(reservation.reservationId()), is(false));
        assertThat(inventory.release("no-such-id"), is(false));
        assertThat(inventory.levels(), is(after));
    }

    @Test
    void releaseOfAnExpiredReservationChangesNothing() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        clock.advance(TTL);
        inventory.expireOverdue(TestBounds.BATCH);
        var after = inventory.levels();

        assertThat(inventory.release(reservation.reservationId()), is(false));
        assertThat(inventory.levels(), is(after));
        assertThat(inventory.reservation(reservation.reservationId()).map(Reservation::status),
                is(Optional.of(Status.EXPIRED)));
    }

    @Test
    void committedStockCannotBeReleased() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        inventory.commit(reservation.reservationId());

        var e = assertThrows(ReservationNotActiveException.class, () -> inventory.release(reservation.reservationId()));
        assertThat(e.status(), is(Status.COMMITTED));
        assertThat(inventory.level(SPLIT).sold(), is(5));
        assertThat(inventory.level(SPLIT).available(), is(55));
    }

    @Test
    void expiresReservationsWhoseDeadlineHasCome() {
        var early = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 5)));
        clock.advance(Duration.ofSeconds(10));
        var late = inventory.reserve("order-2", List.of(new ItemRequest(PAIR, 2)));
        var committed = inventory.reserve("order-3", List.of(new ItemRequest(SPLIT, 1)));
        inventory.commit(committed.reservationId());

        clock.advance(Duration.ofSeconds(20).minusMillis(1));
        assertThat(inventory.expireOverdue(TestBounds.BATCH), is(empty()));
        assertThat(inventory.level(SPLIT).reserved(), is(5));

        clock.advance(Duration.ofMillis(1)); // exactly early.expiresAt()
        assertThat(inventory.expireOverdue(TestBounds.BATCH), contains(early.withStatus(Status.EXPIRED)));
        assertThat(inventory.reservation(early.reservationId()).map(Reservation::status),
                is(Optional.of(Status.EXPIRED)));
        assertThat(inventory.level(SPLIT).reserved(), is(0));
        assertThat(inventory.level(SPLIT).available(), is(59));
        assertThat(inventory.level(PAIR).reserved(), is(2));
        assertThat(inventory.expireOverdue(TestBounds.BATCH), is(empty()));

        clock.advance(Duration.ofSeconds(10));
        assertThat(inventory.expireOverdue(TestBounds.BATCH), contains(late.withStatus(Status.EXPIRED)));
        assertThat(inventory.level(PAIR).available(), is(10));
        assertThat(inventory.reservation(committed.reservationId()).map(Reservation::status),
                is(Optional.of(Status.COMMITTED)));
    }

    @Test
    void expiresSeveralAtOnceEarliestFirst() {
        var first = inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 1)));
        clock.advance(Duration.ofSeconds(1));
        var second = inventory.reserve("order-2", List.of(new ItemRequest(SPLIT, 1)));
        clock.advance(Duration.ofSeconds(1));
        var third = inventory.reserve("order-3", List.of(new ItemRequest(SPLIT, 1)));
        clock.advance(TTL);

        assertThat(inventory.expireOverdue(TestBounds.BATCH).stream().map(Reservation::reservationId).toList(),
                contains(first.reservationId(), second.reservationId(), third.reservationId()));
        assertThat(inventory.level(SPLIT).available(), is(60));
    }

    @Test
    void restockFillsLowLinesUpToTheCeilingAndNoFurther() {
        // Sell 45 of SPLIT (left: eu 10, us 0, ap 5) and 4 of PAIR (left: eu 1, us 5).
        inventory.commit(inventory.reserve("order-1", List.of(new ItemRequest(SPLIT, 45))).reservationId());
        inventory.commit(inventory.reserve("order-2", List.of(new ItemRequest(PAIR, 4))).reservationId());

        assertThat(inventory.restock(8, 12), contains(
                new Restock(SPLIT, EU, 2, 12),
                new Restock(SPLIT, US, 8, 8),
                new Restock(SPLIT, AP, 7, 12),
                new Restock(PAIR, EU, 8, 9),
                new Restock(PAIR, US, 7, 12)));
        assertThat(inventory.restock(8, 12), contains(
                new Restock(SPLIT, US, 4, 12),
                new Restock(PAIR, EU, 3, 12)));
        assertThat(inventory.restock(8, 12), is(empty()));

        var level = inventory.level(SPLIT);
        assertThat(level.available(), is(36));
        assertThat(level.restocked(), is(21));
        assertThat(level.sold(), is(45));
        assertThat(line(SPLIT, US), is(new WarehouseLevel(US, 12, 0, 30, 30, 12)));
        assertBalanced(inventory.levels());
    }

    @Test
    void restockLeavesLinesAboveTheCeilingAlone() {
        var before = inventory.levels();
        assertThat(inventory.restock(100, 5), is(empty()));
        assertThat(inventory.levels(), is(before));

        var added = inventory.restock(100, 25);
        assertThat(added, contains(new Restock(SPLIT, EU, 15, 25), new Restock(SPLIT, AP, 5, 25),
                new Restock(PAIR, EU, 20, 25), new Restock(PAIR, US, 20, 25)));
        for (StockLevel level : inventory.levels()) {
            for (WarehouseLevel line : level.warehouses()) {
                assertThat(line.available(), lessThanOrEqualTo(Math.max(25, line.initial())));
            }
        }
        assertThat(line(SPLIT, US).available(), is(30));
        assertBalanced(inventory.levels());
    }

    @Test
    void restockDoesNotTouchReservedStock() {
        var reservation = inventory.reserve("order-1", List.of(new ItemRequest(PAIR, 10)));
        inventory.restock(3, 3);
        assertThat(inventory.level(PAIR).reserved(), is(10));
        assertThat(inventory.level(PAIR).available(), is(6));
        assertThat(inventory.release(reservation.reservationId()), is(true));
        assertThat(inventory.level(PAIR).available(), is(16));
        assertBalanced(inventory.levels());
    }

    @Test
    void forgetsTheOldestFinishedReservationsBeyondTheRetention() {
        long evictionsBefore = evictions("capacity");
        var small = new Inventory(catalog, clock, TTL, new Bounds(2, 1L << 20, Duration.ofHours(1)));
        var first = small.reserve("order-1", List.of(new ItemRequest(SPLIT, 1)));
        var second = small.reserve("order-2", List.of(new ItemRequest(SPLIT, 1)));
        var third = small.reserve("order-3", List.of(new ItemRequest(SPLIT, 1)));
        var active = small.reserve("order-4", List.of(new ItemRequest(SPLIT, 1)));
        small.commit(first.reservationId());
        small.release(second.reservationId());
        small.commit(third.reservationId());

        assertThat(small.reservation(first.reservationId()), is(Optional.empty()));
        assertThrows(ReservationNotFoundException.class, () -> small.commit(first.reservationId()));
        assertThat(small.release(first.reservationId()), is(false));
        assertThat(small.reservation(second.reservationId()).map(Reservation::status), is(Optional.of(Status.RELEASED)));
        assertThat(small.reservation(third.reservationId()).map(Reservation::status), is(Optional.of(Status.COMMITTED)));
        // Active reservations are never pruned.
        assertThat(small.reservation(active.reservationId()).map(Reservation::status), is(Optional.of(Status.RESERVED)));
        assertThat(small.level(SPLIT).sold(), is(2));
        assertThat(evictions("capacity"), is(evictionsBefore + 1));
        assertBalanced(small.levels());
    }

    @Test
    void forgetsTheOldestFinishedReservationsBeyondTheByteBudget() {
        var probe = inventory.reserve("probe", List.of(new ItemRequest(SPLIT, 1)));
        long each = BoundedStore.ENTRY_BYTES + Inventory.estimatedBytes(probe);
        var small = new Inventory(catalog, clock, TTL, new Bounds(1_000, 2 * each + each / 2, Duration.ofHours(1)));
        var first = small.reserve("order-1", List.of(new ItemRequest(SPLIT, 1)));
        var second = small.reserve("order-2", List.of(new ItemRequest(SPLIT, 1)));
        var third = small.reserve("order-3", List.of(new ItemRequest(SPLIT, 1)));

        small.release(first.reservationId());
        small.release(second.reservationId());
        small.release(third.reservationId());

        assertThat(small.reservation(first.reservationId()), is(Optional.empty()));
        assertThat(small.reservation(third.reservationId()).map(Reservation::status), is(Optional.of(Status.RELEASED)));
        assertThat(small.level(SPLIT).available(), is(60));
        inventory.release(probe.reservationId());
    }

    @Test
    void forgetsFinishedReservationsOlderThanTheMaximumAge() {
        long evictionsBefore = evictions("age");
        var small = new Inventory(catalog, clock, TTL, new Bounds(1_000, 1L << 20, Duration.ofMinutes(10)));
        var old = small.reserve("order-1", List.of(new ItemRequest(SPLIT, 1)));
        small.commit(old.reservationId());
        clock.advance(Duration.ofMinutes(5));
        var recent = small.reserve("order-2", List.of(new ItemRequest(SPLIT, 1)));
        small.commit(recent.reservationId());

        clock.advance(Duration.ofMinutes(5));

        assertThat(small.reservation(old.reservationId()), is(Optional.empty()));
        assertThrows(ReservationNotFoundException.class, () -> small.commit(old.reservationId()));
        assertThat(small.reservation(recent.reservationId()).map(Reservation::status),
                   is(Optional.of(Status.COMMITTED)));
        assertThat(evictions("age"), is(evictionsBefore + 1));
        assertThat("forgetting loses no stock", small.level(SPLIT).sold(), is(2));
        assertBalanced(small.levels());
    }

    @Test
    void theSweepExpiresAtMostItsBatchOldestFirst() {
        var overdue = new ArrayList<Reservation>();
        for (int i = 0; i < 5; i++) {
            overdue.add(inventory.reserve("order-" + i, List.of(new ItemRequest(SPLIT, 1))));
            clock.advance(Duration.ofMillis(1));
        }
        clock.advance(TTL);
        var fresh = inventory.reserve("order-fresh", List.of(new ItemRequest(SPLIT, 1)));

        assertThat(ids(inventory.expireOverdue(2)), contains(id(overdue, 0), id(overdue, 1)));
        assertThat(inventory.level(SPLIT).reserved(), is(4));
        assertThat(ids(inventory.expireOverdue(2)), contains(id(overdue, 2), id(overdue, 3)));
        assertThat(ids(inventory.expireOverdue(2)), contains(id(overdue, 4)));
        assertThat(inventory.expireOverdue(2), is(empty()));
        assertThat(inventory.reservation(fresh.reservationId()).map(Reservation::status),
                   is(Optional.of(Status.RESERVED)));
        assertThat(inventory.level(SPLIT).available(), is(59));
    }

    /** Prints what a finished reservation really retains; fails only if the estimate is far too low. */
    @Test
    void theByteEstimateOfAFinishedReservationIsNotTooLow() {
        var big = new Catalog(List.of(new Catalog.Entry(new Product(SPLIT, "Split product", SPLIT_PRICE),
                                                        Map.of(EU, 100_000, US, 100_000))));
        var store = new Inventory(big, clock, TTL, TestBounds.FINISHED);
        int entries = 5_000;
        long measured = RetainedHeap.perEntry(entries, i -> store.release(store.reserve(
                UUID.randomUUID().toString(), List.of(new ItemRequest(new String(SPLIT.toCharArray()), 1)))
                .reservationId()));
        long estimated = BoundedStore.ENTRY_BYTES + Inventory.estimatedBytes(
                store.reserve("ord_" + "0".repeat(32), List.of(new ItemRequest(SPLIT, 1))));
        RetainedHeap.report("finished reservations", measured, estimated);

        assertThat(measured, lessThanOrEqualTo(2 * estimated));
    }

    private static List<String> ids(List<Reservation> reservations) {
        return reservations.stream().map(Reservation::reservationId).toList();
    }

    private static String id(List<Reservation> reservations, int index) {
        return reservations.get(index).reservationId();
    }

    private static long evictions(String reason) {
        return MetricsProbe.counter("store_evictions_total", Map.of("store", "reservations", "reason", reason));
    }

    @Test
    void rejectsInvalidArguments() {
        assertThrows(IllegalArgumentException.class, () -> inventory.reserve("order-1", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ItemRequest(SPLIT, 0));
        assertThrows(IllegalArgumentException.class, () -> inventory.restock(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> new Inventory(catalog, clock, Duration.ZERO, TestBounds.FINISHED));
        var e = assertThrows(UnknownSkuException.class, () -> inventory.level("SKU-0404"));
        assertThat(e.sku(), is("SKU-0404"));
    }

    private WarehouseLevel line(String sku, String warehouse) {
        return inventory.level(sku).warehouses().stream()
                .filter(line -> line.warehouse().equals(warehouse))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line " + sku + "@" + warehouse));
    }
}
