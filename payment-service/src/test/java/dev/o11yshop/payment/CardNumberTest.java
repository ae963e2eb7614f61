package dev.o11yshop.payment;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class CardNumberTest {
    private static final String LENGTH = "card number must have 12 to 19 digits";
    private static final String LUHN = "card number fails the Luhn check";
    private static final String FORMAT =
            "card number must contain only digits, optionally grouped by single spaces or dashes";

    @ParameterizedTest(name = "{0} -> last four {1}, {2}")
    @CsvSource({
            "4111111111111111,     1111, AUTHORIZES",
            "4000000000000002,     0002, DECLINES",
            "4000000000009995,     9995, INSUFFICIENT_FUNDS",
            "5555555555554444,     4444, NONE",
            "378282246310005,      0005, NONE",
            "123456789015,         9015, NONE",          // 12 digits, the minimum
            "1234567890123456785,  6785, NONE",          // 19 digits, the maximum
            "4111 1111 1111 1111,  1111, AUTHORIZES",
            "4000-0000-0000-0002,  0002, DECLINES",
            "4000 0000-0000 9995,  9995, INSUFFICIENT_FUNDS",
            "3782 822463 10005,    0005, NONE",
    })
    void acceptsLuhnValidNumbers(String input, String lastFour, TestCard testCard) {
        CardNumber card = CardNumber.parse(input);

        assertThat(card.lastFour(), is(lastFour));
        assertThat(card.testCard(), is(testCard));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
            "4111111111111112      | " + LUHN,    // one digit off the test card
            "4000000000000003      | " + LUHN,
            "5555555555554445      | " + LUHN,
            "4111a11111111111      | " + FORMAT,
            "four one one one      | " + FORMAT,
            "'4111  1111 1111 1111'| " + FORMAT,  // double space
            "4111--1111-1111-1111  | " + FORMAT,
            "' 4111111111111111'   | " + FORMAT,  // surrounding whitespace
            "4111111111111111-     | " + FORMAT,
            "-4111111111111111     | " + FORMAT,
            "4111.1111.1111.1111   | " + FORMAT,
            "４１１１１１１１１１１１１１１１ | " + FORMAT,  // full-width digits
            "12345678903           | " + LENGTH,  // 11 digits, Luhn-valid
            "12345678901234567894  | " + LENGTH,  // 20 digits, Luhn-valid
            "4111                  | " + LENGTH,
    })
    void rejectsInvalidNumbersWithoutEchoingThem(String input, String message) {
        InvalidCardNumberException e = assertThrows(InvalidCardNumberException.class, () -> CardNumber.parse(input));

        assertThat(e.getMessage(), is(message));
        assertNoDigitsOf(input, e.toString());
    }

    @ParameterizedTest
    @NullAndEmptySource
    void requiresANumber(String input) {
        InvalidCardNumberException e = assertThrows(InvalidCardNumberException.class, () -> CardNumber.parse(input));

        assertThat(e.getMessage(), is("card number is required"));
    }

    @Test
    void isAnIllegalArgument() {
        assertThat(assertThrows(RuntimeException.class, () -> CardNumber.parse("x")),
                instanceOf(IllegalArgumentException.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111111111111111", "4111-1111-1111-1111", "1234567890123456785"})
    void toStringMasksAllButTheLastFour(String input) {
        CardNumber card = CardNumber.parse(input);

        assertThat(card.toString(), is("**** **** **** " + card.lastFour()));
        assertNoDigitsOf(input, card.toString().replace(card.lastFour(), ""));
    }

    @Test
    void keepsNoFieldThatHoldsTheNumber() throws IllegalAccessException {
        String number = "5555555555554444";
        CardNumber card = CardNumber.parse(number);

        for (Field field : CardNumber.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            field.setAccessible(true);
            Object value = field.get(card);
            assertThat(field.getName(), value instanceof String || value instanceof TestCard, is(true));
            assertThat(field.getName(), String.valueOf(value), not(containsString("55555555")));
        }
    }

    @Test
    void lastFourOfEqualCardsIsEqual() {
        assertThat(CardNumber.parse("4111 1111 1111 1111").lastFour(),
                equalTo(CardNumber.parse("4111111111111111").lastFour()));
    }

    /** Neither the input nor any run of its digits longer than the last four may appear. */
    private static void assertNoDigitsOf(String input, String text) {
        assertThat(text, not(containsString(input)));
        String digits = input.replaceAll("[^0-9]", "");
        for (int i = 0; i + 5 <= digits.length(); i++) {
            assertThat(text, not(containsString(digits.substring(i, i + 5))));
        }
    }
}
