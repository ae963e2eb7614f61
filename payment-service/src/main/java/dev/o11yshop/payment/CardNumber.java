package dev.o11yshop.payment;

import java.util.Arrays;

/**
 * A validated card number that keeps only what is safe to keep: the last four digits and the
 * {@link TestCard} classification. The full number is read once, in {@link #parse}, and never
 * stored, so no later toString, log line, span attribute or heap dump of this object can leak it.
 * Instances have identity semantics: two cards with the same last four are not the same card.
 */
public final class CardNumber {
    private static final int MIN_DIGITS = 12;
    private static final int MAX_DIGITS = 19;

    private final String lastFour;
    private final TestCard testCard;

    private CardNumber(String lastFour, TestCard testCard) {
        this.lastFour = lastFour;
        this.testCard = testCard;
    }

    /**
     * Parses 12 to 19 ASCII digits, optionally grouped by single spaces or dashes
     * ({@code 4111 1111 1111 1111}, {@code 4111-1111-1111-1111}), and checks the Luhn digit.
     * Surrounding whitespace is not accepted.
     *
     * @throws InvalidCardNumberException with a message that never contains the input
     */
    public static CardNumber parse(String input) {
        if (input == null || input.isEmpty()) {
            throw new InvalidCardNumberException("card number is required");
        }
        // A hand-written scan instead of a regex: one pass, no intermediate String of the digits,
        // and no regex recursion on a long hostile input.
        char[] digits = new char[MAX_DIGITS];
        try {
            int count = 0;
            for (int i = 0; i < input.length(); i++) {
                char c = input.charAt(i);
                if (isDigit(c)) {
                    if (count == MAX_DIGITS) {
                        throw new InvalidCardNumberException(lengthMessage());
                    }
                    digits[count++] = c;
                } else if (!isSeparatorBetweenDigits(input, i)) {
                    throw new InvalidCardNumberException(
                            "card number must contain only digits, optionally grouped by single spaces or dashes");
                }
            }
            if (count < MIN_DIGITS) {
                throw new InvalidCardNumberException(lengthMessage());
            }
            if (!luhnValid(digits, count)) {
                throw new InvalidCardNumberException("card number fails the Luhn check");
            }
            return new CardNumber(new String(digits, count - 4, 4), TestCard.classify(digits, count));
        } finally {
            // The caller's String is out of our hands, but our own copy does not outlive the call.
            Arrays.fill(digits, '0');
        }
    }

    public String lastFour() {
        return lastFour;
    }

    public TestCard testCard() {
        return testCard;
    }

    /** Masked form, {@code **** **** **** 1111}; the only printable form there is. */
    @Override
    public String toString() {
        return "**** **** **** " + lastFour;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9'; // ASCII only; Character.isDigit would admit other scripts
    }

    private static boolean isSeparatorBetweenDigits(String s, int i) {
        char c = s.charAt(i);
        return (c == ' ' || c == '-')
                && i > 0 && isDigit(s.charAt(i - 1))
                && i + 1 < s.length() && isDigit(s.charAt(i + 1));
    }

    private static String lengthMessage() {
        return "card number must have " + MIN_DIGITS + " to " + MAX_DIGITS + " digits";
    }

    private static boolean luhnValid(char[] digits, int count) {
        int sum = 0;
        boolean doubled = false;
        for (int i = count - 1; i >= 0; i--) {
            int d = digits[i] - '0';
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }
}
