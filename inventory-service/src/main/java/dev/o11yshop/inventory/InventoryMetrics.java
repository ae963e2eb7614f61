package dev.o11yshop.inventory;

import java.util.List;
import java.util.Locale;

import dev.o11yshop.observability.MeterFamily;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Tag;

/**
 * The inventory's own metrics (contract, section 4): {@code inventory_reservations_total{outcome}} and
 * {@code inventory_level{product_id, warehouse}}. Every label value is bounded: outcomes are an enum, skus and
 * warehouses come from the fixed catalog.
 */
final class InventoryMetrics {
    static final String RESERVATIONS = "inventory_reservations_total";
    static final String LEVEL = "inventory_level";

    private static final MeterFamily<Counter> RESERVATIONS_TOTAL = MeterFamily.counter(
            RESERVATIONS, "Reservations by outcome: reserved, insufficient (stock), committed, released, expired",
            "outcome");

    /** The {@code outcome} label values. */
    enum Outcome {
        RESERVED, INSUFFICIENT, COMMITTED, RELEASED, EXPIRED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private InventoryMetrics() {
    }

    static void count(Outcome outcome) {
        count(outcome, 1);
    }

    static void count(Outcome outcome, long times) {
        RESERVATIONS_TOTAL.labels(outcome.label()).increment(times);
    }

    /**
     * Registers one {@code inventory_level} gauge per sku and warehouse of the catalog, reading available units from
     * {@code inventory} at scrape time. A gauge of the same name and labels registered earlier in this JVM is
     * replaced: the registry is global, so without that a second inventory (tests build one per routing) would be
     * reported through the first one's gauges.
     */
    static void registerStockGauges(Catalog catalog, Inventory inventory) {
        for (Catalog.Entry entry : catalog.entries()) {
            String sku = entry.product().sku();
            for (String warehouse : entry.initialStock().keySet()) {
                List<Tag> tags = List.of(Tag.create("product_id", sku), Tag.create("warehouse", warehouse));
                MeterFamily.replaceGauge(LEVEL, "Units available for reservation, per product and warehouse",
                                         () -> available(inventory, sku, warehouse), tags);
            }
        }
    }

    private static int available(Inventory inventory, String sku, String warehouse) {
        return inventory.level(sku).warehouses().stream()
                .filter(line -> line.warehouse().equals(warehouse))
                .mapToInt(StockLevel.WarehouseLevel::available)
                .sum();
    }
}
