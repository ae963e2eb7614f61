package dev.o11yshop.payment;

/** The result of a {@link FraudCheck}: approved, or declined with a reason. */
public record FraudVerdict(boolean approved, DeclineReason declineReason) {
    public static final FraudVerdict APPROVED = new FraudVerdict(true, null);

    public FraudVerdict {
        if (approved != (declineReason == null)) {
            throw new IllegalArgumentException("a decline reason is required exactly when not approved");
        }
    }

    public static FraudVerdict declined(DeclineReason reason) {
        return new FraudVerdict(false, reason);
    }
}
