package dev.o11yshop.payment;

/** Outcome of an authorisation; a declined payment is stored like an authorised one. */
public enum PaymentStatus {
    AUTHORIZED,
    DECLINED
}
