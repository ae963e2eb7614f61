package dev.o11yshop.order;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.ManualClock;
import dev.o11yshop.observability.MetricsProbe;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.RetainedHeap;
import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

class OrderStoreTest {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    private final ManualClock clock = new ManualClock(START);

    @Test
    void beyondTheCapacityTheOldestOrdersAreForgottenAlsoByTheirCustomer() {
        long before = evictions("capacity");
        OrderStore store = new OrderStore(new Bounds(3, 1L << 20, HOUR), clock);
        List<Order> orders = List.of(order("ann"), order("bob"), order("ann"), order("bob"), order("ann"));
        orders.forEach(store::save);

        assertThat(store.find(orders.get(0).orderId()), is(Optional.empty()));
        assertThat(store.find(orders.get(1).orderId()), is(Optional.empty()));
        assertThat(store.find(orders.get(4).orderId()), is(Optional.of(orders.get(4))));
        assertThat(store.list(null, 10), contains(orders.get(4), orders.get(3), orders.get(2)));
        assertThat(store.list("ann", 10), contains(orders.get(4), orders.get(2)));
        assertThat(store.list("bob", 10), contains(orders.get(3)));
        assertThat(store.list("ann", 1), contains(orders.get(4)));
        assertThat(evictions("capacity"), is(before + 2));
    }

    @Test
    void beyondTheByteBudgetTheOldestOrdersAreForgotten() {
        Order probe = order("ann");
        long each = BoundedStore.ENTRY_BYTES + OrderStore.estimatedBytes(probe);
        OrderStore store = new OrderStore(new Bounds(1_000, 2 * each + each / 2, HOUR), clock);
        Order first = order("ann");
        Order second = order("ann");
        Order third = order("ann");
        List.of(first, second, third).forEach(store::save);

        assertThat(store.find(first.orderId()), is(Optional.empty()));
        assertThat(store.list("ann", 10), contains(third, second));
    }

    @Test
    void ordersOlderThanTheMaximumAgeAreForgottenAlsoByTheirCustomer() {
        long before = evictions("age");
        OrderStore store = new OrderStore(new Bounds(1_000, 1L << 20, Duration.ofMinutes(10)), clock);
        Order old = order("ann");
        store.save(old);
        clock.advance(Duration.ofMinutes(5));
        Order recent = order("bob");
        store.save(recent);

        clock.advance(Duration.ofMinutes(5));

        assertThat(store.list("ann", 10), is(empty()));
        assertThat(store.find(old.orderId()), is(Optional.empty()));
        assertThat(store.list(null, 10), contains(recent));
        assertThat(evictions("age"), is(before + 1));
    }

    @Test
    void aSavedAgainOrderIsListedOnceInItsNewState() {
        OrderStore store = new OrderStore(new Bounds(10, 1L << 20, HOUR), clock);
        Order first = order("ann");
        store.save(first);
        Order failed = new Order(first.orderId(), "ann", Order.Status.FAILED, first.total(), first.items(), "card",
                                 null, null, first.createdAt());
        store.save(failed);

        assertThat(store.list("ann", 10), contains(failed));
        assertThat(store.find(first.orderId()), is(Optional.of(failed)));
    }

    @Test
    void boundsAreConfiguredWithDefaultsFromTheShippedFile() {
        OrderStore store = OrderStore.from(Config.empty(), clock);
        Order order = order("ann");
        store.save(order);

        assertThat(store.find(order.orderId()), is(Optional.of(order)));
    }

    /** Prints what a stored order of three lines really retains; fails only if the estimate is far too low. */
    @Test
    void theByteEstimateOfAnOrderIsNotTooLow() {
        OrderStore store = new OrderStore(new Bounds(100_000, 1L << 30, HOUR), clock);
        int entries = 5_000;
        long measured = RetainedHeap.perEntry(entries, i -> store.save(order("cust-" + i)));
        long estimated = BoundedStore.ENTRY_BYTES + OrderStore.estimatedBytes(order("cust-1"));
        RetainedHeap.report("orders", measured, estimated);

        assertThat(measured, lessThanOrEqualTo(2 * estimated));
    }

    /** An order as Checkout stores it: fresh strings and amounts, as parsed from a request, three lines. */
    private Order order(String customerId) {
        List<Order.OrderLine> lines = List.of(line("SKU-0001"), line("SKU-0002"), line("SKU-0003"));
        return new Order("ord_" + UUID.randomUUID().toString().replace("-", ""), new String(customerId.toCharArray()),
                         Order.Status.CONFIRMED, Money.of("119.94", new String("USD".toCharArray())), lines,
                         new String("card".toCharArray()), "pay_" + UUID.randomUUID().toString().replace("-", ""),
                         null, clock.instant());
    }

    private static Order.OrderLine line(String sku) {
        return new Order.OrderLine(new String(sku.toCharArray()), 2, Money.of("19.99", new String("USD".toCharArray())));
    }

    private static long evictions(String reason) {
        return MetricsProbe.counter("store_evictions_total", Map.of("store", OrderStore.NAME, "reason", reason));
    }
}
