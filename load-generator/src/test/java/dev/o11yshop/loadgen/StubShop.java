package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A stub of the HTTP endpoints the scenarios call (not of the services' logic): a plain Helidon server on an
 * ephemeral port that answers {@code GET /api/products[/{sku}]} with 200 and {@code POST /api/orders} with 201,
 * 422 for the declining test card and 400 for the malformed orders the generator sends. It records every
 * arrival ({@link System#nanoTime()} at the start of handling, method, path, {@code traceparent}) and the client
 * connections they came on, and can delay every answer, or hold every request that arrives within a window until
 * the window ends (a stall).
 */
final class StubShop implements AutoCloseable {
    /** One request as the stub saw it arrive. */
    record Arrival(long nanos, String method, String path, String traceparent) {
    }

    private final WebServer server;
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final Set<String> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong delayNanos = new AtomicLong();
    private final AtomicLong stallFrom = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong stallUntil = new AtomicLong(Long.MIN_VALUE);
    private final AtomicInteger inProgress = new AtomicInteger();
    private final AtomicInteger maxInProgress = new AtomicInteger();
    private final AtomicInteger orders = new AtomicInteger();
    private final AtomicInteger forcedStatus = new AtomicInteger();
    private final AtomicLong forcedRetryAfter = new AtomicLong(-1);

    StubShop() {
        server = WebServer.builder()
                .host("localhost")
                .port(0)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(routing -> routing
                        .addFilter((chain, req, res) -> {
                            long now = System.nanoTime();
                            arrivals.add(new Arrival(now, req.prologue().method().text(), req.prologue().uriPath().path(),
                                                     req.headers().first(HeaderNames.create("traceparent")).orElse(null)));
                            connections.add(req.remotePeer().address().toString());
                            int current = inProgress.incrementAndGet();
                            maxInProgress.accumulateAndGet(current, Math::max);
                            try {
                                hold(now);
                                int forced = forcedStatus.get();
                                if (forced != 0) {
                                    long retryAfter = forcedRetryAfter.get();
                                    if (retryAfter >= 0) {
                                        res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfter));
                                    }
                                    json(res, Status.create(forced), "{}");
                                    return;
                                }
                                chain.proceed();
                            } finally {
                                inProgress.decrementAndGet();
                            }
                        })
                        .get("/api/products", (req, res) -> json(res, Status.OK_200, "{\"products\":[]}"))
                        .get("/api/products/{sku}", (req, res) -> json(res, Status.OK_200,
                                "{\"sku\":\"" + req.path().pathParameters().get("sku") + "\"}"))
                        .post("/api/orders", this::order))
                .build()
                .start();
    }

    URI uri() {
        return URI.create("http://localhost:" + server.port());
    }

    /** Every answer waits this long after arrival. */
    void delay(Duration delay) {
        delayNanos.set(delay.toNanos());
    }

    /** Requests arriving within [from, from + length) are held until from + length ({@link System#nanoTime()}). */
    void stall(long fromNanos, Duration length) {
        stallFrom.set(fromNanos);
        stallUntil.set(fromNanos + length.toNanos());
    }

    /** Every request is answered with {@code status} (0: normal answers again). */
    void answerEverythingWith(int status) {
        forcedRetryAfter.set(-1);
        forcedStatus.set(status);
    }

    /** Every request is shed as the services' admission control does: 503 with {@code Retry-After: 1}. */
    void shedEverything() {
        forcedRetryAfter.set(1);
        forcedStatus.set(503);
    }

    List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Arrivals of one kind, e.g. {@code POST /api/orders}. */
    List<Arrival> arrivals(String method, String path) {
        return arrivals.stream().filter(a -> a.method().equals(method) && a.path().equals(path)).toList();
    }

    /** Arrivals since {@code fromNanos}. */
    long arrivalsSince(long fromNanos) {
        return arrivals.stream().filter(a -> a.nanos() >= fromNanos).count();
    }

    /** Client connections (by client address and port) that requests came on since the last {@link #reset()}. */
    int connections() {
        return connections.size();
    }

    void reset() {
        arrivals.clear();
        connections.clear();
        delayNanos.set(0);
        stallFrom.set(Long.MAX_VALUE);
        stallUntil.set(Long.MIN_VALUE);
        maxInProgress.set(0);
        forcedStatus.set(0);
        forcedRetryAfter.set(-1);
    }

    /** Most requests in progress at once since the last {@link #reset()}. */
    int maxInProgress() {
        return maxInProgress.get();
    }

    int inProgress() {
        return inProgress.get();
    }

    private void hold(long arrivedNanos) {
        long releaseAt = arrivedNanos + delayNanos.get();
        if (arrivedNanos >= stallFrom.get() && arrivedNanos < stallUntil.get()) {
            releaseAt = Math.max(releaseAt, stallUntil.get());
        }
        long wait;
        while ((wait = releaseAt - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private void order(ServerRequest req, ServerResponse res) {
        String body;
        try (InputStream in = req.content().inputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (malformed(body)) {
            problem(res, Status.BAD_REQUEST_400, "validation");
        } else if (body.contains("\"cardNumber\":\"4000000000000002\"")) {
            problem(res, Status.UNPROCESSABLE_CONTENT_422, "payment-declined");
        } else {
            json(res, Status.CREATED_201, "{\"orderId\":\"ord-" + orders.incrementAndGet() + "\",\"status\":\"CONFIRMED\"}");
        }
    }

    /** The shapes of malformed order the generator sends (see ShopActions.invalidOrder). */
    private static boolean malformed(String body) {
        return body.contains("\"quantity\":0") || body.contains("NOT-A-SKU") || body.contains("\"items\":[]")
                || !body.contains("\"payment\"") || body.contains("\"customerId\":\"\"");
    }

    private static void problem(ServerResponse res, Status status, String slug) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
        res.send("{\"type\":\"https://o11y-shop.dev/problems/" + slug + "\",\"status\":" + status.code() + "}");
    }

    private static void json(ServerResponse res, Status status, String body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }

    /** Counts of arrivals per whole second from {@code originNanos}, for seconds 0 .. seconds-1. */
    static long[] perSecond(List<Arrival> arrivals, long originNanos, int seconds) {
        long[] counts = new long[seconds];
        for (Arrival arrival : arrivals) {
            long second = Math.floorDiv(arrival.nanos() - originNanos, 1_000_000_000L);
            if (second >= 0 && second < seconds) {
                counts[(int) second]++;
            }
        }
        return counts;
    }

    static Map<String, Long> countByPath(List<Arrival> arrivals) {
        return arrivals.stream().collect(Collectors.groupingBy(
                a -> a.method() + " " + (a.path().startsWith("/api/products/") ? "/api/products/{sku}" : a.path()),
                Collectors.counting()));
    }

    @Override
    public void close() {
        server.stop();
    }
}
