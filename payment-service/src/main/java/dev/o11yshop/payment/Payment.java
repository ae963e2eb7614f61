package dev.o11yshop.payment;

import java.time.Instant;
import java.util.Objects;

import dev.o11yshop.observability.Money;

/**
 * A stored authorisation attempt. It carries the card's last four digits and never the card
 * number. {@code declineReason} is {@code null} exactly when the payment is authorised.
 */
public record Payment(
        String paymentId,
        String orderId,
        Money amount,
        PaymentMethod method,
        PaymentStatus status,
        DeclineReason declineReason,
        String cardLastFour,
        Instant createdAt) {

    public Payment {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(cardLastFour, "cardLastFour");
        Objects.requireNonNull(createdAt, "createdAt");
        if ((status == PaymentStatus.AUTHORIZED) != (declineReason == null)) {
            throw new IllegalArgumentException("a decline reason is required exactly when declined");
        }
        if (!cardLastFour.matches("\\d{4}")) {
            throw new IllegalArgumentException("cardLastFour must be four digits");
        }
    }
}
