package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.o11yshop.observability.BoundedStore.Bounds;
import org.junit.jupiter.api.Test;

class BoundedStoreTest {
    private static final Duration HOUR = Duration.ofHours(1);
    /** Every value weighs 100 bytes beyond the entry. */
    private static final long WEIGHT = BoundedStore.ENTRY_BYTES + 100;

    private final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final List<String> evicted = new ArrayList<>();

    private BoundedStore<String, String> store(String name, Bounds bounds) {
        return new BoundedStore<>(name, bounds, clock, value -> 100, (key, value) -> evicted.add(key));
    }

    @Test
    void beyondTheCapacityTheOldestAreEvicted() {
        var store = store("test_capacity", new Bounds(3, 1L << 20, HOUR));
        long before = evictions("test_capacity", "capacity");

        for (String key : List.of("a", "b", "c", "d", "e")) {
            store.put(key, key);
        }

        assertThat(store.get("a"), is(nullValue()));
        assertThat(store.get("b"), is(nullValue()));
        assertThat(store.newest(10), contains("e", "d", "c"));
        assertThat(evicted, contains("a", "b"));
        assertThat(evictions("test_capacity", "capacity"), is(before + 2));
        assertThat(store.bytes(), is(3 * WEIGHT));
    }

    @Test
    void beyondTheByteBudgetTheOldestAreEvicted() {
        var store = store("test_bytes", new Bounds(1_000, 2 * WEIGHT + 1, HOUR));
        long before = evictions("test_bytes", "capacity");

        store.put("a", "a");
        store.put("b", "b");
        store.put("c", "c");

        assertThat(store.size(), is(2));
        assertThat(store.get("a"), is(nullValue()));
        assertThat(store.newest(10), contains("c", "b"));
        assertThat(evictions("test_bytes", "capacity"), is(before + 1));
        assertThat(store.bytes(), is(2 * WEIGHT));
    }

    @Test
    void aValueLargerThanTheWholeBudgetIsNotKept() {
        var store = store("test_huge", new Bounds(10, WEIGHT - 1, HOUR));

        store.put("a", "a");

        assertThat(store.size(), is(0));
        assertThat(store.bytes(), is(0L));
        assertThat(evicted, contains("a"));
    }

    @Test
    void entriesOlderThanTheMaximumAgeAreEvictedOnTheNextAccess() {
        var store = store("test_age", new Bounds(100, 1L << 20, Duration.ofMinutes(10)));
        long before = evictions("test_age", "age");
        store.put("old", "old");
        clock.advance(Duration.ofMinutes(5));
        store.put("new", "new");

        clock.advance(Duration.ofMinutes(5).minusMillis(1));
        assertThat(store.get("old"), is("old"));
        clock.advance(Duration.ofMillis(1));

        assertThat(store.get("old"), is(nullValue()));
        assertThat(store.get("new"), is("new"));
        assertThat(evicted, contains("old"));
        assertThat(evictions("test_age", "age"), is(before + 1));
        assertThat(store.bytes(), is(WEIGHT));
    }

    @Test
    void aReplacedValueBecomesTheNewestAndIsNoEviction() {
        var store = store("test_replace", new Bounds(2, 1L << 20, HOUR));
        store.put("a", "a1");
        store.put("b", "b");

        assertThat(store.put("a", "a2"), is("a1"));
        store.put("c", "c");

        assertThat(store.newest(10), contains("c", "a2"));
        assertThat(evicted, contains("b"));
        assertThat(store.remove("a"), is("a2"));
        assertThat(store.bytes(), is(WEIGHT));
    }

    @Test
    void bothSeriesAreExposedFromTheStart() {
        store("test_series", new Bounds(1, 1, HOUR));

        assertThat(MetricsProbe.meters("store_evictions_total", Map.of("store", "test_series", "reason", "age")).size(),
                   is(1));
        assertThat(MetricsProbe.meters("store_evictions_total",
                                       Map.of("store", "test_series", "reason", "capacity")).size(), is(1));
    }

    @Test
    void concurrentWritersNeverTakeItPastItsBounds() throws Exception {
        var store = new BoundedStore<String, String>("test_concurrent", new Bounds(500, 300 * WEIGHT, HOUR), clock,
                                                     value -> 100);
        long before = evictions("test_concurrent", "capacity");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int writer = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        store.put(writer + "-" + i, "v");
                        assertThat(store.bytes(), lessThanOrEqualTo(300 * WEIGHT));
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(store.size(), is(300));
        assertThat(store.bytes(), is(300 * WEIGHT));
        assertThat(evictions("test_concurrent", "capacity"), is(before + 8_000 - 300));
        for (int t = 0; t < 8; t++) {
            // Oldest first: of each writer's entries, those kept are its newest (a tail ending at its last one).
            boolean kept = false;
            for (int i = 0; i < 1_000; i++) {
                boolean present = store.get(t + "-" + i) != null;
                assertThat("writer " + t + " entry " + i + " evicted after a newer one was kept", kept && !present,
                           is(false));
                kept |= present;
            }
        }
    }

    @Test
    void rejectsBoundsThatBoundNothing() {
        assertThrows(IllegalArgumentException.class, () -> new Bounds(0, 1, HOUR));
        assertThrows(IllegalArgumentException.class, () -> new Bounds(1, 0, HOUR));
        assertThrows(IllegalArgumentException.class, () -> new Bounds(1, 1, Duration.ZERO));
    }

    private static long evictions(String store, String reason) {
        return MetricsProbe.counter("store_evictions_total", Map.of("store", store, "reason", reason));
    }
}
