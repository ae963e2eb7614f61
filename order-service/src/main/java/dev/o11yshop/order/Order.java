package dev.o11yshop.order;

import java.time.Instant;
import java.util.List;

import dev.o11yshop.observability.Money;

/**
 * An order as stored and returned. Rejected orders are kept too, with the reason, so that a customer's history
 * shows them.
 *
 * @param rejectionReason why a REJECTED order was rejected ({@code out_of_stock}, {@code card_declined}, ...), else null
 */
public record Order(String orderId,
                    String customerId,
                    Status status,
                    Money total,
                    List<OrderLine> items,
                    String paymentMethod,
                    String paymentId,
                    String rejectionReason,
                    Instant createdAt) {
    public Order {
        items = List.copyOf(items);
    }

    /** Outcome of the checkout. */
    public enum Status {
        CONFIRMED,
        REJECTED,
        FAILED
    }

    /** One product of the order at the price inventory reserved it at. */
    public record OrderLine(String sku, int quantity, Money unitPrice) {
    }
}
