package dev.o11yshop.inventory;

/** The reservation is in a state that does not allow the requested transition. */
public final class ReservationNotActiveException extends InventoryException {
    private final String reservationId;
    private final Reservation.Status status;

    public ReservationNotActiveException(String reservationId, Reservation.Status status) {
        super("reservation " + reservationId + " is " + status);
        this.reservationId = reservationId;
        this.status = status;
    }

    public String reservationId() {
        return reservationId;
    }

    public Reservation.Status status() {
        return status;
    }
}
