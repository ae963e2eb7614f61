package dev.o11yshop.inventory;

/** The sku is not in the catalog. */
public final class UnknownSkuException extends InventoryException {
    private final String sku;

    public UnknownSkuException(String sku) {
        super("unknown sku " + sku);
        this.sku = sku;
    }

    public String sku() {
        return sku;
    }
}
