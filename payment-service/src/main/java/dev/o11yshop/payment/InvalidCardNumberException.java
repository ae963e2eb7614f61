package dev.o11yshop.payment;

/**
 * A card number that cannot be accepted. The message says what is wrong and never echoes the
 * input: exception messages end up in logs, spans and problem responses.
 */
public final class InvalidCardNumberException extends IllegalArgumentException {
    InvalidCardNumberException(String message) {
        super(message);
    }
}
