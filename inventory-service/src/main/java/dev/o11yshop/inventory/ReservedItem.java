package dev.o11yshop.inventory;

import java.util.Objects;

import dev.o11yshop.observability.Money;

/** Units of one sku held in one warehouse; the price is fixed at reservation time. */
public record ReservedItem(String sku, int quantity, Money unitPrice, String warehouse) {
    public ReservedItem {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(unitPrice, "unitPrice");
        Objects.requireNonNull(warehouse, "warehouse");
        if (quantity < 1) {
            throw new IllegalArgumentException("quantity must be at least 1, got " + quantity);
        }
    }
}
