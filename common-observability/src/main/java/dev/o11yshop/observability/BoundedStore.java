package dev.o11yshop.observability;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

import io.helidon.metrics.api.Counter;

/**
 * An in-memory map that stays bounded in a long run and under overload: by age, by an estimate of the heap it
 * retains, and by a count. Entries are kept in insertion order, so the oldest is always first: an entry older than
 * {@link Bounds#maxAge()} is gone (swept on every access, O(1) amortised, no background thread), and while the store
 * is over {@link Bounds#maxBytes()} or {@link Bounds#capacity()} the oldest is evicted. Every eviction is counted
 * in {@code store_evictions_total{store, reason}} ({@code reason} is {@code age} or {@code capacity}; both series
 * exist from construction). Thread-safe; a {@link ReentrantLock} so that a virtual thread never pins its carrier.
 *
 * <p>Sizes are estimates given by the owner ({@link #stringBytes(String)} and {@link #ENTRY_BYTES} help): a byte
 * budget is an honest upper bound of what the store retains, not an exact accounting.
 *
 * @param <K> key
 * @param <V> value
 */
public final class BoundedStore<K, V> {
    /** Retained size of one map entry beyond its value: the map's node and table slot, and the age and size kept. */
    public static final long ENTRY_BYTES = 96;

    private static final MeterFamily<Counter> EVICTIONS = MeterFamily.counter(
            "store_evictions_total", "Entries evicted from an in-memory store, by store and reason (age, capacity)",
            "store", "reason");

    /** Why an entry was evicted: the {@code reason} label. */
    public enum Reason {
        /** Older than {@link Bounds#maxAge()}. */
        AGE,
        /** The store was over {@link Bounds#maxBytes()} or {@link Bounds#capacity()}. */
        CAPACITY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The bounds of one store: every one applies.
     *
     * @param capacity at most this many entries
     * @param maxBytes at most this many bytes of heap, as estimated by the store's weigher
     * @param maxAge   no entry is kept longer than this
     */
    public record Bounds(int capacity, long maxBytes, Duration maxAge) {
        public Bounds {
            Objects.requireNonNull(maxAge, "maxAge");
            if (capacity < 1 || maxBytes < 1 || !maxAge.isPositive()) {
                throw new IllegalArgumentException("capacity, max bytes and max age must be positive, got "
                                                   + capacity + ", " + maxBytes + ", " + maxAge);
            }
        }

        /** Reads {@code <prefix>.capacity}, {@code <prefix>.max.bytes} and {@code <prefix>.max.age.ms}. */
        public static Bounds from(ShippedDefaults config, String prefix) {
            return new Bounds(config.get(prefix + ".capacity").asInt().get(),
                              config.get(prefix + ".max.bytes").asLong().get(),
                              Duration.ofMillis(config.get(prefix + ".max.age.ms").asLong().get()));
        }
    }

    private record Slot<V>(V value, long bytes, long storedAtMillis) {
    }

    private final Bounds bounds;
    private final Clock clock;
    private final ToLongFunction<? super V> weigher;
    private final BiConsumer<? super K, ? super V> onEvict;
    private final Counter agedOut;
    private final Counter overCapacity;
    private final ReentrantLock lock = new ReentrantLock();
    /** Insertion order is age order: the first entry is the oldest. */
    private final LinkedHashMap<K, Slot<V>> slots = new LinkedHashMap<>();
    private long bytes;

    /**
     * @param name    the {@code store} label: a fixed name such as {@code orders}
     * @param weigher estimated bytes a value retains, beyond {@link #ENTRY_BYTES}
     * @param onEvict told of each evicted entry, while the store's lock is held: it must be quick and must not call
     *                back into this store (owners use it to drop secondary indexes)
     */
    public BoundedStore(String name, Bounds bounds, Clock clock, ToLongFunction<? super V> weigher,
                        BiConsumer<? super K, ? super V> onEvict) {
        this.bounds = Objects.requireNonNull(bounds, "bounds");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.weigher = Objects.requireNonNull(weigher, "weigher");
        this.onEvict = Objects.requireNonNull(onEvict, "onEvict");
        this.agedOut = EVICTIONS.labels(name, Reason.AGE.label());
        this.overCapacity = EVICTIONS.labels(name, Reason.CAPACITY.label());
    }

    public BoundedStore(String name, Bounds bounds, Clock clock, ToLongFunction<? super V> weigher) {
        this(name, bounds, clock, weigher, (key, value) -> { });
    }

    /**
     * Stores {@code value} as the newest entry (a replaced one moves to the end and is not counted as evicted), then
     * evicts the oldest while over a bound: a value larger than the whole budget is not kept.
     *
     * @return the value replaced, or null
     */
    public V put(K key, V value) {
        Objects.requireNonNull(value, "value");
        lock.lock();
        try {
            long now = clock.millis();
            evictOlderThan(now);
            Slot<V> old = slots.remove(key);
            if (old != null) {
                bytes -= old.bytes();
            }
            Slot<V> slot = new Slot<>(value, ENTRY_BYTES + weigher.applyAsLong(value), now);
            slots.put(key, slot);
            bytes += slot.bytes();
            while (!slots.isEmpty() && (slots.size() > bounds.capacity() || bytes > bounds.maxBytes())) {
                evictOldest(Reason.CAPACITY);
            }
            return old == null ? null : old.value();
        } finally {
            lock.unlock();
        }
    }

    /** The value of {@code key}, or null if there is none or it has aged out. */
    public V get(K key) {
        lock.lock();
        try {
            evictOlderThan(clock.millis());
            Slot<V> slot = slots.get(key);
            return slot == null ? null : slot.value();
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code key} (not an eviction: the owner decided). */
    public V remove(K key) {
        lock.lock();
        try {
            Slot<V> slot = slots.remove(key);
            if (slot == null) {
                return null;
            }
            bytes -= slot.bytes();
            return slot.value();
        } finally {
            lock.unlock();
        }
    }

    /** Up to {@code limit} values, newest first: O(limit). */
    public List<V> newest(int limit) {
        lock.lock();
        try {
            evictOlderThan(clock.millis());
            List<V> result = new ArrayList<>(Math.min(limit, slots.size()));
            Iterator<Slot<V>> newestFirst = slots.sequencedValues().reversed().iterator();
            while (result.size() < limit && newestFirst.hasNext()) {
                result.add(newestFirst.next().value());
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Evicts what has aged out; the owner calls it where a read bypasses the store (a secondary index). */
    public void evictExpired() {
        lock.lock();
        try {
            evictOlderThan(clock.millis());
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return slots.size();
        } finally {
            lock.unlock();
        }
    }

    /** The estimated bytes retained, never more than {@link Bounds#maxBytes()}. */
    public long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Estimated retained bytes of a string of Latin-1 characters (what ids, skus and hashes are): the object and its
     * byte array, each with a 16-byte header and 8-byte alignment. 0 for null (and a shared constant costs nothing:
     * the caller leaves it out).
     */
    public static long stringBytes(String value) {
        return value == null ? 0 : 24 + align(16 + value.length());
    }

    /** {@code bytes} rounded up to the JVM's 8-byte object alignment. */
    public static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    // With the lock held.

    private void evictOlderThan(long nowMillis) {
        long maxAgeMillis = bounds.maxAge().toMillis();
        while (!slots.isEmpty() && nowMillis - slots.firstEntry().getValue().storedAtMillis() >= maxAgeMillis) {
            evictOldest(Reason.AGE);
        }
    }

    private void evictOldest(Reason reason) {
        Map.Entry<K, Slot<V>> oldest = slots.pollFirstEntry();
        bytes -= oldest.getValue().bytes();
        (reason == Reason.AGE ? agedOut : overCapacity).increment();
        onEvict.accept(oldest.getKey(), oldest.getValue().value());
    }
}
