package dev.o11yshop.order;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.o11yshop.observability.ProblemException;
import io.helidon.http.Status;

/**
 * {@code Idempotency-Key} handling: the first request with a key runs; a later one with the same key and the
 * same body gets the first one's final response without running again (no second reservation or charge); the
 * same key with another body is a 409. Concurrent duplicates wait for the first to finish. Only final outcomes
 * are remembered: a 503/504 leaves the key free so the client can retry. Keys are bounded in number.
 */
final class IdempotencyKeys {
    /** Header carrying the key. */
    static final String HEADER = "Idempotency-Key";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final int CAPACITY = 100_000;

    /** A response as sent: status and JSON body. */
    record StoredResponse(int status, byte[] body, String contentType) {
    }

    private record Entry(String fingerprint, CompletableFuture<StoredResponse> response) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

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
        synchronized (entries) {
            existing = entries.putIfAbsent(key, mine);
            if (existing == null && entries.size() > CAPACITY) {
                entries.remove(entries.keySet().iterator().next());
            }
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
            mine.response().complete(response);
            return response;
        } catch (RuntimeException | Error e) {
            synchronized (entries) {
                entries.remove(key, mine);
            }
            mine.response().completeExceptionally(e);
            throw e;
        }
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
