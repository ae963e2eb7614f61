package dev.o11yshop.order;

import java.util.Optional;

import dev.o11yshop.observability.Deadline;
import dev.o11yshop.observability.DownstreamClient;
import dev.o11yshop.observability.DownstreamResponse;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.Problem;
import dev.o11yshop.observability.ProblemException;

/**
 * payment-service as order-service sees it. Authorization is idempotent per order id on the payment side, so
 * it is retried like a GET.
 */
final class PaymentClient {
    private final DownstreamClient http;

    PaymentClient(DownstreamClient http) {
        this.http = http;
    }

    sealed interface AuthorizationResult {
    }

    record Authorized(String paymentId, String cardLastFour) implements AuthorizationResult {
    }

    /** @param reason decline code from payment-service, e.g. {@code card_declined} */
    record Declined(String reason) implements AuthorizationResult {
    }

    record PaymentRequest(String orderId, Money amount, String method, String cardNumber) {
        @Override
        public String toString() {
            return "PaymentRequest[orderId=" + orderId + ", amount=" + amount + ", method=" + method + "]";
        }
    }

    AuthorizationResult authorize(String orderId, Money amount, String method, String cardNumber, Deadline deadline) {
        DownstreamResponse response = http.post("/api/payments", new PaymentRequest(orderId, amount, method, cardNumber),
                                                true, deadline);
        return switch (response.status()) {
            case 201 -> response.as(Authorized.class);
            case 402 -> new Declined(response.problem().map(Problem::detail).orElse("declined"));
            case 400 -> throw ProblemException.invalidField("payment.cardNumber", response.problem()
                    .flatMap(p -> p.errors() == null ? Optional.empty() : p.errors().stream().findFirst())
                    .map(Problem.FieldError::message)
                    .orElse("rejected by payment-service"));
            default -> throw ProblemException.dependencyUnavailable(http.peer(),
                                                                    "unexpected status " + response.status(), null);
        };
    }

    /** Opens a connection to payment-service and runs this client once (warm-up); an unknown payment is a 404. */
    int warmUp() {
        return http.warmUp("/api/payments/pay_warm-up");
    }
}
