package dev.o11yshop.inventory;

/** Units added to one warehouse line by a replenishment run, and what is available afterwards. */
public record Restock(String sku, String warehouse, int units, int available) {
}
