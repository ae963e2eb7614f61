package dev.o11yshop.inventory;

import java.util.Objects;
import java.util.regex.Pattern;

import dev.o11yshop.observability.Money;

/** A sellable product. The sku doubles as a metric label, so its format is enforced here. */
public record Product(String sku, String name, Money unitPrice) {
    /** The API's sku format ({@code SKU-0001}); also used by callers validating requests. */
    public static final Pattern SKU_FORMAT = Pattern.compile("SKU-\\d{4}");
    static final String CURRENCY = "USD";

    public Product {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unitPrice, "unitPrice");
        if (!SKU_FORMAT.matcher(sku).matches()) {
            throw new IllegalArgumentException("sku must match " + SKU_FORMAT + ", got " + sku);
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (!CURRENCY.equals(unitPrice.currency()) || !unitPrice.isPositive()) {
            throw new IllegalArgumentException("unitPrice must be a positive USD amount, got " + unitPrice);
        }
    }
}
