package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.tracing.HeaderConsumer;
import io.helidon.tracing.HeaderProvider;
import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;

/**
 * The HTTP side of each scenario, against the public API of order-service and inventory-service (contract,
 * section 3), over one Helidon {@link WebClient} and a pool of keep-alive connections per service (blocking calls
 * on the caller's virtual thread; it costs less CPU per request than the JDK's client, which matters when the
 * generator shares a machine with the services). Every request of an action carries the W3C context of the
 * action's span. Card numbers are only ever sent, never logged, traced or labelled.
 * <p>
 * The pools are ours, not the client's: Helidon WebClient 4.1.2 hands a keep-alive connection back to its cache
 * before it starts the connection's idle monitor (a virtual thread blocked reading one byte, to notice a close by the
 * server). A call that takes the connection in that gap races the monitor for its answer; when the monitor wins the
 * first byte the call fails ("Protocol is not HTTP: TTP...") although the server answered (helidon-io/helidon#10861,
 * fixed in later Helidon releases). {@link ConnectionPool} starts the monitor before a connection can be taken again.
 */
public final class ShopActions implements AutoCloseable {
    /** Test card that authorizes (contract, section 3). */
    static final String GOOD_CARD = "4111111111111111";
    /** Test card that is always declined. */
    static final String DECLINING_CARD = "4000000000000002";
    /** Catalog size: SKU-0001 to SKU-0020. */
    static final int CATALOG_SIZE = 20;
    private static final int CUSTOMERS = 500;
    private static final String USER_AGENT = "o11y-shop-load-generator";

    /**
     * The answer an action ended with: the status of its last (or first failing) call.
     *
     * @param shed        whether that answer was a service shedding load: 503 with {@code Retry-After} (admission control)
     * @param contentType that answer's {@code Content-Type}, or null
     */
    public record Result(int status, String orderId, boolean shed, String contentType) {
        Result(int status, String orderId, String contentType) {
            this(status, orderId, false, contentType);
        }

        /** The outcome of {@code response}, with no order id. */
        static Result of(HttpClientResponse response) {
            int status = response.status().code();
            return new Result(status, null, status == 503 && response.headers().contains(HeaderNames.RETRY_AFTER),
                              contentType(response));
        }

        private static String contentType(HttpClientResponse response) {
            return response.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        }
    }

    private final URI products;
    private final URI orders;
    private final Tracer tracer;
    private final WebClient client;
    private final ConnectionPool inventory;
    private final ConnectionPool orderService;

    /**
     * @param timeout     to connect, and to wait for each read of an answer
     * @param connections keep-alive connections to pool per service: the concurrency cap, so that no answered
     *                    request waits to hand its connection back
     */
    public ShopActions(URI orderUrl, URI inventoryUrl, Tracer tracer, Duration timeout, int connections) {
        this.products = URI.create(base(inventoryUrl) + "/api/products");
        this.orders = URI.create(base(orderUrl) + "/api/orders");
        this.tracer = tracer;
        // The read timeout is set once for the client: every call on a pooled connection reads with it.
        this.client = WebClient.builder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .followRedirects(false)
                .proxy(Proxy.noProxy())
                .servicesDiscoverServices(false)
                .build();
        this.inventory = new ConnectionPool(client, products, timeout, connections);
        this.orderService = new ConnectionPool(client, orders, timeout, connections);
    }

    /**
     * Performs {@code scenario}; a call that starts after {@code deadlineNanos} ({@link System#nanoTime()}) fails.
     *
     * @throws IOException when a call gets no answer (refused, reset, timed out)
     */
    public Result perform(Scenario scenario, Span span, long deadlineNanos) throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
            return switch (scenario) {
                case BROWSE -> browse(span, deadlineNanos, random);
                case CHECKOUT -> order(span, deadlineNanos, validOrder(random, GOOD_CARD));
                case DECLINED -> order(span, deadlineNanos, validOrder(random, DECLINING_CARD));
                case INVALID -> order(span, deadlineNanos, invalidOrder(random));
            };
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private Result browse(Span span, long deadlineNanos, ThreadLocalRandom random) throws IOException {
        Result catalog;
        try (HttpClientResponse response = exchange(send(client.get().uri(products), span, deadlineNanos), inventory, null)) {
            catalog = Result.of(response);
            response.entity().consume();
        }
        if (catalog.status() < 200 || catalog.status() > 299) {
            return catalog;
        }
        URI product = URI.create(products + "/" + sku(1 + random.nextInt(CATALOG_SIZE)));
        try (HttpClientResponse response = exchange(send(client.get().uri(product), span, deadlineNanos), inventory, null)) {
            response.entity().consume();
            return Result.of(response);
        }
    }

    private Result order(Span span, long deadlineNanos, String body) throws IOException {
        HttpClientRequest request = send(client.post().uri(orders), span, deadlineNanos)
                .header(HeaderNames.CONTENT_TYPE, "application/json");
        try (HttpClientResponse response = exchange(request, orderService, body)) {
            int status = response.status().code();
            // Only a created order's body is parsed (for its id); every other body is read and dropped.
            if (status == 201) {
                return new Result(status, orderId(response.entity().as(byte[].class), span), Result.contentType(response));
            }
            response.entity().consume();
            return Result.of(response);
        }
    }

    /** Adds the trace context and common headers; fails when the action's time is already used up. */
    private HttpClientRequest send(HttpClientRequest request, Span span, long deadlineNanos) throws IOException {
        if (deadlineNanos - System.nanoTime() <= 0) {
            throw new SocketTimeoutException("the action's request timeout was used up before " + request.resolvedUri().path());
        }
        Map<String, List<String>> headers = new HashMap<>();
        tracer.inject(span.context(), HeaderProvider.empty(), HeaderConsumer.create(headers));
        headers.forEach((name, values) -> request.header(HeaderNames.create(name), values));
        return request.header(HeaderNames.ACCEPT, "application/json")
                .header(HeaderNames.USER_AGENT, USER_AGENT);
    }

    /**
     * Sends {@code request} (with {@code body}, unless {@code null}) on a connection of {@code pool}. Once there is a
     * response, closing it hands the connection back (or closes it when its entity was not read to the end).
     */
    private static HttpClientResponse exchange(HttpClientRequest request, ConnectionPool pool, String body) {
        TcpClientConnection connection = pool.take();
        try {
            // An explicit protocol: no ALPN probe that would put a connection of its own on the request.
            request.protocolId(Http1Client.PROTOCOL_ID).connection(connection);
            return body == null ? request.request() : request.submit(body);
        } catch (RuntimeException e) {
            // No response: the connection may hold part of an answer, so it is never used again.
            connection.closeResource();
            throw e;
        }
    }

    /** The order id of a created order, for the span; a body that is not the expected JSON is noted on the span. */
    private static String orderId(byte[] body, Span span) {
        try {
            JsonNode id = Json.MAPPER.readTree(body).path("orderId");
            if (id.isTextual()) {
                return id.asText();
            }
            span.addEvent("order_id_missing");
            return null;
        } catch (JsonProcessingException e) {
            span.addEvent("response_not_json", Map.of("error_message", String.valueOf(e.getOriginalMessage())));
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading an in-memory body cannot fail", e);
        }
    }

    /** One to three distinct random products, one or two of each. */
    static String validOrder(ThreadLocalRandom random, String card) {
        int count = 1 + random.nextInt(3);
        int first = 1 + random.nextInt(CATALOG_SIZE);
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                items.append(',');
            }
            // Consecutive skus (wrapping) are distinct, so no sku is repeated within an order.
            int sku = (first - 1 + i) % CATALOG_SIZE + 1;
            items.append("{\"sku\":\"").append(sku(sku)).append("\",\"quantity\":").append(1 + random.nextInt(2)).append('}');
        }
        return "{\"customerId\":\"" + customer(random) + "\",\"items\":[" + items
                + "],\"payment\":{\"method\":\"card\",\"cardNumber\":\"" + card + "\"}}";
    }

    /** An order that fails validation (400) in one of several ways. */
    static String invalidOrder(ThreadLocalRandom random) {
        String customer = customer(random);
        String payment = "\"payment\":{\"method\":\"card\",\"cardNumber\":\"" + GOOD_CARD + "\"}";
        return switch (random.nextInt(5)) {
            case 0 -> "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"SKU-0001\",\"quantity\":0}]," + payment + "}";
            case 1 -> "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"NOT-A-SKU\",\"quantity\":1}]," + payment + "}";
            case 2 -> "{\"customerId\":\"" + customer + "\",\"items\":[]," + payment + "}";
            case 3 -> "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"SKU-0002\",\"quantity\":1}]}";
            default -> "{\"customerId\":\"\",\"items\":[{\"sku\":\"SKU-0003\",\"quantity\":1}]," + payment + "}";
        };
    }

    static String sku(int number) {
        return String.format("SKU-%04d", number);
    }

    private static String customer(ThreadLocalRandom random) {
        return "loadgen-" + (1 + random.nextInt(CUSTOMERS));
    }

    private static String base(URI url) {
        String text = url.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    /** Closes the pooled connections; a connection handed back later is closed then. */
    @Override
    public void close() {
        inventory.close();
        orderService.close();
        client.closeResource();
    }

    /**
     * Keep-alive connections to one service, the most recently used first. A connection's idle monitor is started
     * before the connection is offered (see the class comment), and a connection idle for half the read timeout is
     * closed rather than reused: the monitor reads with that timeout, and when it passes, it fails the connection's
     * next read.
     */
    private static final class ConnectionPool implements AutoCloseable {
        private static final Tls PLAINTEXT = Tls.builder().enabled(false).build();

        private final WebClient client;
        private final ConnectionKey key;
        private final long maxIdleNanos;
        private final LinkedBlockingDeque<Idle> idle;
        private volatile boolean closed;

        private record Idle(TcpClientConnection connection, long sinceNanos) {
        }

        ConnectionPool(WebClient client, URI service, Duration readTimeout, int size) {
            boolean https = "https".equals(service.getScheme());
            this.client = client;
            this.key = new ConnectionKey(service.getScheme(),
                                         service.getHost(),
                                         service.getPort() != -1 ? service.getPort() : https ? 443 : 80,
                                         readTimeout,
                                         https ? client.prototype().tls() : PLAINTEXT,
                                         client.prototype().dnsResolver(),
                                         client.prototype().dnsAddressLookup(),
                                         Proxy.noProxy());
            this.maxIdleNanos = readTimeout.toNanos() / 2;
            this.idle = new LinkedBlockingDeque<>(size);
        }

        /**
         * A connected connection: a pooled one, or a new one.
         *
         * @throws java.io.UncheckedIOException when connecting fails
         */
        TcpClientConnection take() {
            long now = System.nanoTime();
            Idle candidate;
            while ((candidate = idle.pollFirst()) != null) {
                if (usable(candidate, now)) {
                    closeExpired(now);
                    return candidate.connection();
                }
                candidate.connection().closeResource();
            }
            return TcpClientConnection.create(client, key, List.of(Http1Client.PROTOCOL_ID), this::release, connection -> { })
                    .connect();
        }

        /** Called when a call is done with {@code connection}; {@code false}: the client closes it. */
        private boolean release(TcpClientConnection connection) {
            if (closed || !connection.isConnected()) {
                return false;
            }
            // Before it is offered: a call that takes it finds the monitor running and waits for its byte.
            connection.helidonSocket().idle();
            if (!idle.offerFirst(new Idle(connection, System.nanoTime()))) {
                return false;
            }
            if (closed) {
                // close() may have emptied the pool before the offer.
                closeIdle();
            }
            return true;
        }

        /** Connections left unused at the far end since a burst are closed, not kept open until reused. */
        private void closeExpired(long now) {
            Idle oldest;
            // Only an unusable connection leaves the pool here: a usable one taken out and put back could be missed
            // by a concurrent take, which would then open a connection for nothing.
            while ((oldest = idle.peekLast()) != null && !usable(oldest, now)) {
                if (idle.removeLastOccurrence(oldest)) {
                    oldest.connection().closeResource();
                }
            }
        }

        private boolean usable(Idle candidate, long now) {
            return now - candidate.sinceNanos() < maxIdleNanos && candidate.connection().isConnected();
        }

        private void closeIdle() {
            Idle next;
            while ((next = idle.pollFirst()) != null) {
                next.connection().closeResource();
            }
        }

        @Override
        public void close() {
            closed = true;
            closeIdle();
        }
    }
}
