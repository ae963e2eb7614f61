package dev.o11yshop.inventory;

import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.o11yshop.observability.Money;

/**
 * The fixed product catalog and where each product is initially stocked. It is immutable; stock
 * movements live in {@link Inventory}.
 */
public final class Catalog {
    /**
     * Every warehouse there is. The set is fixed because warehouse names are metric label values
     * ({@code inventory_level{warehouse=…}}), which must stay bounded.
     */
    public static final List<String> WAREHOUSES = List.of("eu-west-1", "us-east-1", "ap-south-1");

    private static final String EU = "eu-west-1";
    private static final String US = "us-east-1";
    private static final String AP = "ap-south-1";

    /** A product and its initial quantity per warehouse, in {@link #WAREHOUSES} order. */
    public record Entry(Product product, Map<String, Integer> initialStock) {
        public Entry {
            Objects.requireNonNull(product, "product");
            if (initialStock.isEmpty()) {
                throw new IllegalArgumentException(product.sku() + " must be stocked in at least one warehouse");
            }
            initialStock.forEach((warehouse, quantity) -> {
                if (!WAREHOUSES.contains(warehouse)) {
                    throw new IllegalArgumentException("unknown warehouse " + warehouse + " for " + product.sku());
                }
                if (quantity < 0) {
                    throw new IllegalArgumentException("negative stock for " + product.sku() + " in " + warehouse);
                }
            });
            var ordered = new LinkedHashMap<String, Integer>();
            for (String warehouse : WAREHOUSES) {
                if (initialStock.containsKey(warehouse)) {
                    ordered.put(warehouse, initialStock.get(warehouse));
                }
            }
            initialStock = Collections.unmodifiableMap(ordered);
        }
    }

    private final Map<String, Entry> entries;

    /** A catalog of the given entries; skus must be unique. Tests use this for tailored stock. */
    public Catalog(Collection<Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries.stream()
                .sorted(Comparator.comparing(entry -> entry.product().sku()))
                .collect(Collectors.toMap(entry -> entry.product().sku(), Function.identity(),
                        (a, b) -> {
                            throw new IllegalArgumentException("duplicate sku " + a.product().sku());
                        },
                        LinkedHashMap::new)));
    }

    /** The demo shop's 20 products, SKU-0001 to SKU-0020. */
    public static Catalog standard() {
        return new Catalog(List.of(
                entry("SKU-0001", "USB-C Charging Cable (2 m)", "9.99", Map.of(EU, 420, US, 480, AP, 350)),
                entry("SKU-0002", "Wireless Optical Mouse", "24.99", Map.of(EU, 260, US, 310)),
                entry("SKU-0003", "Mechanical Keyboard", "89.00", Map.of(EU, 140, US, 180, AP, 90)),
                entry("SKU-0004", "27\" 4K Monitor", "349.99", Map.of(EU, 60, US, 85)),
                entry("SKU-0005", "Noise-Cancelling Headphones", "229.00", Map.of(US, 120, AP, 75)),
                entry("SKU-0006", "Aluminium Laptop Stand", "39.50", Map.of(EU, 200, US, 150, AP, 110)),
                entry("SKU-0007", "1080p Webcam", "59.99", Map.of(EU, 175, AP, 130)),
                entry("SKU-0008", "Portable SSD 1 TB", "119.00", Map.of(EU, 95, US, 140, AP, 70)),
                entry("SKU-0009", "Ergonomic Office Chair", "289.00", Map.of(EU, 55, US, 80)),
                entry("SKU-0010", "Standing Desk Frame", "449.00", Map.of(US, 65, AP, 50)),
                entry("SKU-0011", "Bluetooth Speaker", "79.95", Map.of(EU, 190, US, 230, AP, 160)),
                entry("SKU-0012", "Smartwatch", "199.00", Map.of(EU, 110, AP, 95)),
                entry("SKU-0013", "Mirrorless Camera Body", "899.00", Map.of(EU, 50, US, 60, AP, 50)),
                entry("SKU-0014", "Ceramic Coffee Mug (350 ml)", "6.50", Map.of(EU, 500, US, 450)),
                entry("SKU-0015", "Sticker Pack", "4.99", Map.of(EU, 480, US, 500, AP, 460)),
                entry("SKU-0016", "Cotton Hoodie", "49.00", Map.of(EU, 220, US, 240)),
                entry("SKU-0017", "XL Desk Mat", "14.99", Map.of(US, 330, AP, 280)),
                entry("SKU-0018", "Wi-Fi 6 Router", "159.00", Map.of(EU, 85, US, 120, AP, 65)),
                entry("SKU-0019", "11\" Tablet", "599.00", Map.of(EU, 70, US, 90)),
                entry("SKU-0020", "Gaming Headset", "69.99", Map.of(EU, 150, US, 170, AP, 120))));
    }

    private static Entry entry(String sku, String name, String price, Map<String, Integer> stock) {
        return new Entry(new Product(sku, name, Money.of(price, Product.CURRENCY)), stock);
    }

    public Optional<Product> product(String sku) {
        return Optional.ofNullable(entries.get(sku)).map(Entry::product);
    }

    /** All products in sku order. */
    public List<Product> products() {
        return entries.values().stream().map(Entry::product).toList();
    }

    /** All entries in sku order. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }
}
