package dev.o11yshop.inventory;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** An immutable view of a reservation; a state change yields a new instance. */
public record Reservation(String reservationId, String orderId, List<ReservedItem> items, Instant expiresAt,
                          Status status) {

    public enum Status {
        /** Stock is held and may still be committed or released. */
        RESERVED,
        /** Stock is sold; final. */
        COMMITTED,
        /** Stock was given back by the caller; final. */
        RELEASED,
        /** Stock was given back because the reservation was not committed in time; final. */
        EXPIRED
    }

    public Reservation {
        Objects.requireNonNull(reservationId, "reservationId");
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(status, "status");
        items = List.copyOf(items);
    }

    Reservation withStatus(Status newStatus) {
        return new Reservation(reservationId, orderId, items, expiresAt, newStatus);
    }
}
