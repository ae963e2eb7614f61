package dev.o11yshop.inventory;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.function.ToIntFunction;

import dev.o11yshop.inventory.StockLevel.WarehouseLevel;

/** Checks the inventory invariant on snapshots: available + reserved + sold == initial + restocked. */
final class StockAssertions {
    private StockAssertions() {
    }

    static void assertBalanced(List<StockLevel> levels) {
        levels.forEach(StockAssertions::assertBalanced);
    }

    static void assertBalanced(StockLevel level) {
        for (WarehouseLevel line : level.warehouses()) {
            String where = level.sku() + "@" + line.warehouse();
            assertThat(where + " available", line.available(), greaterThanOrEqualTo(0));
            assertThat(where + " reserved", line.reserved(), greaterThanOrEqualTo(0));
            assertThat(where + " sold", line.sold(), greaterThanOrEqualTo(0));
            assertThat(where + " balance", line.available() + line.reserved() + line.sold(),
                    is(line.initial() + line.restocked()));
        }
        var lines = level.warehouses();
        assertThat(level.sku() + " available", level.available(), is(sum(lines, WarehouseLevel::available)));
        assertThat(level.sku() + " reserved", level.reserved(), is(sum(lines, WarehouseLevel::reserved)));
        assertThat(level.sku() + " sold", level.sold(), is(sum(lines, WarehouseLevel::sold)));
        assertThat(level.sku() + " initial", level.initial(), is(sum(lines, WarehouseLevel::initial)));
        assertThat(level.sku() + " restocked", level.restocked(), is(sum(lines, WarehouseLevel::restocked)));
        assertThat(level.sku() + " balance", level.available() + level.reserved() + level.sold(),
                is(level.initial() + level.restocked()));
    }

    private static int sum(List<WarehouseLevel> lines, ToIntFunction<WarehouseLevel> field) {
        return lines.stream().mapToInt(field).sum();
    }
}
