package dev.o11yshop.payment;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class PaymentMethodTest {
    @Test
    void parsesTheWireName() {
        assertThat(PaymentMethod.fromWireName("card"), is(PaymentMethod.CARD));
        assertThat(PaymentMethod.CARD.wireName(), is("card"));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "CARD", "paypal", "4111111111111111"})
    void rejectsUnknownMethodsListingTheSupportedOnes(String input) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PaymentMethod.fromWireName(input));

        assertThat(e.getMessage(), is("unsupported payment method; supported: card"));
    }
}
