package dev.o11yshop.order;

import java.time.Instant;
import java.util.List;

import dev.o11yshop.observability.Deadline;
import dev.o11yshop.observability.DownstreamClient;
import dev.o11yshop.observability.DownstreamResponse;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.Problem;
import dev.o11yshop.observability.ProblemException;

/**
 * inventory-service as order-service sees it: reserve, commit, release. Reserving is not retried (a retry could
 * reserve twice); commit and release are idempotent on the inventory side, so they are.
 */
final class InventoryClient {
    private final DownstreamClient http;

    InventoryClient(DownstreamClient http) {
        this.http = http;
    }

    /** Outcome of a reservation attempt. */
    sealed interface ReserveResult {
    }

    record Reserved(String reservationId, List<ReservedLine> items, Instant expiresAt) implements ReserveResult {
    }

    record ReservedLine(String sku, int quantity, Money unitPrice, String warehouse) {
    }

    /** Not enough stock; {@code sku} is the first short one. */
    record OutOfStock(String sku, String detail) implements ReserveResult {
    }

    record ReservationRequest(String orderId, List<Item> items) {
    }

    record Item(String sku, int quantity) {
    }

    ReserveResult reserve(String orderId, List<OrderRequest.Item> lines, Deadline deadline) {
        List<Item> items = lines.stream().map(line -> new Item(line.sku(), line.quantity())).toList();
        DownstreamResponse response = http.post("/api/reservations", new ReservationRequest(orderId, items), false, deadline);
        return switch (response.status()) {
            case 201 -> response.as(Reserved.class);
            case 409 -> {
                Problem problem = response.problem().orElse(null);
                String detail = problem == null ? "insufficient stock" : problem.detail();
                yield new OutOfStock(shortSku(problem), detail);
            }
            case 404 -> throw unknownSku(response.problem().orElse(null), items);
            default -> throw ProblemException.dependencyUnavailable(http.peer(),
                                                                    "unexpected status " + response.status(), null);
        };
    }

    void commit(String reservationId, Deadline deadline) {
        DownstreamResponse response = http.post("/api/reservations/{reservationId}/commit", null, true, deadline,
                                                reservationId);
        if (!response.isSuccess()) {
            throw ProblemException.dependencyUnavailable(http.peer(), "commit answered " + response.status(), null);
        }
    }

    /** Returns the reserved stock; releasing twice, or an expired reservation, is fine. */
    void release(String reservationId, Deadline deadline) {
        DownstreamResponse response = http.undo("/api/reservations/{reservationId}", deadline, reservationId);
        if (!response.isSuccess()) {
            throw ProblemException.dependencyUnavailable(http.peer(), "release answered " + response.status(), null);
        }
    }

    /** Opens a connection to inventory-service and runs this client once (warm-up). */
    int warmUp() {
        return http.warmUp("/api/products/SKU-0001");
    }

    private static String shortSku(Problem problem) {
        if (problem != null && problem.errors() != null) {
            for (Problem.FieldError error : problem.errors()) {
                if (error.message() != null && error.message().matches(".*SKU-\\d{4}.*")) {
                    return error.message().replaceAll(".*(SKU-\\d{4}).*", "$1");
                }
            }
        }
        if (problem != null && problem.detail() != null && problem.detail().matches(".*SKU-\\d{4}.*")) {
            return problem.detail().replaceAll(".*?(SKU-\\d{4}).*", "$1");
        }
        return "unknown";
    }

    /** Inventory does not know a sku: the client's mistake, named by field. */
    private static ProblemException unknownSku(Problem problem, List<Item> items) {
        String detail = problem == null || problem.detail() == null ? "" : problem.detail();
        for (int index = 0; index < items.size(); index++) {
            String sku = items.get(index).sku();
            if (detail.contains(sku)) {
                return ProblemException.invalidField("items[" + index + "].sku", "unknown sku " + sku);
            }
        }
        return ProblemException.invalidField("items", "contains an unknown sku");
    }
}
