package dev.o11yshop.inventory;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isIn;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import dev.o11yshop.observability.Money;
import org.junit.jupiter.api.Test;

class CatalogTest {
    private final Catalog catalog = Catalog.standard();

    @Test
    void hasTwentyProductsInSkuOrder() {
        List<String> expected = IntStream.rangeClosed(1, 20).mapToObj(i -> "SKU-%04d".formatted(i)).toList();
        assertThat(catalog.products().stream().map(Product::sku).toList(), is(expected));
        assertThat(catalog.entries().stream().map(e -> e.product().sku()).toList(), is(expected));
    }

    @Test
    void warehousesAreAFixedSmallSetOfDistinctNames() {
        assertThat(Catalog.WAREHOUSES, contains("eu-west-1", "us-east-1", "ap-south-1"));
        assertThat(new HashSet<>(Catalog.WAREHOUSES), hasSize(Catalog.WAREHOUSES.size()));
    }

    @Test
    void everyProductIsStockedInTwoOrThreeKnownWarehouses() {
        for (Catalog.Entry entry : catalog.entries()) {
            Map<String, Integer> stock = entry.initialStock();
            assertThat(entry.product().sku(), stock.size(), allOf(greaterThanOrEqualTo(2), lessThanOrEqualTo(3)));
            stock.forEach((warehouse, quantity) -> {
                assertThat(warehouse, isIn(Catalog.WAREHOUSES));
                assertThat(entry.product().sku() + "@" + warehouse, quantity,
                        allOf(greaterThanOrEqualTo(50), lessThanOrEqualTo(500)));
            });
        }
    }

    @Test
    void pricesArePositiveUsdAndVaried() {
        var prices = catalog.products().stream().map(Product::unitPrice).toList();
        prices.forEach(price -> {
            assertThat(price.currency(), is("USD"));
            assertThat(price.amount(), greaterThan(BigDecimal.ZERO));
        });
        var amounts = prices.stream().map(Money::amount).sorted().toList();
        assertThat(amounts.getFirst(), lessThan(new BigDecimal("10")));
        assertThat(amounts.getLast(), greaterThan(new BigDecimal("500")));
        assertThat(new HashSet<>(amounts).size(), greaterThan(15));
    }

    @Test
    void namesAreUnique() {
        assertThat(catalog.products().stream().map(Product::name).distinct().count(), is(20L));
    }

    @Test
    void looksUpBySku() {
        assertThat(catalog.product("SKU-0013").map(Product::name), is(Optional.of("Mirrorless Camera Body")));
        assertThat(catalog.product("SKU-0013").map(Product::unitPrice), is(Optional.of(Money.of("899", "USD"))));
        assertThat(catalog.product("SKU-0021"), is(Optional.empty()));
        assertThat(catalog.product("nonsense"), is(Optional.empty()));
    }

    @Test
    void keepsInitialStockInWarehouseOrder() {
        var entry = new Catalog.Entry(product("SKU-9001"), Map.of("ap-south-1", 1, "eu-west-1", 2, "us-east-1", 3));
        assertThat(List.copyOf(entry.initialStock().keySet()), is(Catalog.WAREHOUSES));
    }

    @Test
    void rejectsUnknownWarehouseDuplicateSkuAndBadProducts() {
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> new Catalog.Entry(product("SKU-9001"), Map.of("mars-1", 10)));
        assertThat(unknown.getMessage(), containsString("mars-1"));
        assertThrows(IllegalArgumentException.class, () -> new Catalog.Entry(product("SKU-9001"), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Catalog.Entry(product("SKU-9001"), Map.of("eu-west-1", -1)));

        var entry = new Catalog.Entry(product("SKU-9001"), Map.of("eu-west-1", 10));
        var duplicate = assertThrows(IllegalArgumentException.class, () -> new Catalog(List.of(entry, entry)));
        assertThat(duplicate.getMessage(), containsString("SKU-9001"));

        assertThrows(IllegalArgumentException.class, () -> product("SKU-1"));
        assertThrows(IllegalArgumentException.class, () -> product("sku-0001"));
        assertThrows(IllegalArgumentException.class, () -> new Product("SKU-0001", " ", Money.of("1", "USD")));
        assertThrows(IllegalArgumentException.class, () -> new Product("SKU-0001", "x", Money.of("1", "EUR")));
        assertThrows(IllegalArgumentException.class, () -> new Product("SKU-0001", "x", Money.of("0", "USD")));
    }

    private static Product product(String sku) {
        return new Product(sku, "Test product", Money.of("10.00", "USD"));
    }
}
