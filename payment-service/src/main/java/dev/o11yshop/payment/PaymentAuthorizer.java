package dev.o11yshop.payment;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.ShippedDefaults;
import io.helidon.config.Config;

/**
 * Authorises payments against a simulated issuer and keeps them in memory. Thread-safe.
 *
 * <p><b>Flow.</b> For an order not seen before: the {@link FraudCheck} given to the constructor
 * runs first (a decline there is final), then the issuer answers by {@link TestCard}. Both
 * outcomes are stored. The HTTP layer times or traces the fraud step by decorating the
 * {@code FraudCheck} it passes in, so the check is observed exactly when it runs, and never for
 * a replayed request.
 *
 * <p><b>Idempotency.</b> One payment per order id: a repeated request returns the stored payment
 * (same id, same status) without a second fraud check or authorisation. A repeat that differs in
 * amount, method or card (last four) is a {@link PaymentConflictException}, because returning the
 * stored result would answer a question that was not asked.
 *
 * <p><b>Memory.</b> Payments are kept within {@link Bounds} of count, estimated bytes and age
 * ({@code payment.store.*}); beyond them the oldest is evicted, first in, first out, and counted
 * in {@code store_evictions_total{store="payments"}}. The index by payment id drops each evicted
 * payment with it. An evicted payment is no longer found, and its order id would be authorised
 * afresh; an order-service retry comes within seconds, long before that.
 *
 * <p><b>Locking.</b> Requests for one order are serialised by a lock striped on the order id, so
 * the fraud check runs outside any global lock; the indexes have their own short lock.
 * {@link ReentrantLock} rather than {@code synchronized} so that Helidon's virtual threads are not
 * pinned on Java 21.
 */
public final class PaymentAuthorizer {
    /** The {@code store} label. */
    public static final String STORE = "payments";
    private static final int ORDER_LOCK_STRIPES = 64;

    private final Clock clock;
    private final FraudCheck fraudCheck;
    private final Lock[] orderLocks = new Lock[ORDER_LOCK_STRIPES];
    // Every access to both indexes holds storeLock, so an eviction and its removal from byPaymentId are one step.
    private final Lock storeLock = new ReentrantLock();
    private final BoundedStore<String, Payment> byOrderId;
    private final Map<String, Payment> byPaymentId = new HashMap<>();

    public PaymentAuthorizer(Clock clock, FraudCheck fraudCheck, Bounds bounds) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fraudCheck = Objects.requireNonNull(fraudCheck, "fraudCheck");
        this.byOrderId = new BoundedStore<>(STORE, bounds, clock, PaymentAuthorizer::estimatedBytes,
                                            (orderId, payment) -> byPaymentId.remove(payment.paymentId()));
        for (int i = 0; i < orderLocks.length; i++) {
            orderLocks[i] = new ReentrantLock();
        }
    }

    /**
     * Authorises {@code amount} for {@code orderId}, or returns the payment already made for it.
     * A decline is a normal result ({@link PaymentStatus#DECLINED}), not an exception.
     *
     * @throws PaymentConflictException if the order already has a payment for another request
     * @throws IllegalArgumentException if the order id is blank or the amount not positive
     */
    public Authorization authorize(String orderId, Money amount, PaymentMethod method, CardNumber card) {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(card, "card");
        if (orderId.isBlank()) {
            throw new IllegalArgumentException("orderId must not be blank");
        }
        if (!amount.isPositive()) {
            throw new IllegalArgumentException("amount must be positive");
        }
        Lock orderLock = orderLocks[Math.floorMod(orderId.hashCode(), orderLocks.length)];
        orderLock.lock();
        try {
            Payment existing = findByOrderId(orderId);
            if (existing != null) {
                return new Authorization(requireSameRequest(existing, amount, method, card), true);
            }
            Payment payment = decide(orderId, amount, method, card);
            store(payment);
            return new Authorization(payment, false);
        } finally {
            orderLock.unlock();
        }
    }

    /**
     * The payment for an authorization request.
     *
     * @param replayed true when the order already had this payment and nothing new was decided (not to be
     *                 counted again)
     */
    public record Authorization(Payment payment, boolean replayed) {
    }

    /** The bounds configured under {@code payment.store} ({@code PAYMENT_STORE_MAX_BYTES}, ...). */
    public static Bounds bounds(Config config) {
        return Bounds.from(ShippedDefaults.of(config, PaymentAuthorizer.class), "payment.store");
    }

    public Optional<Payment> find(String paymentId) {
        storeLock.lock();
        try {
            byOrderId.evictExpired();
            return Optional.ofNullable(byPaymentId.get(paymentId));
        } finally {
            storeLock.unlock();
        }
    }

    /** Number of payments currently kept; never more than the capacity. */
    public int size() {
        storeLock.lock();
        try {
            return byOrderId.size();
        } finally {
            storeLock.unlock();
        }
    }

    private Payment decide(String orderId, Money amount, PaymentMethod method, CardNumber card) {
        FraudVerdict verdict = fraudCheck.assess(amount);
        DeclineReason reason = verdict.approved() ? card.testCard().issuerDecline() : verdict.declineReason();
        PaymentStatus status = reason == null ? PaymentStatus.AUTHORIZED : PaymentStatus.DECLINED;
        String paymentId = "pay_" + UUID.randomUUID().toString().replace("-", "");
        return new Payment(paymentId, orderId, amount, method, status, reason, card.lastFour(), clock.instant());
    }

    private static Payment requireSameRequest(Payment existing, Money amount, PaymentMethod method, CardNumber card) {
        String differs = !existing.amount().equals(amount) ? "amount"
                : existing.method() != method ? "payment method"
                : !existing.cardLastFour().equals(card.lastFour()) ? "card"
                : null;
        if (differs != null) {
            throw new PaymentConflictException(
                    "order " + existing.orderId() + " already has a payment with a different " + differs);
        }
        return existing;
    }

    private Payment findByOrderId(String orderId) {
        storeLock.lock();
        try {
            return byOrderId.get(orderId);
        } finally {
            storeLock.unlock();
        }
    }

    private void store(Payment payment) {
        storeLock.lock();
        try {
            byPaymentId.put(payment.paymentId(), payment);
            byOrderId.put(payment.orderId(), payment);
        } finally {
            storeLock.unlock();
        }
    }

    /**
     * Estimated heap a payment retains beyond the map entry (measured in {@code PaymentAuthorizerTest}): the record,
     * its ids, amount, last four and instant, and its entry in the index by payment id.
     */
    static long estimatedBytes(Payment payment) {
        return 48 + BoundedStore.stringBytes(payment.paymentId()) + BoundedStore.stringBytes(payment.orderId())
               + 24 + 40 + BoundedStore.stringBytes(payment.amount().currency())
               + BoundedStore.stringBytes(payment.cardLastFour()) + 24 + 56;
    }
}
