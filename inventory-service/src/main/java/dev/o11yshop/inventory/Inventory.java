package dev.o11yshop.inventory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import dev.o11yshop.inventory.Reservation.Status;
import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;

/**
 * The stock keeper: reservations, commits, releases, expiry and replenishment.
 *
 * <p>One lock guards all stock and reservation state, so every operation, including the reads,
 * sees and leaves a state in which, for every warehouse line (and hence every sku),
 * {@code available + reserved + sold == initial + restocked}. Operations are short and in memory,
 * so a single lock is cheap enough and keeps correctness obvious. It is a {@link ReentrantLock}
 * rather than {@code synchronized} because on Java 21 a virtual thread blocked on a monitor pins
 * its carrier, and Helidon serves requests on virtual threads.
 *
 * <p>Memory stays bounded in a long run and under overload. Active reservations hold at least one
 * unit each, so there are never more of them (nor of their items) than units in stock, which
 * restocking never raises above the ceiling; and none outlives its TTL by more than a sweep. They
 * are kept in creation order, which is expiry order (one TTL for all), so a sweep takes overdue
 * ones from the head, at most a batch per lock hold, without scanning the rest. Finished ones
 * (committed, released, expired) are kept within {@link Bounds} of count, estimated bytes and age,
 * the oldest pruned first and counted in {@code store_evictions_total{store="reservations"}}; their
 * stock was settled when they finished, so pruning never loses stock. A pruned reservation is
 * unknown: commit throws {@link ReservationNotFoundException}, release returns {@code false}.
 */
public final class Inventory {
    /** The {@code store} label of the finished reservations. */
    static final String FINISHED_STORE = "reservations";

    /** Stock of one sku in one warehouse. Mutated only while holding {@link #lock}. */
    private static final class Line {
        final String warehouse;
        final int initial;
        int available;
        int reserved;
        int sold;
        int restocked;

        Line(String warehouse, int initial) {
            this.warehouse = warehouse;
            this.initial = initial;
            this.available = initial;
        }
    }

    private final Catalog catalog;
    private final Clock clock;
    private final Duration ttl;

    private final ReentrantLock lock = new ReentrantLock();
    /** sku → warehouse → line, both in catalog order; the structure never changes after construction. */
    private final Map<String, Map<String, Line>> lines = new LinkedHashMap<>();
    /** In creation order, which is expiry order: the sweep looks at the head only. */
    private final LinkedHashMap<String, Reservation> active = new LinkedHashMap<>();
    /** Kept for idempotent commit and release; its lock nests inside {@link #lock}, and it is only used under it. */
    private final BoundedStore<String, Reservation> finished;

    /**
     * @param finishedBounds how many finished reservations are remembered, in how many bytes, for how long
     */
    public Inventory(Catalog catalog, Clock clock, Duration ttl, Bounds finishedBounds) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        this.finished = new BoundedStore<>(FINISHED_STORE, finishedBounds, clock, Inventory::estimatedBytes);
        for (Catalog.Entry entry : catalog.entries()) {
            var byWarehouse = new LinkedHashMap<String, Line>();
            entry.initialStock().forEach((warehouse, quantity) -> byWarehouse.put(warehouse, new Line(warehouse, quantity)));
            lines.put(entry.product().sku(), byWarehouse);
        }
    }

    /**
     * Reserves every item or nothing. Quantities of a sku listed twice are added up; each sku is
     * taken from the warehouse with the most available first, split over warehouses if needed.
     *
     * @throws UnknownSkuException        for the first sku not in the catalog
     * @throws InsufficientStockException for the first sku (in request order) with too little stock
     */
    public Reservation reserve(String orderId, List<ItemRequest> items) {
        Objects.requireNonNull(orderId, "orderId");
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a reservation needs at least one item");
        }
        var wanted = new LinkedHashMap<String, Integer>();
        for (ItemRequest item : items) {
            if (!lines.containsKey(item.sku())) {
                throw new UnknownSkuException(item.sku());
            }
            wanted.merge(item.sku(), item.quantity(), Math::addExact);
        }
        lock.lock();
        try {
            // Check everything before taking anything: that is what makes the reservation atomic.
            wanted.forEach((sku, quantity) -> {
                int available = available(sku);
                if (available < quantity) {
                    throw new InsufficientStockException(sku, quantity, available);
                }
            });
            var reserved = new ArrayList<ReservedItem>();
            wanted.forEach((sku, quantity) -> allocate(sku, quantity, reserved));
            var reservation = new Reservation(UUID.randomUUID().toString(), orderId, reserved,
                    clock.instant().plus(ttl), Status.RESERVED);
            active.put(reservation.reservationId(), reservation);
            return reservation;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Turns reserved stock into sold stock. Committing a committed reservation returns it unchanged.
     * A reservation past its {@code expiresAt} cannot be committed even before {@link #expireOverdue()}
     * has returned its stock: the client was promised that deadline.
     *
     * @throws ReservationNotFoundException  if the id is unknown
     * @throws ReservationNotActiveException if it was released or has expired
     */
    public Reservation commit(String reservationId) {
        return commitReporting(reservationId).reservation();
    }

    /**
     * The outcome of {@link #commitReporting(String)}.
     *
     * @param reservation the committed reservation
     * @param committedNow {@code true} if this call committed it, {@code false} if it already was
     */
    public record Commit(Reservation reservation, boolean committedNow) {
    }

    /**
     * {@link #commit(String)}, also saying whether this call made the transition, so that a caller
     * can count each commit once although commit is idempotent.
     *
     * @throws ReservationNotFoundException  if the id is unknown
     * @throws ReservationNotActiveException if it was released or has expired
     */
    public Commit commitReporting(String reservationId) {
        lock.lock();
        try {
            Reservation reservation = active.get(reservationId);
            if (reservation != null) {
                if (isOverdue(reservation, clock.instant())) {
                    // The stock goes back in the next sweep, so that every expiry is reported there.
                    throw new ReservationNotActiveException(reservationId, Status.EXPIRED);
                }
                return new Commit(finish(reservation, Status.COMMITTED), true);
            }
            Reservation done = finished.get(reservationId);
            if (done == null) {
                throw new ReservationNotFoundException(reservationId);
            }
            if (done.status() != Status.COMMITTED) {
                throw new ReservationNotActiveException(reservationId, done.status());
            }
            return new Commit(done, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns reserved stock to available.
     *
     * @return {@code true} if this call released it; {@code false} if it was already released or
     *         expired, or is unknown (release is idempotent, as {@code DELETE} must be)
     * @throws ReservationNotActiveException if it was committed: sold stock is not given back
     */
    public boolean release(String reservationId) {
        lock.lock();
        try {
            Reservation reservation = active.get(reservationId);
            if (reservation != null) {
                finish(reservation, Status.RELEASED);
                return true;
            }
            Reservation done = finished.get(reservationId);
            if (done != null && done.status() == Status.COMMITTED) {
                throw new ReservationNotActiveException(reservationId, Status.COMMITTED);
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Expires up to {@code limit} overdue reservations, oldest first, returning their stock: bounded
     * work under the lock, however many are overdue. The head is the earliest deadline; should the
     * clock step back, a later one can wait for the head, which delays its expiry but never its
     * refusal to commit.
     *
     * @return the reservations expired by this call, earliest deadline first; fewer than
     *         {@code limit} when no more are overdue
     */
    public List<Reservation> expireOverdue(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        lock.lock();
        try {
            Instant now = clock.instant();
            var overdue = new ArrayList<Reservation>();
            for (Reservation reservation : active.values()) {
                if (overdue.size() == limit || !isOverdue(reservation, now)) {
                    break;
                }
                overdue.add(reservation);
            }
            return overdue.stream().map(reservation -> finish(reservation, Status.EXPIRED)).toList();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replenishes stock so that a long demo never drains: every warehouse line whose available
     * stock is below {@code ceiling} gets up to {@code unitsPerWarehouse} more, never past the
     * ceiling.
     *
     * @return what was added, in sku and warehouse order; lines that got nothing are left out
     */
    public List<Restock> restock(int unitsPerWarehouse, int ceiling) {
        if (unitsPerWarehouse < 0 || ceiling < 0) {
            throw new IllegalArgumentException("unitsPerWarehouse and ceiling must not be negative");
        }
        lock.lock();
        try {
            var added = new ArrayList<Restock>();
            lines.forEach((sku, byWarehouse) -> byWarehouse.values().forEach(line -> {
                int units = Math.min(unitsPerWarehouse, ceiling - line.available);
                if (units > 0) {
                    // Overflow check first, so that a failure cannot leave the line unbalanced.
                    line.restocked = Math.addExact(line.restocked, units);
                    line.available += units;
                    added.add(new Restock(sku, line.warehouse, units, line.available));
                }
            }));
            return added;
        } finally {
            lock.unlock();
        }
    }

    /** A consistent snapshot of one sku's stock. */
    public StockLevel level(String sku) {
        Map<String, Line> byWarehouse = lines.get(sku);
        if (byWarehouse == null) {
            throw new UnknownSkuException(sku);
        }
        lock.lock();
        try {
            return snapshot(sku, byWarehouse);
        } finally {
            lock.unlock();
        }
    }

    /** A consistent snapshot of all stock (taken at one instant), in sku order. */
    public List<StockLevel> levels() {
        lock.lock();
        try {
            return lines.entrySet().stream().map(e -> snapshot(e.getKey(), e.getValue())).toList();
        } finally {
            lock.unlock();
        }
    }

    /** The reservation, active or finished, unless it is unknown or has been pruned. */
    public Optional<Reservation> reservation(String reservationId) {
        lock.lock();
        try {
            Reservation reservation = active.get(reservationId);
            return Optional.ofNullable(reservation != null ? reservation : finished.get(reservationId));
        } finally {
            lock.unlock();
        }
    }

    // Everything below runs with the lock held.

    private int available(String sku) {
        return lines.get(sku).values().stream().mapToInt(line -> line.available).sum();
    }

    /** Takes from the fullest warehouse first; ties go to catalog order (the sort is stable). */
    private void allocate(String sku, int quantity, List<ReservedItem> into) {
        var unitPrice = catalog.product(sku).orElseThrow().unitPrice();
        List<Line> fullestFirst = lines.get(sku).values().stream()
                .sorted(Comparator.comparingInt((Line line) -> line.available).reversed())
                .toList();
        int remaining = quantity;
        for (Line line : fullestFirst) {
            int taken = Math.min(remaining, line.available);
            if (taken > 0) {
                line.available -= taken;
                line.reserved += taken;
                into.add(new ReservedItem(sku, taken, unitPrice, line.warehouse));
                remaining -= taken;
            }
        }
        if (remaining != 0) {
            throw new IllegalStateException("allocation of " + sku + " short by " + remaining + " after check");
        }
    }

    private Reservation finish(Reservation reservation, Status status) {
        for (ReservedItem item : reservation.items()) {
            Line line = lines.get(item.sku()).get(item.warehouse());
            line.reserved -= item.quantity();
            if (status == Status.COMMITTED) {
                line.sold += item.quantity();
            } else {
                line.available += item.quantity();
            }
        }
        Reservation done = reservation.withStatus(status);
        active.remove(done.reservationId());
        finished.put(done.reservationId(), done);
        return done;
    }

    /**
     * Estimated heap a finished reservation retains beyond the map entry (measured in
     * {@code InventoryTest}): the record, its two ids, deadline and item list, each item with its sku
     * (the price and warehouse are the catalog's, shared).
     */
    static long estimatedBytes(Reservation reservation) {
        long items = 0;
        for (ReservedItem item : reservation.items()) {
            items += 32 + 8 + BoundedStore.stringBytes(item.sku());
        }
        return 32 + BoundedStore.stringBytes(reservation.reservationId())
               + BoundedStore.stringBytes(reservation.orderId()) + 24 + 24 + items;
    }

    private static boolean isOverdue(Reservation reservation, Instant now) {
        return !reservation.expiresAt().isAfter(now);
    }

    private static StockLevel snapshot(String sku, Map<String, Line> byWarehouse) {
        var warehouses = byWarehouse.values().stream()
                .map(line -> new StockLevel.WarehouseLevel(line.warehouse, line.available, line.reserved,
                        line.sold, line.initial, line.restocked))
                .toList();
        return new StockLevel(sku,
                warehouses.stream().mapToInt(StockLevel.WarehouseLevel::available).sum(),
                warehouses.stream().mapToInt(StockLevel.WarehouseLevel::reserved).sum(),
                warehouses.stream().mapToInt(StockLevel.WarehouseLevel::sold).sum(),
                warehouses.stream().mapToInt(StockLevel.WarehouseLevel::initial).sum(),
                warehouses.stream().mapToInt(StockLevel.WarehouseLevel::restocked).sum(),
                warehouses);
    }
}
