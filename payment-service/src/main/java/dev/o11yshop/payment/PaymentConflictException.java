package dev.o11yshop.payment;

/** A payment request that reuses an order id already paid for with a different request. */
public final class PaymentConflictException extends RuntimeException {
    PaymentConflictException(String message) {
        super(message);
    }
}
