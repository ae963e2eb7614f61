package dev.o11yshop.payment;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Supported payment methods. This is an enum, not a string, because the wire name is used as the
 * {@code method} metric label and label values must stay bounded.
 */
public enum PaymentMethod {
    CARD("card");

    private static final String SUPPORTED =
            Arrays.stream(values()).map(PaymentMethod::wireName).collect(Collectors.joining(", "));

    private final String wireName;

    PaymentMethod(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /**
     * Parses a wire name (exact, lower case). The message lists the supported methods but does not
     * echo the rejected value: it is untrusted input and could even be a card number.
     *
     * @throws IllegalArgumentException for {@code null} or an unsupported method
     */
    public static PaymentMethod fromWireName(String wireName) {
        for (PaymentMethod method : values()) {
            if (method.wireName.equals(wireName)) {
                return method;
            }
        }
        throw new IllegalArgumentException("unsupported payment method; supported: " + SUPPORTED);
    }
}
