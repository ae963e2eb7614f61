package dev.o11yshop.inventory;

/** The domain's expected failures; sealed so that the HTTP layer can map every one of them. */
public abstract sealed class InventoryException extends RuntimeException
        permits UnknownSkuException, InsufficientStockException, ReservationNotFoundException,
                ReservationNotActiveException {

    InventoryException(String message) {
        super(message);
    }
}
