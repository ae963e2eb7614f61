package dev.o11yshop.order;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.ProblemException;
import dev.o11yshop.observability.ShippedDefaults;
import io.helidon.config.Config;
import io.helidon.http.Status;

/**
 * {@code Idempotency-Key} handling: the first request with a key runs; a later one with the same key and the
 * same body gets the first one's final response without running again (no second reservation or charge); the
 * same key with another body is a 409. Concurrent duplicates wait for the first to finish. Only final outcomes
 * are remembered: a 503/504 leaves the key free so the client can retry.
 *
 * <p><b>Memory.</b> A key whose request is running is in {@code running}, never evicted: evicting it would let a
 * duplicate start a second checkout. That map is bounded by the requests in progress (admission control bounds them,
 * each within its budget). A finished key moves to {@code finished}, bounded by age, estimated bytes and count
 * ({@code order.idempotency.*}), the oldest evicted first and counted in
 * {@code store_evictions_total{store="idempotency_keys"}}. A key evicted from there is forgotten: a retry after
 * that runs afresh, so the age bound is the promised replay window, and under overload the byte bound may shorten it.
 */
final class IdempotencyKeys {
    /** Header carrying the key. */
    static final String HEADER = "Idempotency-Key";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** The {@code store} label. */
    static final String NAME = "idempotency_keys";
    /** The longest key {@link #VALID} allows: a string of 64 characters. */
    private static final long KEY_BYTES = BoundedStore.stringBytes("x".repeat(64));

    /** A response as sent: status and JSON body. */
    record StoredResponse(int status, byte[] body, String contentType) {
    }

    private record Entry(String fingerprint, CompletableFuture<StoredResponse> response) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Keys whose first request is running; guarded by {@link #lock}, as is every access to {@link #finished}. */
    private final Map<String, Entry> running = new HashMap<>();
    private final BoundedStore<String, Entry> finished;

    IdempotencyKeys(Bounds bounds, Clock clock) {
        this.finished = new BoundedStore<>(NAME, bounds, clock, IdempotencyKeys::estimatedBytes);
    }

    /** With the bounds configured under {@code order.idempotency} ({@code ORDER_IDEMPOTENCY_MAX_BYTES}, ...). */
    static IdempotencyKeys from(Config config, Clock clock) {
        return new IdempotencyKeys(Bounds.from(ShippedDefaults.of(config, IdempotencyKeys.class), "order.idempotency"),
                                   clock);
    }

    static void validate(String key) {
        if (!VALID.matcher(key).matches()) {
            throw ProblemException.invalidField(HEADER, "must be 1 to 64 characters of [A-Za-z0-9._:-]");
        }
    }

    /** SHA-256 of the body, so that no card number is kept. */
    static String fingerprint(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * Runs {@code work} once per key; see the class comment. {@code work} returns the response to remember, or
     * throws to leave the key free.
     */
    StoredResponse execute(String key, String fingerprint, Duration wait, Supplier<StoredResponse> work) {
        Entry mine = new Entry(fingerprint, new CompletableFuture<>());
        Entry existing;
        lock.lock();
        try {
            existing = running.get(key);
            if (existing == null) {
                existing = finished.get(key);
            }
            if (existing == null) {
                running.put(key, mine);
            }
        } finally {
            lock.unlock();
        }
        if (existing != null) {
            if (!existing.fingerprint().equals(fingerprint)) {
                throw ProblemException.conflict("idempotency-key-reused", "Idempotency key reused",
                                                "this Idempotency-Key was used with a different request body");
            }
            return awaitOriginal(existing, wait);
        }
        try {
            StoredResponse response = work.get();
            // Completed first, so that it is weighed with its body; a duplicate meanwhile finds it in running.
            mine.response().complete(response);
            lock.lock();
            try {
                running.remove(key, mine);
                finished.put(key, mine);
            } finally {
                lock.unlock();
            }
            return response;
        } catch (RuntimeException | Error e) {
            lock.lock();
            try {
                running.remove(key, mine);
            } finally {
                lock.unlock();
            }
            mine.response().completeExceptionally(e);
            throw e;
        }
    }

    /** Keys whose first request is still running (never evicted). */
    int running() {
        lock.lock();
        try {
            return running.size();
        } finally {
            lock.unlock();
        }
    }

    /** Estimated bytes of the finished keys remembered. */
    long finishedBytes() {
        lock.lock();
        try {
            return finished.bytes();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Estimated heap of a finished key beyond the map entry (measured in {@code IdempotencyKeysTest}): the key (up to
     * 64 characters), the entry, its fingerprint (64 hex digits), its completed future and the response with its body.
     */
    private static long estimatedBytes(Entry entry) {
        return KEY_BYTES + 16 + BoundedStore.stringBytes(entry.fingerprint()) + 24 + 24
               + BoundedStore.align(16 + entry.response().join().body().length);
    }

    private static StoredResponse awaitOriginal(Entry existing, Duration wait) {
        try {
            return existing.response().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new ProblemException(Status.CONFLICT_409, "idempotent-request-failed", "Original request failed",
                                       "the first request with this Idempotency-Key failed; retry it", List.of());
        } catch (TimeoutException e) {
            throw new ProblemException(Status.CONFLICT_409, "idempotent-request-in-progress", "Request in progress",
                                       "a request with this Idempotency-Key is still being processed", List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the original request", e);
        }
    }
}
