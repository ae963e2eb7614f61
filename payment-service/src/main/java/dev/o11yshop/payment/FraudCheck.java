package dev.o11yshop.payment;

import java.math.BigDecimal;
import java.util.Objects;

import dev.o11yshop.observability.Money;

/**
 * Screens a payment before it goes to the (simulated) issuer. Deterministic, so demo traffic and
 * tests get the same answer every time.
 *
 * <p>It is an interface so that the HTTP layer can decorate the rule set, e.g. wrap it in the
 * {@code fraud_check} span, and hand the decorated check to {@link PaymentAuthorizer}; the domain
 * stays free of telemetry and the check is timed exactly when it really runs.
 */
@FunctionalInterface
public interface FraudCheck {
    BigDecimal DEFAULT_LIMIT = new BigDecimal("10000.00");

    FraudVerdict assess(Money amount);

    /** The standard rule set with the default limit of 10,000.00. */
    static FraudCheck standard() {
        return amountLimit(DEFAULT_LIMIT);
    }

    /**
     * Declines any amount strictly above {@code limit} with {@link DeclineReason#FRAUD_SUSPECTED}.
     * The limit applies in the payment's own currency: the shop trades in one currency.
     */
    static FraudCheck amountLimit(BigDecimal limit) {
        Objects.requireNonNull(limit, "limit");
        if (limit.signum() <= 0) {
            throw new IllegalArgumentException("fraud limit must be positive");
        }
        return amount -> amount.amount().compareTo(limit) > 0
                ? FraudVerdict.declined(DeclineReason.FRAUD_SUSPECTED)
                : FraudVerdict.APPROVED;
    }
}
