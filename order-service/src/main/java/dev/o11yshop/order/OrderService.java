package dev.o11yshop.order;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.o11yshop.observability.Deadline;
import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.ProblemException;
import dev.o11yshop.observability.ProblemHandlers;
import dev.o11yshop.order.Checkout.Confirmed;
import dev.o11yshop.order.Checkout.Rejected;
import dev.o11yshop.order.IdempotencyKeys.StoredResponse;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/orders}: place an order (the checkout saga, optionally idempotent), read one, list a customer's.
 */
final class OrderService implements HttpService {
    static final int MAX_LIMIT = 100;

    private final Checkout checkout;
    private final OrderStore orders;
    private final IdempotencyKeys idempotencyKeys;
    private final Duration budget;

    OrderService(Checkout checkout, OrderStore orders, IdempotencyKeys idempotencyKeys, Duration budget) {
        this.checkout = checkout;
        this.orders = orders;
        this.idempotencyKeys = idempotencyKeys;
        this.budget = budget;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::place)
                .get("/", this::list)
                .get("/{orderId}", this::find);
    }

    private void place(ServerRequest req, ServerResponse res) {
        Deadline deadline = Deadline.after(budget);
        Optional<String> key = req.headers().first(HeaderNames.create(IdempotencyKeys.HEADER));
        key.ifPresent(IdempotencyKeys::validate);
        byte[] body = Json.readBytes(req);
        String instance = req.prologue().uriPath().rawPath();
        OrderRequest request = Json.parse(body, OrderRequest.class);
        StoredResponse response = key.isPresent()
                ? idempotencyKeys.execute(key.get(), IdempotencyKeys.fingerprint(body), budget,
                                          () -> placeOnce(request, deadline, instance))
                : placeOnce(request, deadline, instance);
        res.status(Status.create(response.status()));
        res.header(HeaderNames.CONTENT_TYPE, response.contentType());
        res.send(response.body());
    }

    /** Runs the saga; a 201 or 422 is a final answer, anything else is thrown and not remembered. */
    private StoredResponse placeOnce(OrderRequest request, Deadline deadline, String instance) {
        return switch (checkout.place(request, deadline)) {
            case Confirmed confirmed -> new StoredResponse(Status.CREATED_201.code(), Json.bytes(confirmed.order()),
                                                           HeaderValues.CONTENT_TYPE_JSON.get());
            case Rejected rejected -> new StoredResponse(rejected.problem().status().code(),
                                                         ProblemHandlers.body(rejected.problem(), instance),
                                                         ProblemHandlers.PROBLEM_JSON);
        };
    }

    private void find(ServerRequest req, ServerResponse res) {
        String orderId = req.path().pathParameters().get("orderId");
        Order order = orders.find(orderId).orElseThrow(() -> ProblemException.notFound("no order " + orderId));
        Json.send(res, Status.OK_200, order);
    }

    private void list(ServerRequest req, ServerResponse res) {
        String customerId = req.query().first("customerId").orElse(null);
        int limit = limit(req.query().first("limit").orElse(null));
        List<Order> found = orders.list(customerId, limit);
        Json.send(res, Status.OK_200, new OrderList(found, found.size()));
    }

    private static int limit(String raw) {
        if (raw == null) {
            return 20;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below, like an out-of-range number
        }
        throw ProblemException.invalidField("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    record OrderList(List<Order> orders, int count) {
    }
}
