package dev.o11yshop.inventory;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * The inventory-service settings of {@code application.yaml}, each overridable by an environment variable.
 *
 * @param reservationTtl  how long an uncommitted reservation holds its stock ({@code inventory.reservation.ttl.ms},
 *                        {@code INVENTORY_RESERVATION_TTL_MS})
 * @param sweepInterval   how often overdue reservations are expired ({@code inventory.expiry.sweep.interval.ms},
 *                        {@code INVENTORY_EXPIRY_SWEEP_INTERVAL_MS})
 * @param restockInterval how often stock is replenished; zero turns replenishment off, e.g. to demonstrate running
 *                        out of stock ({@code inventory.restock.interval.ms}, {@code INVENTORY_RESTOCK_INTERVAL_MS})
 * @param restockUnits    units added per warehouse line and run ({@code inventory.restock.units},
 *                        {@code INVENTORY_RESTOCK_UNITS})
 * @param restockCeiling  a line is never replenished beyond this many available units
 *                        ({@code inventory.restock.ceiling}, {@code INVENTORY_RESTOCK_CEILING})
 */
record InventorySettings(Duration reservationTtl, Duration sweepInterval, Duration restockInterval, int restockUnits,
                         int restockCeiling) {
    static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_RESTOCK_INTERVAL = Duration.ofSeconds(10);
    static final int DEFAULT_RESTOCK_UNITS = 10;
    static final int DEFAULT_RESTOCK_CEILING = 200;

    InventorySettings {
        Objects.requireNonNull(reservationTtl, "reservationTtl");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        Objects.requireNonNull(restockInterval, "restockInterval");
        if (!reservationTtl.isPositive()) {
            throw new IllegalArgumentException("inventory.reservation.ttl.ms must be positive, got " + reservationTtl);
        }
        if (!sweepInterval.isPositive()) {
            throw new IllegalArgumentException("inventory.expiry.sweep.interval.ms must be positive, got " + sweepInterval);
        }
        if (restockInterval.isNegative()) {
            throw new IllegalArgumentException("inventory.restock.interval.ms must not be negative, got " + restockInterval);
        }
        if (restockUnits < 0) {
            throw new IllegalArgumentException("inventory.restock.units must not be negative, got " + restockUnits);
        }
        if (restockCeiling < 0) {
            throw new IllegalArgumentException("inventory.restock.ceiling must not be negative, got " + restockCeiling);
        }
    }

    /** Reads the settings; invalid values fail the start-up rather than being replaced by defaults. */
    static InventorySettings from(Config config) {
        return new InventorySettings(
                Duration.ofMillis(longValue(config, "inventory.reservation.ttl.ms")
                                          .orElse(Inventory.DEFAULT_TTL.toMillis())),
                Duration.ofMillis(longValue(config, "inventory.expiry.sweep.interval.ms")
                                          .orElse(DEFAULT_SWEEP_INTERVAL.toMillis())),
                Duration.ofMillis(longValue(config, "inventory.restock.interval.ms")
                                          .orElse(DEFAULT_RESTOCK_INTERVAL.toMillis())),
                Math.toIntExact(longValue(config, "inventory.restock.units").orElse((long) DEFAULT_RESTOCK_UNITS)),
                Math.toIntExact(longValue(config, "inventory.restock.ceiling").orElse((long) DEFAULT_RESTOCK_CEILING)));
    }

    boolean restockEnabled() {
        return restockInterval.isPositive() && restockUnits > 0;
    }

    /**
     * The value of {@code key}, e.g. {@code inventory.reservation.ttl.ms}: Helidon maps the environment variable
     * {@code INVENTORY_RESERVATION_TTL_MS} onto it (every underscore becomes a dot).
     */
    private static Optional<Long> longValue(Config config, String key) {
        return config.get(key).asLong().asOptional();
    }
}
