package dev.o11yshop.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.o11yshop.loadgen.LocalPlatform;

/** A plain HTTP client for the tests, speaking to the services as any external client would. */
final class ShopClient {
    static final String GOOD_CARD = "4111111111111111";
    static final String DECLINED_CARD = "4000000000000002";
    static final String INSUFFICIENT_FUNDS_CARD = "4000000000009995";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A response with its body parsed when it is JSON. */
    record Response(int status, Map<String, String> headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    /** The header that lets a test change {@code /faults} on {@code platform}'s services (their ADMIN_TOKEN). */
    static Map<String, String> admin(LocalPlatform platform) {
        return Map.of("Authorization", "Bearer " + platform.adminToken());
    }

    static String orderBody(String customerId, String sku, int quantity, String card) {
        return """
                {"customerId": "%s", "items": [{"sku": "%s", "quantity": %d}],
                 "payment": {"method": "card", "cardNumber": "%s"}}""".formatted(customerId, sku, quantity, card);
    }

    Response send(String method, URI uri, String body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(15))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> flat = new HashMap<>();
        response.headers().map().forEach((name, values) -> flat.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
        return new Response(response.statusCode(), flat, response.body());
    }

    Response post(URI uri, String body, Map<String, String> headers) throws IOException, InterruptedException {
        return send("POST", uri, body, headers);
    }

    Response get(URI uri) throws IOException, InterruptedException {
        return send("GET", uri, null, Map.of());
    }
}
