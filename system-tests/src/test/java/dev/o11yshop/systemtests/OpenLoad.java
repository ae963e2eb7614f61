package dev.o11yshop.systemtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Checkouts at a fixed rate whatever the answers (an open model, as real users arrive): a slow or shedding shop
 * does not slow the arrivals down. Every checkout is recorded with its answer and latency.
 */
final class OpenLoad implements AutoCloseable {
    /** Longest wait for one answer; far beyond any budget, so that a hang shows as a latency, not as a lost request. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    private final URI orders;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /**
     * One checkout.
     *
     * @param sentAtNanos  when it was sent (System.nanoTime)
     * @param status       the answer's status, or -1 when none came (refused, reset, timed out)
     * @param retryAfter   the answer's {@code Retry-After}, or null
     * @param contentType  the answer's content type, or null
     */
    record Checkout(long sentAtNanos, long latencyNanos, int status, String retryAfter, String contentType,
                    String error) {
        boolean shed() {
            return status == 503 && retryAfter != null;
        }

        long latencyMs() {
            return latencyNanos / 1_000_000;
        }
    }

    OpenLoad(URI orderApi) {
        this.orders = orderApi.resolve("/api/orders");
    }

    /** Sends {@code rate} checkouts per second for {@code duration}, then waits for every answer. */
    List<Checkout> run(String phase, double rate, Duration duration) {
        long intervalNanos = (long) (1_000_000_000L / rate);
        long count = (long) (rate * duration.toNanos() / 1e9);
        long start = System.nanoTime();
        List<CompletableFuture<Checkout>> sent = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            sent.add(send());
        }
        List<Checkout> answered = sent.stream().map(CompletableFuture::join).toList();
        System.out.println(summary(phase, rate, answered));
        return answered;
    }

    private CompletableFuture<Checkout> send() {
        String sku = "SKU-%04d".formatted(1 + ThreadLocalRandom.current().nextInt(20));
        HttpRequest request = HttpRequest.newBuilder(orders)
                .timeout(ANSWER_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        ShopClient.orderBody("cust-load", sku, 1, ShopClient.GOOD_CARD)))
                .build();
        long sentAt = System.nanoTime();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> response != null
                        ? new Checkout(sentAt, System.nanoTime() - sentAt, response.statusCode(),
                                       response.headers().firstValue("retry-after").orElse(null),
                                       response.headers().firstValue("content-type").orElse(null), null)
                        : new Checkout(sentAt, System.nanoTime() - sentAt, -1, null, null, String.valueOf(error)));
    }

    /** Checkouts of {@code all} sent at or after {@code fromNanos}. */
    static List<Checkout> sentSince(List<Checkout> all, long fromNanos) {
        return all.stream().filter(checkout -> checkout.sentAtNanos() >= fromNanos).toList();
    }

    static long count(List<Checkout> checkouts, Predicate<Checkout> which) {
        return checkouts.stream().filter(which).count();
    }

    /** The {@code q} quantile of the latencies of {@code checkouts} in ms (0 when there are none). */
    static long quantileMs(List<Checkout> checkouts, double q) {
        long[] sorted = checkouts.stream().mapToLong(Checkout::latencyMs).sorted().toArray();
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    static String summary(String phase, double rate, List<Checkout> checkouts) {
        long ok = count(checkouts, c -> c.status() == 201);
        long shed = count(checkouts, Checkout::shed);
        long noAnswer = count(checkouts, c -> c.status() < 0);
        long otherErrors = checkouts.size() - ok - shed - noAnswer;
        List<Checkout> confirmed = checkouts.stream().filter(c -> c.status() == 201).toList();
        return String.format(Locale.ROOT,
                "%-10s %6.0f/s  sent %6d  201 %6d (%5.1f%%)  shed %6d (p99 %4d ms)  other %5d  no answer %4d  "
                        + "201 p50 %4d ms p99 %4d ms  slowest %5d ms",
                phase, rate, checkouts.size(), ok, 100.0 * ok / Math.max(1, checkouts.size()), shed,
                quantileMs(checkouts.stream().filter(Checkout::shed).toList(), 0.99), otherErrors, noAnswer,
                quantileMs(confirmed, 0.5), quantileMs(confirmed, 0.99), quantileMs(checkouts, 1.0))
                + (noAnswer == 0 ? "" : "\n           no answer: " + checkouts.stream()
                        .filter(c -> c.status() < 0)
                        .collect(java.util.stream.Collectors.groupingBy(Checkout::error, java.util.stream.Collectors.counting())));
    }

    @Override
    public void close() {
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
