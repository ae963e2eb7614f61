package dev.o11yshop.payment;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;

import dev.o11yshop.observability.Money;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FraudCheckTest {
    @ParameterizedTest
    @ValueSource(strings = {"0.01", "59.98", "9999.99", "10000", "10000.00"})
    void standardApprovesUpToTheLimit(String amount) {
        assertThat(FraudCheck.standard().assess(Money.of(amount, "USD")), is(FraudVerdict.APPROVED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10000.01", "12000.00", "1000000"})
    void standardDeclinesAboveTheLimit(String amount) {
        FraudVerdict verdict = FraudCheck.standard().assess(Money.of(amount, "USD"));

        assertThat(verdict.approved(), is(false));
        assertThat(verdict.declineReason(), is(DeclineReason.FRAUD_SUSPECTED));
        assertThat(verdict.declineReason().code(), is("fraud_suspected"));
    }

    @Test
    void limitIsConfigurable() {
        FraudCheck check = FraudCheck.amountLimit(new BigDecimal("100"));

        assertThat(check.assess(Money.of("100.00", "USD")).approved(), is(true));
        assertThat(check.assess(Money.of("100.01", "USD")).approved(), is(false));
    }

    @Test
    void limitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> FraudCheck.amountLimit(BigDecimal.ZERO));
    }

    @Test
    void verdictIsConsistent() {
        assertThrows(IllegalArgumentException.class, () -> new FraudVerdict(true, DeclineReason.FRAUD_SUSPECTED));
        assertThrows(IllegalArgumentException.class, () -> new FraudVerdict(false, null));
    }
}
