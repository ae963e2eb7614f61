package dev.o11yshop.order;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.ManualClock;
import dev.o11yshop.observability.MetricsProbe;
import dev.o11yshop.observability.ProblemException;
import dev.o11yshop.observability.RetainedHeap;
import dev.o11yshop.order.IdempotencyKeys.StoredResponse;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final String FINGERPRINT = IdempotencyKeys.fingerprint("{}".getBytes(StandardCharsets.UTF_8));

    private final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void beyondTheCapacityTheOldestFinishedKeysAreForgotten() {
        long before = evictions("capacity");
        IdempotencyKeys keys = new IdempotencyKeys(new Bounds(2, 1L << 20, HOUR), clock);
        run(keys, "k1");
        run(keys, "k2");
        run(keys, "k3");

        run(keys, "k3");
        run(keys, "k2");
        assertThat("k2 and k3 replayed", runs.get(), is(3));
        run(keys, "k1");
        assertThat("k1 was forgotten and ran again", runs.get(), is(4));
        assertThat(evictions("capacity"), is(before + 2));
    }

    @Test
    void beyondTheByteBudgetTheOldestFinishedKeysAreForgotten() {
        // Each entry weighs some hundreds of bytes plus its 10 KiB body: two fit in 25 KiB, three do not.
        IdempotencyKeys keys = new IdempotencyKeys(new Bounds(1_000, 25 << 10, HOUR), clock);
        run(keys, "k1", 10 << 10);
        run(keys, "k2", 10 << 10);
        run(keys, "k3", 10 << 10);

        run(keys, "k3", 10 << 10);
        run(keys, "k2", 10 << 10);
        assertThat(runs.get(), is(3));
        run(keys, "k1", 10 << 10);
        assertThat(runs.get(), is(4));
    }

    @Test
    void finishedKeysOlderThanTheMaximumAgeAreForgotten() {
        long before = evictions("age");
        IdempotencyKeys keys = new IdempotencyKeys(new Bounds(1_000, 1L << 20, Duration.ofMinutes(10)), clock);
        run(keys, "old");
        clock.advance(Duration.ofMinutes(5));
        run(keys, "recent");
        clock.advance(Duration.ofMinutes(5));

        run(keys, "recent");
        assertThat("recent replayed", runs.get(), is(2));
        run(keys, "old");
        assertThat("old forgotten, ran again", runs.get(), is(3));
        assertThat(evictions("age"), is(before + 1));
    }

    /** However many keys finish meanwhile, and however long it takes, a running key is never evicted. */
    @Test
    void aKeyWhoseRequestRunsIsNeverEvicted() throws Exception {
        IdempotencyKeys keys = new IdempotencyKeys(new Bounds(1, 1L << 20, Duration.ofMinutes(1)), clock);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<StoredResponse> first = CompletableFuture.supplyAsync(
                () -> keys.execute("slow", FINGERPRINT, WAIT, () -> {
                    started.countDown();
                    await(release);
                    return response(runs.incrementAndGet(), 10);
                }));
        assertThat(started.await(5, TimeUnit.SECONDS), is(true));

        run(keys, "a");
        run(keys, "b");
        clock.advance(Duration.ofMinutes(2));
        run(keys, "c");
        assertThat(keys.running(), is(1));
        assertThat("a duplicate of the running key is still told it runs, and does not run",
                   assertThrows(ProblemException.class, () -> keys.execute("slow", FINGERPRINT, Duration.ofMillis(50),
                                                                         this::fresh)).slug(),
                   is("idempotent-request-in-progress"));

        release.countDown();
        StoredResponse original = first.get(5, TimeUnit.SECONDS);
        assertThat(keys.execute("slow", FINGERPRINT, WAIT, this::fresh), is(original));
        assertThat(keys.running(), is(0));
    }

    /** Prints what a finished key with a typical 201 body really retains; fails only if the estimate is far too low. */
    @Test
    void theByteEstimateOfAFinishedKeyIsNotTooLow() {
        IdempotencyKeys keys = new IdempotencyKeys(new Bounds(100_000, 1L << 30, HOUR), clock);
        int entries = 5_000;
        int body = 400;
        long measured = RetainedHeap.perEntry(entries, i -> keys.execute(
                "key-" + i + "-" + "x".repeat(40), IdempotencyKeys.fingerprint(new byte[] {(byte) i}), WAIT,
                () -> response(i, body)));
        // The estimate charges every key its longest length (64), so it is compared at about the measured length.
        IdempotencyKeys one = new IdempotencyKeys(new Bounds(1, 1L << 30, HOUR), clock);
        long estimated = weighOne(one, body);
        RetainedHeap.report("idempotency keys", measured, estimated);

        assertThat(measured, lessThanOrEqualTo(2 * estimated));
    }

    private long weighOne(IdempotencyKeys keys, int body) {
        // The store's own accounting: bytes() after one entry is its estimate.
        keys.execute("k", FINGERPRINT, WAIT, () -> response(0, body));
        return keys.finishedBytes();
    }

    private void run(IdempotencyKeys keys, String key) {
        run(keys, key, 10);
    }

    private void run(IdempotencyKeys keys, String key, int bodyBytes) {
        keys.execute(key, FINGERPRINT, WAIT, () -> response(runs.incrementAndGet(), bodyBytes));
    }

    private StoredResponse fresh() {
        return response(runs.incrementAndGet(), 10);
    }

    private static StoredResponse response(int run, int bodyBytes) {
        byte[] body = new byte[bodyBytes];
        body[0] = (byte) run;
        return new StoredResponse(201, body, "application/json");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static long evictions(String reason) {
        return MetricsProbe.counter("store_evictions_total",
                                    Map.of("store", IdempotencyKeys.NAME, "reason", reason));
    }
}
