package dev.o11yshop.inventory;

/** No reservation with this id is known (never made, or finished and since pruned). */
public final class ReservationNotFoundException extends InventoryException {
    private final String reservationId;

    public ReservationNotFoundException(String reservationId) {
        super("reservation " + reservationId + " not found");
        this.reservationId = reservationId;
    }

    public String reservationId() {
        return reservationId;
    }
}
