package dev.o11yshop.order;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.o11yshop.observability.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;

/**
 * Reads and prepares stock through inventory-service's own API, the way a second client of the shop would:
 * {@code GET /api/products/{sku}} for price and stock, reservations plus commits to sell stock off.
 */
final class InventoryProbe {
    /** inventory-service's limits on one reservation: lines of at most 100 units, at most 50 lines. */
    private static final int MAX_LINE_QUANTITY = 100;
    private static final int MAX_LINES = 50;

    private final Http1Client client;

    InventoryProbe(URI inventory) {
        this.client = Http1Client.builder().baseUri(inventory).build();
    }

    /** Stock of one warehouse line. */
    record Warehouse(String warehouse, int available, int reserved, int sold, int initial, int restocked) {
    }

    /** A product as {@code GET /api/products/{sku}} shows it. */
    record Product(String sku, BigDecimal unitPrice, int available, int reserved, int sold, List<Warehouse> warehouses) {
        /** Everything the sku ever had: initial stock plus what was restocked. */
        int stocked() {
            return warehouses.stream().mapToInt(line -> line.initial() + line.restocked()).sum();
        }
    }

    Product product(String sku) {
        Reply reply = Reply.send(client.get("/api/products/" + sku), null);
        assertEquals(200, reply.status(), "GET product " + sku + ": " + reply);
        JsonNode json = reply.json();
        List<Warehouse> warehouses = new ArrayList<>();
        json.path("warehouses").forEach(line -> warehouses.add(new Warehouse(
                line.path("warehouse").asText(), line.path("available").asInt(), line.path("reserved").asInt(),
                line.path("sold").asInt(), line.path("initial").asInt(), line.path("restocked").asInt())));
        assertEquals("USD", json.path("unitPrice").path("currency").asText(), reply.body());
        return new Product(json.path("sku").asText(), new BigDecimal(json.path("unitPrice").path("amount").asText()),
                           json.path("available").asInt(), json.path("reserved").asInt(), json.path("sold").asInt(),
                           warehouses);
    }

    /** The inventory invariant for one sku, per warehouse and in total: available + reserved + sold == stocked. */
    Product assertBalanced(String sku) {
        Product product = product(sku);
        assertAll(product.warehouses().stream().map(line -> () -> {
            assertTrue(line.available() >= 0 && line.reserved() >= 0 && line.sold() >= 0, line.toString());
            assertEquals(line.initial() + line.restocked(), line.available() + line.reserved() + line.sold(),
                         sku + " " + line);
        }));
        assertEquals(product.stocked(), product.available() + product.reserved() + product.sold(), product.toString());
        return product;
    }

    /**
     * Sells units of {@code sku} (reserve, then commit) until exactly {@code left} are available. Fails when fewer
     * are available already: stock cannot be added back (restock is off in tests).
     */
    Product drainTo(String sku, int left) {
        int excess = product(sku).available() - left;
        assertTrue(excess >= 0, sku + " has fewer than " + left + " units available already");
        if (excess > 0) {
            assertTrue(excess <= MAX_LINE_QUANTITY * MAX_LINES, "cannot drain " + excess + " units in one reservation");
            ObjectNode body = Json.MAPPER.createObjectNode().put("orderId", "drain-" + UUID.randomUUID());
            ArrayNode items = body.putArray("items");
            for (int remaining = excess; remaining > 0; remaining -= MAX_LINE_QUANTITY) {
                items.addObject().put("sku", sku).put("quantity", Math.min(remaining, MAX_LINE_QUANTITY));
            }
            Reply reserved = Reply.send(client.post("/api/reservations")
                                                .header(HeaderNames.CONTENT_TYPE, "application/json"), body.toString());
            assertEquals(201, reserved.status(), reserved.toString());
            String reservationId = reserved.json().path("reservationId").asText();
            Reply committed = Reply.send(client.post("/api/reservations/" + reservationId + "/commit"), null);
            assertEquals(200, committed.status(), committed.toString());
        }
        Product drained = product(sku);
        assertEquals(left, drained.available(), drained.toString());
        return drained;
    }
}
