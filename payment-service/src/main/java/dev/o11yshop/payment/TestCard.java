package dev.o11yshop.payment;

import java.util.Arrays;

/**
 * The documented test cards (PLATFORM.md, payment-service) and how the simulated issuer answers
 * them. Every other Luhn-valid number is {@link #NONE} and is authorised unless the fraud check
 * declines it.
 */
public enum TestCard {
    NONE(null, null),
    AUTHORIZES("4111111111111111", null),
    DECLINES("4000000000000002", DeclineReason.CARD_DECLINED),
    INSUFFICIENT_FUNDS("4000000000009995", DeclineReason.INSUFFICIENT_FUNDS);

    private final char[] number;
    private final DeclineReason issuerDecline;

    TestCard(String number, DeclineReason issuerDecline) {
        this.number = number == null ? null : number.toCharArray();
        this.issuerDecline = issuerDecline;
    }

    /** The issuer's decline reason for this card, or {@code null} when the issuer approves. */
    public DeclineReason issuerDecline() {
        return issuerDecline;
    }

    // Takes the digits as a char array so that CardNumber never has to build a String of them.
    static TestCard classify(char[] digits, int count) {
        for (TestCard card : values()) {
            if (card.number != null && Arrays.equals(card.number, 0, card.number.length, digits, 0, count)) {
                return card;
            }
        }
        return NONE;
    }
}
