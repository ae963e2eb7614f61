package dev.o11yshop.order;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.o11yshop.observability.Deadline;
import dev.o11yshop.observability.DownstreamException;
import dev.o11yshop.observability.MeterFamily;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.Operations;
import dev.o11yshop.observability.ProblemException;
import dev.o11yshop.order.InventoryClient.OutOfStock;
import dev.o11yshop.order.InventoryClient.Reserved;
import dev.o11yshop.order.InventoryClient.ReservedLine;
import dev.o11yshop.order.OrderRequest.ValidOrder;
import dev.o11yshop.order.PaymentClient.Authorized;
import dev.o11yshop.order.PaymentClient.Declined;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.tracing.Span;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkout saga: reserve stock, authorize payment, commit the reservation; on a decline or a failure after
 * reserving, release the reservation. Each step is a span under {@code process_order}; the outcome is counted
 * in {@code orders_processed_total} and, for confirmed orders, {@code order_value_dollars}.
 */
final class Checkout {
    private static final Logger LOG = LoggerFactory.getLogger(Checkout.class);
    private static final MeterFamily<Counter> ORDERS = MeterFamily.counter(
            "orders_processed_total", "Checkouts by outcome", "status", "payment_method");
    private static final MeterFamily<DistributionSummary> ORDER_VALUE = MeterFamily.valueHistogram(
            "order_value_dollars", "Value of confirmed orders in dollars",
            new double[] {10, 25, 50, 100, 250, 500, 1000, 5000});
    /**
     * Compensation runs even when the request's budget is spent (a stuck reservation would hold stock until
     * expiry), but only this much past it, so a checkout answers within its budget plus this margin at any load.
     * Expiry returns the stock of a release that did not make it.
     */
    static final Duration COMPENSATION_MARGIN = Duration.ofMillis(500);

    private final InventoryClient inventory;
    private final PaymentClient payments;
    private final OrderStore orders;
    private final Operations operations;
    private final Clock clock;

    Checkout(InventoryClient inventory, PaymentClient payments, OrderStore orders, Operations operations, Clock clock) {
        this.inventory = inventory;
        this.payments = payments;
        this.orders = orders;
        this.operations = operations;
        this.clock = clock;
    }

    /** What the client is told: a confirmed order, or the problem that ended it. */
    sealed interface Outcome {
    }

    record Confirmed(Order order) implements Outcome {
    }

    /** A business rejection (422): out of stock or payment declined; the order is stored as REJECTED. */
    record Rejected(Order order, ProblemException problem) implements Outcome {
    }

    Outcome place(OrderRequest request, Deadline deadline) {
        String orderId = "ord_" + UUID.randomUUID().toString().replace("-", "");
        long start = System.nanoTime();
        return operations.call("process_order", span -> {
            span.tag("order.id", orderId);
            LOG.atInfo().addKeyValue("order_id", orderId).log("order_processing_started");
            ValidOrder order = operations.call("validate_order", validation -> {
                ValidOrder valid = request.validate();
                validation.tag("order.item_count", valid.items().size());
                return valid;
            });
            span.tag("order.item_count", order.items().size());
            span.tag("customer.id", order.customerId());
            span.tag("payment.method", order.paymentMethod());
            try {
                Outcome outcome = reserveAndPay(orderId, order, deadline, span);
                logOutcome(outcome, start);
                return outcome;
            } catch (DownstreamException | ProblemException e) {
                if (!(e instanceof ProblemException problem) || problem.status().code() >= 500) {
                    ORDERS.labels("failed", order.paymentMethod()).increment();
                    LOG.atWarn()
                            .addKeyValue("order_id", orderId)
                            .addKeyValue("customer_id", order.customerId())
                            .addKeyValue("error_type", e instanceof DownstreamException d ? d.kind().name() : "dependency")
                            .addKeyValue("error_message", e.getMessage())
                            .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                            .log("order_failed");
                }
                throw e instanceof DownstreamException downstream ? downstream.toProblem() : e;
            }
        });
    }

    private Outcome reserveAndPay(String orderId, ValidOrder order, Deadline deadline, Span span) {
        InventoryClient.ReserveResult reservation = operations.call("check_inventory", step -> {
            step.tag("order.id", orderId);
            return inventory.reserve(orderId, order.items(), deadline);
        });
        if (reservation instanceof OutOfStock outOfStock) {
            Order rejected = store(orderId, order, List.of(), null, Order.Status.REJECTED, "out_of_stock");
            ORDERS.labels("rejected_stock", order.paymentMethod()).increment();
            span.addEvent("order_rejected", Map.of("reason", "out_of_stock", "sku", outOfStock.sku()));
            return new Rejected(rejected, ProblemException.unprocessable(
                    "out-of-stock", "Out of stock", outOfStock.detail()));
        }
        Reserved reserved = (Reserved) reservation;
        span.tag("reservation.id", reserved.reservationId());
        List<Order.OrderLine> lines = linesOf(reserved);
        Money total = lines.stream()
                .map(line -> line.unitPrice().times(line.quantity()))
                .reduce(Money::plus)
                .orElseThrow();
        span.tag("order.total", total.amount().toPlainString());

        PaymentClient.AuthorizationResult authorization;
        try {
            authorization = operations.call("process_payment", step -> {
                step.tag("payment.method", order.paymentMethod());
                return payments.authorize(orderId, total, order.paymentMethod(), order.cardNumber(), deadline);
            });
        } catch (RuntimeException e) {
            compensate(reserved.reservationId(), deadline);
            throw e;
        }
        if (authorization instanceof Declined declined) {
            compensate(reserved.reservationId(), deadline);
            Order rejected = store(orderId, order, lines, total, Order.Status.REJECTED, declined.reason());
            ORDERS.labels("rejected_payment", order.paymentMethod()).increment();
            span.addEvent("order_rejected", Map.of("reason", declined.reason()));
            return new Rejected(rejected, ProblemException.unprocessable(
                    "payment-declined", "Payment declined", "payment was declined: " + declined.reason()));
        }
        Authorized authorized = (Authorized) authorization;
        operations.run("confirm_inventory", step -> {
            step.tag("reservation.id", reserved.reservationId());
            inventory.commit(reserved.reservationId(), deadline);
        });
        Order confirmed = store(orderId, order, lines, total, Order.Status.CONFIRMED, null, authorized.paymentId());
        ORDERS.labels("confirmed", order.paymentMethod()).increment();
        ORDER_VALUE.labels().record(total.amount().doubleValue());
        span.addEvent("order_completed", Map.of("payment.id", authorized.paymentId(), "order.total",
                                                 total.amount().toPlainString()));
        return new Confirmed(confirmed);
    }

    /**
     * Releases a reservation after a decline or a failure; a failure here is logged, and expiry returns the stock.
     * An interrupt of this thread (a server stopping) must not cancel the release, so the flag is set aside while
     * it runs and restored after.
     */
    private void compensate(String reservationId, Deadline deadline) {
        boolean interrupted = Thread.interrupted();
        try {
            operations.run("compensate_inventory", step -> {
                step.tag("reservation.id", reservationId);
                inventory.release(reservationId, deadline.extendedBy(COMPENSATION_MARGIN));
            });
        } catch (RuntimeException e) {
            LOG.atWarn()
                    .setCause(e)
                    .addKeyValue("reservation_id", reservationId)
                    .addKeyValue("error_type", e.getClass().getSimpleName())
                    .log("compensation_failed");
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Order store(String orderId, ValidOrder order, List<Order.OrderLine> lines, Money total, Order.Status status,
                        String reason) {
        return store(orderId, order, lines, total, status, reason, null);
    }

    private Order store(String orderId, ValidOrder order, List<Order.OrderLine> lines, Money total, Order.Status status,
                        String reason, String paymentId) {
        Order stored = new Order(orderId, order.customerId(), status, total, lines, order.paymentMethod(), paymentId,
                                 reason, clock.instant());
        orders.save(stored);
        return stored;
    }

    /** Reservation lines are per warehouse; the order shows one line per sku. */
    private static List<Order.OrderLine> linesOf(Reserved reserved) {
        Map<String, Order.OrderLine> bySku = new LinkedHashMap<>();
        for (ReservedLine line : reserved.items()) {
            bySku.merge(line.sku(), new Order.OrderLine(line.sku(), line.quantity(), line.unitPrice()),
                        (a, b) -> new Order.OrderLine(a.sku(), a.quantity() + b.quantity(), a.unitPrice()));
        }
        return new ArrayList<>(bySku.values());
    }

    private static void logOutcome(Outcome outcome, long start) {
        long durationMs = (System.nanoTime() - start) / 1_000_000;
        switch (outcome) {
            case Confirmed confirmed -> LOG.atInfo()
                    .addKeyValue("order_id", confirmed.order().orderId())
                    .addKeyValue("customer_id", confirmed.order().customerId())
                    .addKeyValue("amount", confirmed.order().total().toString())
                    .addKeyValue("item_count", confirmed.order().items().size())
                    .addKeyValue("payment_id", confirmed.order().paymentId())
                    .addKeyValue("duration_ms", durationMs)
                    .log("order_completed");
            case Rejected rejected -> LOG.atInfo()
                    .addKeyValue("order_id", rejected.order().orderId())
                    .addKeyValue("customer_id", rejected.order().customerId())
                    .addKeyValue("reason", rejected.order().rejectionReason())
                    .addKeyValue("duration_ms", durationMs)
                    .log("order_rejected");
        }
    }
}
