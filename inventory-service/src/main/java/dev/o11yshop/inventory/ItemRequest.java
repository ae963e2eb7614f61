package dev.o11yshop.inventory;

import java.util.Objects;

/** One requested line of a reservation. */
public record ItemRequest(String sku, int quantity) {
    public ItemRequest {
        Objects.requireNonNull(sku, "sku");
        if (quantity < 1) {
            throw new IllegalArgumentException("quantity must be at least 1, got " + quantity);
        }
    }
}
