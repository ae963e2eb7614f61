package dev.o11yshop.inventory;

import java.util.List;

/**
 * A consistent snapshot of one sku's stock, in total and per warehouse. For the sku and for each
 * warehouse, {@code available + reserved + sold == initial + restocked}.
 */
public record StockLevel(String sku, int available, int reserved, int sold, int initial, int restocked,
                         List<WarehouseLevel> warehouses) {

    public StockLevel {
        warehouses = List.copyOf(warehouses);
    }

    /** The stock of one sku in one warehouse. */
    public record WarehouseLevel(String warehouse, int available, int reserved, int sold, int initial,
                                 int restocked) {
    }
}
