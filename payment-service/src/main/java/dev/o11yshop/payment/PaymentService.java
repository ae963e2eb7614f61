package dev.o11yshop.payment;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.MeterFamily;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.Operations;
import dev.o11yshop.observability.Problem;
import dev.o11yshop.observability.ProblemException;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/payments}: authorize a payment for an order (idempotent per order id) and read it back. The card
 * number lives only inside the request handling: responses, spans, logs and metrics carry the last four digits.
 */
final class PaymentService implements HttpService {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentService.class);
    private static final MeterFamily<Counter> PAYMENTS = MeterFamily.counter(
            "payments_total", "Payment authorizations by outcome", "status", "method");
    private static final MeterFamily<Timer> AUTHORIZATION = MeterFamily.latencySummary(
            "payment_authorization_seconds",
            "Authorization time; a summary, so its quantiles are per instance and cannot be averaged across pods",
            new double[] {0.5, 0.95, 0.99}, "method");

    private final PaymentAuthorizer authorizer;
    private final Operations operations;

    PaymentService(Clock clock, FraudCheck fraudCheck, Bounds bounds, Operations operations) {
        this.operations = operations;
        FraudCheck traced = amount -> operations.call("fraud_check", span -> {
            FraudVerdict verdict = fraudCheck.assess(amount);
            span.tag("fraud.approved", verdict.approved());
            return verdict;
        });
        this.authorizer = new PaymentAuthorizer(clock, traced, bounds);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::authorize)
                .get("/{paymentId}", this::find);
    }

    private void authorize(ServerRequest req, ServerResponse res) {
        PaymentRequest request = Json.read(req, PaymentRequest.class);
        ValidPayment valid = request.validate();
        String method = valid.method().wireName();
        long start = System.nanoTime();
        PaymentAuthorizer.Authorization authorization;
        try {
            authorization = operations.call("authorize_payment", span -> {
                span.tag("order.id", valid.orderId());
                span.tag("payment.method", method);
                span.tag("payment.card_last_four", valid.card().lastFour());
                PaymentAuthorizer.Authorization result =
                        authorizer.authorize(valid.orderId(), valid.amount(), valid.method(), valid.card());
                span.tag("payment.id", result.payment().paymentId());
                span.tag("payment.status", result.payment().status().name());
                span.tag("payment.replayed", result.replayed());
                return result;
            });
        } catch (PaymentConflictException e) {
            throw ProblemException.conflict("payment-conflict", "Payment conflicts with an earlier one", e.getMessage());
        } catch (RuntimeException e) {
            PAYMENTS.labels("failed", method).increment();
            throw e;
        } finally {
            AUTHORIZATION.labels(method).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        Payment payment = authorization.payment();
        if (!authorization.replayed()) {
            PAYMENTS.labels(payment.status().name().toLowerCase(Locale.ROOT), method).increment();
        }

        if (payment.status() == PaymentStatus.DECLINED) {
            LOG.atInfo()
                    .addKeyValue("order_id", payment.orderId())
                    .addKeyValue("payment_id", payment.paymentId())
                    .addKeyValue("amount", payment.amount().toString())
                    .addKeyValue("card_last_four", payment.cardLastFour())
                    .addKeyValue("decline_reason", payment.declineReason().code())
                    .log("payment_declined");
            throw new ProblemException(Status.PAYMENT_REQUIRED_402, "payment-declined", "Payment declined",
                                       payment.declineReason().code(), List.of());
        }
        LOG.atInfo()
                .addKeyValue("order_id", payment.orderId())
                .addKeyValue("payment_id", payment.paymentId())
                .addKeyValue("amount", payment.amount().toString())
                .addKeyValue("card_last_four", payment.cardLastFour())
                .log("payment_authorized");
        Json.send(res, Status.CREATED_201, PaymentView.of(payment));
    }

    private void find(ServerRequest req, ServerResponse res) {
        String paymentId = req.path().pathParameters().get("paymentId");
        Payment payment = authorizer.find(paymentId)
                .orElseThrow(() -> ProblemException.notFound("no payment " + paymentId));
        Json.send(res, Status.OK_200, PaymentView.of(payment));
    }

    /** The request body as sent; every field is checked by {@link #validate()}. */
    record PaymentRequest(String orderId, Money amount, String method, String cardNumber) {
        ValidPayment validate() {
            List<Problem.FieldError> errors = new ArrayList<>();
            if (orderId == null || orderId.isBlank() || orderId.length() > 64) {
                errors.add(new Problem.FieldError("orderId", "is required, 1 to 64 characters"));
            }
            if (amount == null || !amount.isPositive()) {
                errors.add(new Problem.FieldError("amount", "is required and must be positive"));
            }
            PaymentMethod paymentMethod = null;
            if (method == null) {
                errors.add(new Problem.FieldError("method", "is required"));
            } else {
                try {
                    paymentMethod = PaymentMethod.fromWireName(method);
                } catch (IllegalArgumentException e) {
                    errors.add(new Problem.FieldError("method", e.getMessage()));
                }
            }
            CardNumber card = null;
            if (cardNumber == null) {
                errors.add(new Problem.FieldError("cardNumber", "is required"));
            } else {
                try {
                    card = CardNumber.parse(cardNumber);
                } catch (InvalidCardNumberException e) {
                    errors.add(new Problem.FieldError("cardNumber", e.getMessage()));
                }
            }
            if (!errors.isEmpty()) {
                throw ProblemException.validation(errors);
            }
            return new ValidPayment(orderId, amount, paymentMethod, card);
        }

        @Override
        public String toString() {
            // A record's toString would print the card number.
            return "PaymentRequest[orderId=" + orderId + ", amount=" + amount + ", method=" + method + "]";
        }
    }

    record ValidPayment(String orderId, Money amount, PaymentMethod method, CardNumber card) {
    }

    /** What a client sees of a payment. */
    record PaymentView(String paymentId, String orderId, String status, Money amount, String method,
                       String cardLastFour, String declineReason, Instant createdAt) {
        static PaymentView of(Payment payment) {
            return new PaymentView(payment.paymentId(), payment.orderId(), payment.status().name(), payment.amount(),
                                   payment.method().wireName(), payment.cardLastFour(),
                                   payment.declineReason() == null ? null : payment.declineReason().code(),
                                   payment.createdAt());
        }
    }
}
