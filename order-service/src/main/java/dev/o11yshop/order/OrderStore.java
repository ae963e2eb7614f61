package dev.o11yshop.order;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Orders in memory, newest last. Bounded so that a day-long demo cannot exhaust the heap: past
 * {@code capacity} the oldest order is forgotten (a GET for it is then a 404).
 */
final class OrderStore {
    private final int capacity;
    private final Map<String, Order> orders;

    OrderStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.orders = new LinkedHashMap<>();
    }

    synchronized void save(Order order) {
        orders.put(order.orderId(), order);
        if (orders.size() > capacity) {
            String oldest = orders.keySet().iterator().next();
            orders.remove(oldest);
        }
    }

    synchronized Optional<Order> find(String orderId) {
        return Optional.ofNullable(orders.get(orderId));
    }

    /** Up to {@code limit} orders, newest first, of one customer or of all when {@code customerId} is null. */
    synchronized List<Order> list(String customerId, int limit) {
        List<Order> result = new ArrayList<>();
        List<Order> all = new ArrayList<>(orders.values());
        for (int i = all.size() - 1; i >= 0 && result.size() < limit; i--) {
            Order order = all.get(i);
            if (customerId == null || customerId.equals(order.customerId())) {
                result.add(order);
            }
        }
        result.sort(Comparator.comparing(Order::createdAt).reversed());
        return result;
    }
}
