package dev.o11yshop.order;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import dev.o11yshop.observability.BoundedStore;
import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.ShippedDefaults;
import io.helidon.config.Config;

/**
 * Orders in memory, with an index per customer. Bounded so that neither a day-long demo nor an overload can exhaust
 * the heap (settings {@code order.capacity}, {@code order.max.bytes}, {@code order.max.age.ms}): the oldest order is
 * forgotten first (a GET for it is then a 404), counted in {@code store_evictions_total{store="orders"}}. The
 * customer index holds only stored orders and drops each with it, so it is inside the same bound; listing is
 * O(limit), where a scan of every order would make each list request cost as much as the whole store.
 */
final class OrderStore {
    /** The {@code store} label. */
    static final String NAME = "orders";

    /** An index slot per order, plus a customer's map entry, deque and id, charged to each order (worst case). */
    private static final long INDEX_BYTES = 160;

    private static final ArrayDeque<Order> EMPTY = new ArrayDeque<>(0);

    /** Guards the store and the index together, so that an eviction and its unindexing are one step. */
    private final ReentrantLock lock = new ReentrantLock();
    private final BoundedStore<String, Order> orders;
    /** customer id → that customer's stored orders, oldest first; guarded by {@link #lock}. */
    private final Map<String, ArrayDeque<Order>> byCustomer = new HashMap<>();

    OrderStore(Bounds bounds, Clock clock) {
        this.orders = new BoundedStore<>(NAME, bounds, clock, OrderStore::estimatedBytes, this::unindex);
    }

    /** With the bounds configured under {@code order} ({@code ORDER_CAPACITY}, {@code ORDER_MAX_BYTES}, ...). */
    static OrderStore from(Config config, Clock clock) {
        return new OrderStore(Bounds.from(ShippedDefaults.of(config, OrderStore.class), "order"), clock);
    }

    void save(Order order) {
        lock.lock();
        try {
            Order replaced = orders.put(order.orderId(), order);
            if (replaced != null) {
                unindex(replaced.orderId(), replaced);
            }
            // After put: an eviction it caused has left the index already, so the order is indexed only if kept.
            if (orders.get(order.orderId()) == order) {
                byCustomer.computeIfAbsent(order.customerId(), customer -> new ArrayDeque<>()).addLast(order);
            }
        } finally {
            lock.unlock();
        }
    }

    Optional<Order> find(String orderId) {
        lock.lock();
        try {
            return Optional.ofNullable(orders.get(orderId));
        } finally {
            lock.unlock();
        }
    }

    /** Up to {@code limit} orders, newest first, of one customer or of all when {@code customerId} is null. */
    List<Order> list(String customerId, int limit) {
        lock.lock();
        try {
            orders.evictExpired();
            List<Order> result;
            if (customerId == null) {
                result = new ArrayList<>(orders.newest(limit));
            } else {
                result = new ArrayList<>();
                Iterator<Order> newestFirst = byCustomer.getOrDefault(customerId, EMPTY).descendingIterator();
                while (newestFirst.hasNext() && result.size() < limit) {
                    result.add(newestFirst.next());
                }
            }
            result.sort(Comparator.comparing(Order::createdAt).reversed());
            return result;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Estimated heap an order retains beyond the map entry (measured in {@code OrderStoreTest}): the record, its ids,
     * total, instant and item list, each line with its sku and price, and its share of the customer index.
     */
    static long estimatedBytes(Order order) {
        long lines = 0;
        for (Order.OrderLine line : order.items()) {
            lines += 24 + 8 + BoundedStore.stringBytes(line.sku()) + moneyBytes(line.unitPrice());
        }
        return 48 + BoundedStore.stringBytes(order.orderId()) + BoundedStore.stringBytes(order.customerId())
                + moneyBytes(order.total()) + 32 + lines + BoundedStore.stringBytes(order.paymentMethod())
                + BoundedStore.stringBytes(order.paymentId()) + BoundedStore.stringBytes(order.rejectionReason())
                + 24 + INDEX_BYTES;
    }

    /** A record with a BigDecimal (amounts up to 18 digits need no BigInteger) and a currency string. */
    private static long moneyBytes(Money money) {
        return money == null ? 0 : 24 + 40 + BoundedStore.stringBytes(money.currency());
    }

    /** Called with {@link #lock} held: every access to the store, and so every eviction, happens under it. */
    private void unindex(String orderId, Order order) {
        ArrayDeque<Order> own = byCustomer.get(order.customerId());
        if (own == null) {
            return;
        }
        // Eviction is oldest first, so the order is at the head of its customer's orders.
        if (own.peekFirst() == order) {
            own.pollFirst();
        } else {
            own.removeLastOccurrence(order);
        }
        if (own.isEmpty()) {
            byCustomer.remove(order.customerId());
        }
    }
}
