package dev.o11yshop.order;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.o11yshop.observability.Problem.FieldError;
import dev.o11yshop.observability.ProblemException;

/**
 * The body of {@code POST /api/orders} as sent. Every field may be missing or wrong here; {@link #validate()}
 * names each field at fault. The card number is only passed on to payment-service, never stored or printed.
 */
record OrderRequest(String customerId, List<Item> items, Payment payment) {
    static final int MAX_ITEMS = 50;
    static final int MAX_QUANTITY = 100;
    private static final Pattern SKU = Pattern.compile("SKU-\\d{4}");
    /** Payment methods payment-service supports; also the bounded values of the payment_method label. */
    static final Set<String> PAYMENT_METHODS = Set.of("card");

    record Item(String sku, Integer quantity) {
    }

    record Payment(String method, String cardNumber) {
        @Override
        public String toString() {
            return "Payment[method=" + method + "]";
        }
    }

    /** The request once every field is known to be present and in range. */
    ValidOrder validate() {
        List<FieldError> errors = new ArrayList<>();
        if (customerId == null || customerId.isBlank() || customerId.length() > 64) {
            errors.add(new FieldError("customerId", "is required, 1 to 64 characters"));
        }
        if (items == null || items.isEmpty() || items.size() > MAX_ITEMS) {
            errors.add(new FieldError("items", "must hold 1 to " + MAX_ITEMS + " items"));
        } else {
            for (int i = 0; i < items.size(); i++) {
                validateItem(items.get(i), "items[" + i + "]", errors);
            }
        }
        if (payment == null) {
            errors.add(new FieldError("payment", "is required"));
        } else {
            if (payment.method() == null || !PAYMENT_METHODS.contains(payment.method())) {
                errors.add(new FieldError("payment.method", "must be one of " + PAYMENT_METHODS));
            }
            if (payment.cardNumber() == null || payment.cardNumber().isBlank()) {
                errors.add(new FieldError("payment.cardNumber", "is required"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return new ValidOrder(customerId, List.copyOf(items), payment.method(), payment.cardNumber());
    }

    private static void validateItem(Item item, String path, List<FieldError> errors) {
        if (item == null) {
            errors.add(new FieldError(path, "must be an object with sku and quantity"));
            return;
        }
        if (item.sku() == null || !SKU.matcher(item.sku()).matches()) {
            errors.add(new FieldError(path + ".sku", "must look like SKU-0001"));
        }
        if (item.quantity() == null || item.quantity() < 1 || item.quantity() > MAX_QUANTITY) {
            errors.add(new FieldError(path + ".quantity", "must be 1 to " + MAX_QUANTITY));
        }
    }

    /**
     * A checked order request.
     *
     * @param items the lines as requested (a sku may repeat; inventory sums them), each with a quantity in range
     */
    record ValidOrder(String customerId, List<Item> items, String paymentMethod, String cardNumber) {
        @Override
        public String toString() {
            return "ValidOrder[customerId=" + customerId + ", items=" + items + ", method=" + paymentMethod + "]";
        }
    }
}
