package dev.o11yshop.order;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.o11yshop.observability.Json;

/**
 * Builds {@code POST /api/orders} bodies: a valid order, then any field replaced by raw JSON or removed (by JSON
 * pointer), so that each bad-input case states only what is wrong with it.
 */
final class OrderBody {
    static final String GOOD_CARD = "4111111111111111";
    static final String DECLINED_CARD = "4000000000000002";
    static final String NO_FUNDS_CARD = "4000000000009995";
    static final String LUHN_INVALID_CARD = "4111111111111112";

    private final ObjectNode root;

    private OrderBody(ObjectNode root) {
        this.root = root;
    }

    /** One order line. */
    record Line(String sku, int quantity) {
    }

    static Line line(String sku, int quantity) {
        return new Line(sku, quantity);
    }

    /** An order paid by card. */
    static OrderBody of(String customerId, String card, List<Line> lines) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("customerId", customerId);
        ArrayNode items = root.putArray("items");
        lines.forEach(line -> items.addObject().put("sku", line.sku()).put("quantity", line.quantity()));
        root.putObject("payment").put("method", "card").put("cardNumber", card);
        return new OrderBody(root);
    }

    static OrderBody of(String customerId, String card, Line... lines) {
        return of(customerId, card, List.of(lines));
    }

    /** A customer id no other test uses, so that the customer's order list shows this test's orders only. */
    static String newCustomer() {
        return "cust-" + UUID.randomUUID();
    }

    /** Replaces (or adds) the value at {@code pointer}, e.g. {@code /items/0/quantity}, with raw JSON. */
    OrderBody set(String pointer, String rawJson) {
        JsonNode value;
        try {
            value = Json.MAPPER.readTree(rawJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + rawJson, e);
        }
        JsonPointer path = JsonPointer.compile(pointer);
        JsonNode parent = root.at(path.head());
        if (parent instanceof ObjectNode object) {
            object.set(path.last().getMatchingProperty(), value);
        } else if (parent instanceof ArrayNode array) {
            array.set(path.last().getMatchingIndex(), value);
        } else {
            throw new IllegalArgumentException("no object or array at the parent of " + pointer + " in " + root);
        }
        return this;
    }

    /** Removes the object member at {@code pointer}. */
    OrderBody remove(String pointer) {
        JsonPointer path = JsonPointer.compile(pointer);
        if (!(root.at(path.head()) instanceof ObjectNode parent)
                || parent.remove(path.last().getMatchingProperty()) == null) {
            throw new IllegalArgumentException("nothing to remove at " + pointer + " in " + root);
        }
        return this;
    }

    /** The card number the order is paid with, to check that no answer echoes it. */
    String cardNumber() {
        return root.path("payment").path("cardNumber").asText();
    }

    String json() {
        return root.toString();
    }

    @Override
    public String toString() {
        return json();
    }
}
