package dev.o11yshop.inventory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.o11yshop.inventory.InventoryMetrics.Outcome;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.Operations;
import dev.o11yshop.observability.Problem;
import dev.o11yshop.observability.ProblemException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/reservations}: hold stock for an order ({@code reserve_stock}), then commit it when the order is paid
 * ({@code commit_reservation}) or release it when it is not ({@code release_reservation}). A reservation that is
 * neither committed nor released expires ({@link StockMaintenance}).
 *
 * <p>Running out of stock is an expected business outcome, not a failure of this service: the {@code reserve_stock}
 * span records it as attributes and an event but is not marked as an error. A commit that comes too late or a
 * release of sold stock are real faults of the caller's saga, so those spans carry the exception.
 */
final class ReservationsService implements HttpService {
    static final int MAX_ITEMS = 50;
    static final int MAX_QUANTITY = 100;
    static final int MAX_ORDER_ID_LENGTH = 64;
    private static final String PATH = "/api/reservations/";
    private static final Logger LOG = LoggerFactory.getLogger(ReservationsService.class);

    private final Inventory inventory;
    private final Catalog catalog;
    private final Operations operations;

    ReservationsService(Catalog catalog, Inventory inventory, Operations operations) {
        this.catalog = catalog;
        this.inventory = inventory;
        this.operations = operations;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::reserve)
                .get("/{reservationId}", this::find)
                .post("/{reservationId}/commit", this::commit)
                .delete("/{reservationId}", this::release);
    }

    private void reserve(ServerRequest req, ServerResponse res) {
        ValidReservation valid = Json.read(req, ReservationRequest.class).validate();
        requireKnownSkus(valid);

        Attempt attempt = operations.call("reserve_stock", span -> {
            span.tag("order.id", valid.orderId());
            span.tag("order.item_count", valid.items().size());
            try {
                Reservation reservation = inventory.reserve(valid.orderId(), valid.items());
                span.tag("reservation.id", reservation.reservationId());
                return new Attempt(reservation, null);
            } catch (InsufficientStockException e) {
                span.tag("reservation.outcome", "insufficient");
                span.tag("inventory.short_sku", e.sku());
                span.addEvent("stock_insufficient", Map.of("sku", e.sku(),
                                                           "requested", e.requested(),
                                                           "available", e.available()));
                return new Attempt(null, e);
            }
        });

        if (attempt.shortage() != null) {
            InsufficientStockException shortage = attempt.shortage();
            InventoryMetrics.count(Outcome.INSUFFICIENT);
            LOG.atInfo()
                    .addKeyValue("order_id", valid.orderId())
                    .addKeyValue("sku", shortage.sku())
                    .addKeyValue("requested", shortage.requested())
                    .addKeyValue("available", shortage.available())
                    .log("stock_insufficient");
            throw new ProblemException(Status.CONFLICT_409, "out-of-stock", "Insufficient stock",
                                       "insufficient stock for " + shortage.sku() + ": requested " + shortage.requested()
                                               + ", available " + shortage.available(),
                                       List.of(new Problem.FieldError(valid.skuField(shortage.sku()),
                                                                      shortage.sku() + " is out of stock: "
                                                                              + shortage.available() + " available, "
                                                                              + shortage.requested() + " requested")));
        }

        Reservation reservation = attempt.reservation();
        InventoryMetrics.count(Outcome.RESERVED);
        LOG.atInfo()
                .addKeyValue("order_id", reservation.orderId())
                .addKeyValue("reservation_id", reservation.reservationId())
                .addKeyValue("sku", skus(reservation))
                .addKeyValue("units", units(reservation))
                .addKeyValue("expires_at", reservation.expiresAt().toString())
                .log("stock_reserved");
        res.header(HeaderNames.LOCATION, PATH + reservation.reservationId());
        Json.send(res, Status.CREATED_201, ReservationView.of(reservation));
    }

    private void find(ServerRequest req, ServerResponse res) {
        String reservationId = req.path().pathParameters().get("reservationId");
        Reservation reservation = inventory.reservation(reservationId)
                .orElseThrow(() -> notFound(reservationId));
        Json.send(res, Status.OK_200, ReservationView.of(reservation));
    }

    private void commit(ServerRequest req, ServerResponse res) {
        String reservationId = req.path().pathParameters().get("reservationId");
        Inventory.Commit commit;
        try {
            commit = operations.call("commit_reservation", span -> {
                span.tag("reservation.id", reservationId);
                Inventory.Commit result = inventory.commitReporting(reservationId);
                span.tag("order.id", result.reservation().orderId());
                span.tag("reservation.committed_now", result.committedNow());
                return result;
            });
        } catch (ReservationNotFoundException e) {
            throw notFound(reservationId);
        } catch (ReservationNotActiveException e) {
            throw notActive(e);
        }

        Reservation reservation = commit.reservation();
        if (commit.committedNow()) {
            InventoryMetrics.count(Outcome.COMMITTED);
            LOG.atInfo()
                    .addKeyValue("order_id", reservation.orderId())
                    .addKeyValue("reservation_id", reservation.reservationId())
                    .addKeyValue("sku", skus(reservation))
                    .addKeyValue("units", units(reservation))
                    .log("reservation_committed");
        }
        Json.send(res, Status.OK_200, ReservationView.of(reservation));
    }

    /** Idempotent, as DELETE must be: an unknown, released or expired reservation is simply gone (204). */
    private void release(ServerRequest req, ServerResponse res) {
        String reservationId = req.path().pathParameters().get("reservationId");
        boolean released;
        try {
            released = operations.call("release_reservation", span -> {
                span.tag("reservation.id", reservationId);
                boolean result = inventory.release(reservationId);
                span.tag("reservation.released", result);
                return result;
            });
        } catch (ReservationNotActiveException e) {
            throw notActive(e);
        }

        if (released) {
            InventoryMetrics.count(Outcome.RELEASED);
            var log = LOG.atInfo().addKeyValue("reservation_id", reservationId);
            inventory.reservation(reservationId).ifPresent(reservation -> log
                    .addKeyValue("order_id", reservation.orderId())
                    .addKeyValue("sku", skus(reservation))
                    .addKeyValue("units", units(reservation)));
            log.log("reservation_released");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /** Unknown skus are a 404 naming the first one, found before any stock is touched. */
    private void requireKnownSkus(ValidReservation valid) {
        for (int i = 0; i < valid.items().size(); i++) {
            String sku = valid.items().get(i).sku();
            if (catalog.product(sku).isEmpty()) {
                throw new ProblemException(Status.NOT_FOUND_404, "unknown-sku", "Unknown product", "unknown sku " + sku,
                                           List.of(new Problem.FieldError("items[" + i + "].sku", "unknown sku " + sku)));
            }
        }
    }

    private static ProblemException notFound(String reservationId) {
        return ProblemException.notFound("no reservation " + reservationId);
    }

    private static ProblemException notActive(ReservationNotActiveException e) {
        return ProblemException.conflict("reservation-not-active", "Reservation is not active",
                                         "reservation " + e.reservationId() + " is " + e.status());
    }

    private static String skus(Reservation reservation) {
        return reservation.items().stream().map(ReservedItem::sku).distinct().collect(Collectors.joining(","));
    }

    private static int units(Reservation reservation) {
        return reservation.items().stream().mapToInt(ReservedItem::quantity).sum();
    }

    /** The result of {@code reserve_stock}: a reservation, or the shortage that prevented it. */
    private record Attempt(Reservation reservation, InsufficientStockException shortage) {
    }

    /** One requested line as sent; {@code quantity} is boxed so that a missing one is reported as missing. */
    record ItemLine(String sku, Integer quantity) {
    }

    /** The request body as sent; every field is checked by {@link #validate()}. */
    record ReservationRequest(String orderId, List<ItemLine> items) {
        ValidReservation validate() {
            List<Problem.FieldError> errors = new ArrayList<>();
            if (orderId == null || orderId.isBlank() || orderId.length() > MAX_ORDER_ID_LENGTH) {
                errors.add(new Problem.FieldError("orderId", "is required, 1 to " + MAX_ORDER_ID_LENGTH + " characters"));
            }
            List<ItemRequest> valid = new ArrayList<>();
            if (items == null || items.isEmpty() || items.size() > MAX_ITEMS) {
                errors.add(new Problem.FieldError("items", "is required, 1 to " + MAX_ITEMS + " items"));
            } else {
                for (int i = 0; i < items.size(); i++) {
                    ItemLine item = items.get(i);
                    String field = "items[" + i + "]";
                    if (item == null) {
                        errors.add(new Problem.FieldError(field, "is required"));
                        continue;
                    }
                    boolean ok = true;
                    if (item.sku() == null || !Product.SKU_FORMAT.matcher(item.sku()).matches()) {
                        errors.add(new Problem.FieldError(field + ".sku", "is required and must match "
                                + Product.SKU_FORMAT.pattern() + ", e.g. SKU-0001"));
                        ok = false;
                    }
                    if (item.quantity() == null || item.quantity() < 1 || item.quantity() > MAX_QUANTITY) {
                        errors.add(new Problem.FieldError(field + ".quantity", "is required, 1 to " + MAX_QUANTITY));
                        ok = false;
                    }
                    if (ok) {
                        valid.add(new ItemRequest(item.sku(), item.quantity()));
                    }
                }
            }
            if (!errors.isEmpty()) {
                throw ProblemException.validation(errors);
            }
            return new ValidReservation(orderId, valid);
        }
    }

    /** A request that passed validation. */
    record ValidReservation(String orderId, List<ItemRequest> items) {
        /** The field of the first line asking for {@code sku}, e.g. {@code items[2].sku}. */
        String skuField(String sku) {
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i).sku().equals(sku)) {
                    return "items[" + i + "].sku";
                }
            }
            return "items";
        }
    }

    /** What a client sees of a reservation. */
    record ReservationView(String reservationId, String orderId, String status, List<ItemView> items,
                           Instant expiresAt) {
        static ReservationView of(Reservation reservation) {
            return new ReservationView(reservation.reservationId(), reservation.orderId(), reservation.status().name(),
                                       reservation.items().stream().map(ItemView::of).toList(),
                                       reservation.expiresAt());
        }
    }

    /** Units of one sku held in one warehouse, at the price fixed when they were reserved. */
    record ItemView(String sku, int quantity, Money unitPrice, String warehouse) {
        static ItemView of(ReservedItem item) {
            return new ItemView(item.sku(), item.quantity(), item.unitPrice(), item.warehouse());
        }
    }
}
