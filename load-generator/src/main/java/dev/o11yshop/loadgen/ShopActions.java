package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.http.HeaderNames;
import io.helidon.tracing.HeaderConsumer;
import io.helidon.tracing.HeaderProvider;
import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.WebClient;

/**
 * The HTTP side of each scenario, against the public API of order-service and inventory-service (contract,
 * section 3), over one Helidon {@link WebClient} with its own pool of keep-alive connections (blocking calls on
 * the caller's virtual thread; it costs less CPU per request than the JDK's client, which matters when the
 * generator shares a machine with the services). Every request of an action carries the W3C context of the
 * action's span. Card numbers are only ever sent, never logged, traced or labelled.
 */
final class ShopActions implements AutoCloseable {
    /** Test card that authorizes (contract, section 3). */
    static final String GOOD_CARD = "4111111111111111";
    /** Test card that is always declined. */
    static final String DECLINING_CARD = "4000000000000002";
    /** Catalog size: SKU-0001 to SKU-0020. */
    static final int CATALOG_SIZE = 20;
    private static final int CUSTOMERS = 500;
    private static final String USER_AGENT = "o11y-shop-load-generator";

    /** The answer an action ended with: the status of its last (or first failing) call. */
    record Result(int status, String orderId) {
    }

    private final URI products;
    private final URI orders;
    private final Tracer tracer;
    private final WebClient client;

    /**
     * @param timeout     to connect, and to wait for each read of an answer
     * @param connections keep-alive connections to pool per service: the concurrency cap, so that no answered
     *                    request waits to hand its connection back
     */
    ShopActions(URI orderUrl, URI inventoryUrl, Tracer tracer, Duration timeout, int connections) {
        this.products = URI.create(base(inventoryUrl) + "/api/products");
        this.orders = URI.create(base(orderUrl) + "/api/orders");
        this.tracer = tracer;
        // The read timeout is set once for the client: Helidon keys pooled connections by it.
        this.client = WebClient.builder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .followRedirects(false)
                .keepAlive(true)
                .shareConnectionCache(false)
                .connectionCacheSize(connections)
                .proxy(Proxy.noProxy())
                .servicesDiscoverServices(false)
                .build();
    }

    /**
     * Performs {@code scenario}; a call that starts after {@code deadlineNanos} ({@link System#nanoTime()}) fails.
     *
     * @throws IOException when a call gets no answer (refused, reset, timed out)
     */
    Result perform(Scenario scenario, Span span, long deadlineNanos) throws IOException {
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
        int status;
        try (HttpClientResponse response = send(client.get().uri(products), span, deadlineNanos).request()) {
            status = response.status().code();
            response.entity().consume();
        }
        if (status < 200 || status > 299) {
            return new Result(status, null);
        }
        URI product = URI.create(products + "/" + sku(1 + random.nextInt(CATALOG_SIZE)));
        try (HttpClientResponse response = send(client.get().uri(product), span, deadlineNanos).request()) {
            response.entity().consume();
            return new Result(response.status().code(), null);
        }
    }

    private Result order(Span span, long deadlineNanos, String body) throws IOException {
        HttpClientRequest request = send(client.post().uri(orders), span, deadlineNanos)
                .header(HeaderNames.CONTENT_TYPE, "application/json");
        try (HttpClientResponse response = request.submit(body)) {
            int status = response.status().code();
            // Only a created order's body is parsed (for its id); every other body is read and dropped.
            if (status == 201) {
                return new Result(status, orderId(response.entity().as(byte[].class), span));
            }
            response.entity().consume();
            return new Result(status, null);
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

    /** Closes the pooled connections. */
    @Override
    public void close() {
        client.closeResource();
    }
}
