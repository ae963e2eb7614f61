package dev.o11yshop.systemtests;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import dev.o11yshop.loadgen.Scenario;
import dev.o11yshop.loadgen.ShopActions;
import io.helidon.tracing.Tracer;

/**
 * Checkouts at a fixed rate whatever the answers (an open model, as real users arrive): a slow or shedding shop
 * does not slow the arrivals down. Every checkout is recorded with its answer and latency. It sends with the load
 * generator's client ({@link ShopActions}: Helidon WebClient on keep-alive connections, one virtual thread per
 * checkout), which costs a fraction of the CPU of the JDK's client: this test shares two cores with the three
 * services, and a client that took a core of its own would measure itself.
 */
final class OpenLoad implements AutoCloseable {
    /** Longest wait for one answer; far beyond any budget, so that a hang shows as a latency, not as a lost request. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);
    /** Keep-alive connections kept per service; more are opened while more checkouts are in flight. */
    private static final int CONNECTIONS = 512;

    private final ShopActions actions;
    private final Tracer tracer = Tracer.noOp();

    /**
     * One checkout.
     *
     * @param sentAtNanos  when it was sent (System.nanoTime)
     * @param status       the answer's status, or -1 when none came (refused, reset, timed out)
     * @param shed         whether the answer was a shed one (503 with {@code Retry-After})
     * @param contentType  the answer's content type, or null
     */
    record Checkout(long sentAtNanos, long latencyNanos, int status, boolean shed, String contentType, String error) {
        long latencyMs() {
            return latencyNanos / 1_000_000;
        }
    }

    OpenLoad(URI orderApi, URI inventoryApi) {
        this.actions = new ShopActions(orderApi, inventoryApi, tracer, ANSWER_TIMEOUT, CONNECTIONS);
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
            CompletableFuture<Checkout> checkout = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> checkout.complete(send()));
            sent.add(checkout);
        }
        List<Checkout> answered = sent.stream().map(CompletableFuture::join).toList();
        System.out.println(summary(phase, rate, answered));
        return answered;
    }

    private Checkout send() {
        long sentAt = System.nanoTime();
        try {
            ShopActions.Result result = actions.perform(Scenario.CHECKOUT, tracer.spanBuilder("checkout").start(),
                                                        sentAt + ANSWER_TIMEOUT.toNanos());
            return new Checkout(sentAt, System.nanoTime() - sentAt, result.status(), result.shed(), result.contentType(),
                                null);
        } catch (IOException | RuntimeException e) {
            return new Checkout(sentAt, System.nanoTime() - sentAt, -1, false, null, e.getClass().getSimpleName());
        }
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
                "%-10s %6.0f/s  sent %6d  201 %6d (%5.1f%%)  shed %6d (p50 %4d p99 %4d ms)  other %5d  no answer %4d  "
                        + "201 p50 %4d ms p99 %4d ms  slowest %5d ms  slowest shed %5d ms",
                phase, rate, checkouts.size(), ok, 100.0 * ok / Math.max(1, checkouts.size()), shed,
                quantileMs(checkouts.stream().filter(Checkout::shed).toList(), 0.5),
                quantileMs(checkouts.stream().filter(Checkout::shed).toList(), 0.99), otherErrors, noAnswer,
                quantileMs(confirmed, 0.5), quantileMs(confirmed, 0.99), quantileMs(checkouts, 1.0),
                quantileMs(checkouts.stream().filter(Checkout::shed).toList(), 1.0))
                + (noAnswer == 0 ? "" : "\n           no answer: " + checkouts.stream()
                        .filter(c -> c.status() < 0)
                        .collect(java.util.stream.Collectors.groupingBy(Checkout::error, java.util.stream.Collectors.counting())));
    }

    @Override
    public void close() {
        actions.close();
    }
}
