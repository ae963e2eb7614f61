package dev.o11yshop.payment;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.ManualClock;
import dev.o11yshop.observability.MetricsProbe;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.RetainedHeap;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PaymentAuthorizerTest {
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Money AMOUNT = Money.of("59.98", "USD");
    private static final CardNumber VISA = CardNumber.parse("4111111111111111");

    private final AtomicInteger fraudChecks = new AtomicInteger();
    private final FraudCheck countingFraudCheck = amount -> {
        fraudChecks.incrementAndGet();
        return FraudCheck.standard().assess(amount);
    };
    /** Loose enough never to evict, unless a test is about eviction. */
    private static final Bounds LOOSE = new Bounds(100_000, 64L << 20, Duration.ofDays(1));

    private final PaymentAuthorizer authorizer = new PaymentAuthorizer(CLOCK, countingFraudCheck, LOOSE);

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "4111111111111111, AUTHORIZED, ",
            "5555555555554444, AUTHORIZED, ",
            "4000000000000002, DECLINED,   CARD_DECLINED",
            "4000000000009995, DECLINED,   INSUFFICIENT_FUNDS",
    })
    void testCardsGetTheirContractedOutcome(String number, PaymentStatus status, DeclineReason reason) {
        Payment payment = authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, CardNumber.parse(number)).payment();

        assertThat(payment.status(), is(status));
        assertThat(payment.declineReason(), is(reason));
        assertThat(payment.cardLastFour(), is(number.substring(12)));
        assertThat(payment.orderId(), is("ord-1"));
        assertThat(payment.amount(), is(AMOUNT));
        assertThat(payment.method(), is(PaymentMethod.CARD));
        assertThat(payment.createdAt(), is(NOW));
        assertThat(payment.paymentId().matches("pay_[0-9a-f]{32}"), is(true));
        assertThat(payment.toString(), not(containsString(number)));
        assertThat(authorizer.find(payment.paymentId()), is(Optional.of(payment)));
    }

    @Test
    void fraudCheckDeclinesAboveTheLimitEvenForTheGoodTestCard() {
        Payment payment = authorizer.authorize("ord-1", Money.of("10000.01", "USD"), PaymentMethod.CARD, VISA).payment();

        assertThat(payment.status(), is(PaymentStatus.DECLINED));
        assertThat(payment.declineReason(), is(DeclineReason.FRAUD_SUSPECTED));
    }

    @Test
    void fraudDeclineTakesPrecedenceOverTheIssuer() {
        Payment payment = authorizer.authorize(
                "ord-1", Money.of("20000", "USD"), PaymentMethod.CARD, CardNumber.parse("4000000000009995")).payment();

        assertThat(payment.declineReason(), is(DeclineReason.FRAUD_SUSPECTED));
    }

    @Test
    void usesTheInjectedFraudCheck() {
        PaymentAuthorizer strict = new PaymentAuthorizer(CLOCK, FraudCheck.amountLimit(new BigDecimal("50")), LOOSE);

        assertThat(strict.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment().declineReason(),
                is(DeclineReason.FRAUD_SUSPECTED));
    }

    @Test
    void repeatedRequestReturnsTheStoredPaymentWithoutReauthorizing() {
        Payment first = authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment();
        Payment again = authorizer.authorize(
                "ord-1", Money.of("59.980", "USD"), PaymentMethod.CARD, CardNumber.parse("4111-1111-1111-1111")).payment();

        assertThat(again, sameInstance(first));
        assertThat(fraudChecks.get(), is(1));
        assertThat(authorizer.size(), is(1));
    }

    @Test
    void declinedPaymentsAreStoredAndReplayedToo() {
        CardNumber declining = CardNumber.parse("4000000000000002");
        Payment first = authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, declining).payment();
        Payment again = authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, declining).payment();

        assertThat(again, sameInstance(first));
        assertThat(authorizer.find(first.paymentId()).map(Payment::status), is(Optional.of(PaymentStatus.DECLINED)));
        assertThat(fraudChecks.get(), is(1));
    }

    @Test
    void sameOrderWithAnotherAmountIsAConflict() {
        Payment first = authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment();

        PaymentConflictException e = assertThrows(PaymentConflictException.class,
                () -> authorizer.authorize("ord-1", Money.of("59.99", "USD"), PaymentMethod.CARD, VISA).payment());
        assertThat(e.getMessage(), is("order ord-1 already has a payment with a different amount"));
        assertThrows(PaymentConflictException.class,
                () -> authorizer.authorize("ord-1", Money.of("59.98", "EUR"), PaymentMethod.CARD, VISA).payment());
        assertThat(authorizer.find(first.paymentId()), is(Optional.of(first)));
        assertThat(authorizer.size(), is(1));
    }

    @Test
    void sameOrderWithAnotherCardIsAConflict() {
        authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment();

        PaymentConflictException e = assertThrows(PaymentConflictException.class,
                () -> authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, CardNumber.parse("5555555555554444")).payment());
        assertThat(e.getMessage(), is("order ord-1 already has a payment with a different card"));
    }

    @Test
    void differentOrdersGetDifferentPayments() {
        Payment a = authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment();
        Payment b = authorizer.authorize("ord-2", AMOUNT, PaymentMethod.CARD, VISA).payment();

        assertThat(a.paymentId().equals(b.paymentId()), is(false));
        assertThat(fraudChecks.get(), is(2));
    }

    @Test
    void findUnknownPaymentIsEmpty() {
        assertThat(authorizer.find("pay_unknown"), is(Optional.empty()));
    }

    @Test
    void rejectsInvalidRequests() {
        assertThrows(IllegalArgumentException.class,
                () -> authorizer.authorize(" ", AMOUNT, PaymentMethod.CARD, VISA).payment());
        assertThrows(IllegalArgumentException.class,
                () -> authorizer.authorize("ord-1", Money.of("0", "USD"), PaymentMethod.CARD, VISA).payment());
        assertThrows(IllegalArgumentException.class,
                () -> authorizer.authorize("ord-1", Money.of("-1", "USD"), PaymentMethod.CARD, VISA).payment());
        assertThrows(NullPointerException.class,
                () -> authorizer.authorize("ord-1", AMOUNT, PaymentMethod.CARD, null).payment());
        assertThat(authorizer.size(), is(0));
        assertThat(fraudChecks.get(), is(0));
    }

    @Test
    void failingFraudCheckStoresNothingSoTheRequestCanBeRetried() {
        AtomicInteger calls = new AtomicInteger();
        PaymentAuthorizer flaky = new PaymentAuthorizer(CLOCK, amount -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("fraud rules unavailable");
            }
            return FraudVerdict.APPROVED;
        }, LOOSE);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> flaky.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment());
        assertThat(e.getMessage(), is("fraud rules unavailable"));
        assertThat(flaky.size(), is(0));
        assertThat(flaky.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment().status(), is(PaymentStatus.AUTHORIZED));
    }

    @Test
    void concurrentRequestsForOneOrderYieldExactlyOnePayment() throws Exception {
        int threads = 50;
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Payment>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    if (!start.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("start gate never opened");
                    }
                    return authorizer.authorize("ord-race", AMOUNT, PaymentMethod.CARD, VISA).payment();
                }));
            }
            assertThat("all threads ready", ready.await(10, TimeUnit.SECONDS), is(true));
            start.countDown();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Set<String> paymentIds = new HashSet<>();
            for (Future<Payment> future : futures) {
                // get() rethrows any failure of the task, so nothing is lost.
                paymentIds.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).paymentId());
            }

            assertThat(paymentIds, hasSize(1));
            assertThat(fraudChecks.get(), is(1));
            assertThat(authorizer.size(), is(1));
        } finally {
            pool.shutdownNow();
            assertThat("pool terminated", pool.awaitTermination(10, TimeUnit.SECONDS), is(true));
        }
    }

    @Test
    void keepsAtMostCapacityPaymentsEvictingTheOldest() {
        long evictionsBefore = evictions("capacity");
        PaymentAuthorizer small = new PaymentAuthorizer(CLOCK, FraudCheck.standard(),
                                                        new Bounds(3, 1L << 20, Duration.ofHours(1)));
        List<Payment> payments = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            payments.add(small.authorize("ord-" + i, AMOUNT, PaymentMethod.CARD, VISA).payment());
            assertThat(small.size(), is(Math.min(i, 3)));
        }

        assertThat(small.find(payments.get(0).paymentId()), is(Optional.empty()));
        assertThat(small.find(payments.get(1).paymentId()), is(Optional.empty()));
        for (Payment kept : payments.subList(2, 5)) {
            assertThat(small.find(kept.paymentId()), is(Optional.of(kept)));
        }
        // Replaying a kept order does not refresh it: eviction is first in, first out.
        assertThat(small.authorize("ord-3", AMOUNT, PaymentMethod.CARD, VISA).payment(), sameInstance(payments.get(2)));
        Payment sixth = small.authorize("ord-6", AMOUNT, PaymentMethod.CARD, VISA).payment();
        assertThat(small.find(payments.get(2).paymentId()), is(Optional.empty()));
        assertThat(small.find(sixth.paymentId()), is(Optional.of(sixth)));
        assertThat(small.size(), is(3));
        assertThat(evictions("capacity"), is(evictionsBefore + 3));
    }

    @Test
    void keepsAtMostTheByteBudgetEvictingTheOldest() {
        Payment probe = authorizer.authorize("ord_" + "0".repeat(32), AMOUNT, PaymentMethod.CARD, VISA).payment();
        long each = BoundedStore.ENTRY_BYTES + PaymentAuthorizer.estimatedBytes(probe);
        PaymentAuthorizer small = new PaymentAuthorizer(CLOCK, FraudCheck.standard(),
                                                        new Bounds(1_000, 2 * each + each / 2, Duration.ofHours(1)));
        List<Payment> payments = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            payments.add(small.authorize("ord_" + "0".repeat(31) + i, AMOUNT, PaymentMethod.CARD, VISA).payment());
        }

        assertThat(small.size(), is(2));
        assertThat(small.find(payments.get(0).paymentId()), is(Optional.empty()));
        assertThat(small.find(payments.get(2).paymentId()), is(Optional.of(payments.get(2))));
    }

    @Test
    void forgetsPaymentsOlderThanTheMaximumAge() {
        long evictionsBefore = evictions("age");
        ManualClock clock = new ManualClock(NOW);
        PaymentAuthorizer aging = new PaymentAuthorizer(clock, FraudCheck.standard(),
                                                         new Bounds(1_000, 1L << 20, Duration.ofMinutes(10)));
        Payment old = aging.authorize("ord-1", AMOUNT, PaymentMethod.CARD, VISA).payment();
        clock.advance(Duration.ofMinutes(5));
        Payment recent = aging.authorize("ord-2", AMOUNT, PaymentMethod.CARD, VISA).payment();

        clock.advance(Duration.ofMinutes(5));

        assertThat("the index by payment id forgets it too", aging.find(old.paymentId()), is(Optional.empty()));
        assertThat(aging.find(recent.paymentId()), is(Optional.of(recent)));
        assertThat(aging.size(), is(1));
        assertThat(evictions("age"), is(evictionsBefore + 1));
    }

    /** Prints what a stored payment really retains; fails only if the estimate is far too low. */
    @Test
    void theByteEstimateOfAPaymentIsNotTooLow() {
        PaymentAuthorizer store = new PaymentAuthorizer(CLOCK, FraudCheck.standard(), LOOSE);
        int entries = 5_000;
        long measured = RetainedHeap.perEntry(entries, i -> store.authorize(
                "ord_" + UUID.randomUUID().toString().replace("-", ""), Money.of("59.98", new String("USD".toCharArray())),
                PaymentMethod.CARD, VISA));
        long estimated = BoundedStore.ENTRY_BYTES + PaymentAuthorizer.estimatedBytes(
                store.authorize("ord_" + "0".repeat(32), AMOUNT, PaymentMethod.CARD, VISA).payment());
        RetainedHeap.report("payments", measured, estimated);

        assertThat(measured, lessThanOrEqualTo(2 * estimated));
    }

    @Test
    void boundsAreConfiguredWithDefaultsFromTheShippedFile() {
        assertThat(PaymentAuthorizer.bounds(Config.empty()),
                   is(new Bounds(100_000, 32L << 20, Duration.ofHours(1))));
        assertThat(PaymentAuthorizer.bounds(Config.just(ConfigSources.create(Map.of(
                           "payment.store.max.age.ms", "1000")))).maxAge(), is(Duration.ofSeconds(1)));
    }

    private static long evictions(String reason) {
        return MetricsProbe.counter("store_evictions_total", Map.of("store", "payments", "reason", reason));
    }

    @Test
    void paymentRequiresAReasonExactlyWhenDeclined() {
        assertThrows(IllegalArgumentException.class, () -> new Payment(
                "pay_1", "ord-1", AMOUNT, PaymentMethod.CARD, PaymentStatus.DECLINED, null, "1111", NOW));
        assertThrows(IllegalArgumentException.class, () -> new Payment("pay_1", "ord-1", AMOUNT,
                PaymentMethod.CARD, PaymentStatus.AUTHORIZED, DeclineReason.CARD_DECLINED, "1111", NOW));
        assertThat(new Payment("pay_1", "ord-1", AMOUNT, PaymentMethod.CARD, PaymentStatus.AUTHORIZED, null,
                "1111", NOW).declineReason(), nullValue());
    }
}
