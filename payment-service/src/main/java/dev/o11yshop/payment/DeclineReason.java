package dev.o11yshop.payment;

/** Why a payment was declined; {@link #code()} is the stable, bounded wire value. */
public enum DeclineReason {
    CARD_DECLINED("card_declined"),
    INSUFFICIENT_FUNDS("insufficient_funds"),
    FRAUD_SUSPECTED("fraud_suspected");

    private final String code;

    DeclineReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
