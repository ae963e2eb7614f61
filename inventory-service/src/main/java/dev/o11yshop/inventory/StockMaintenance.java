package dev.o11yshop.inventory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventory's background jobs: expire overdue reservations (every {@link InventorySettings#sweepInterval()}) and
 * replenish stock (every {@link InventorySettings#restockInterval()}), so that abandoned reservations give their stock
 * back and a day-long demo never drains. It is registered on the API routing for its lifecycle only (it has no
 * routes): the jobs start in {@link #beforeStart()} and stop in {@link #afterStop()}, so they live exactly as long as
 * the server. Each run that changes something logs one line; a failing run is logged and the job keeps its schedule.
 */
final class StockMaintenance implements HttpService {
    private static final Logger LOG = LoggerFactory.getLogger(StockMaintenance.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Inventory inventory;
    private final InventorySettings settings;
    private ScheduledExecutorService executor;

    StockMaintenance(Inventory inventory, InventorySettings settings) {
        this.inventory = inventory;
        this.settings = settings;
    }

    @Override
    public void routing(HttpRules rules) {
        // No routes: registered for beforeStart/afterStop only.
    }

    @Override
    public void beforeStart() {
        start();
    }

    @Override
    public void afterStop() {
        stop();
    }

    /** Starts the jobs; does nothing if they are running. */
    synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("inventory-maintenance").daemon().factory());
        long sweep = settings.sweepInterval().toMillis();
        executor.scheduleWithFixedDelay(guarded("expire_reservations", this::expireOverdue),
                                        sweep, sweep, TimeUnit.MILLISECONDS);
        if (settings.restockEnabled()) {
            long restock = settings.restockInterval().toMillis();
            executor.scheduleWithFixedDelay(guarded("restock", this::restock), restock, restock, TimeUnit.MILLISECONDS);
        }
        LOG.atInfo()
                .addKeyValue("sweep_interval_ms", sweep)
                .addKeyValue("restock_interval_ms", settings.restockEnabled() ? settings.restockInterval().toMillis() : 0)
                .addKeyValue("restock_units", settings.restockUnits())
                .addKeyValue("restock_ceiling", settings.restockCeiling())
                .log("stock_maintenance_started");
    }

    /** Stops the jobs, letting a run in progress finish; safe to call more than once. */
    synchronized void stop() {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
                LOG.atWarn().addKeyValue("timeout_ms", STOP_TIMEOUT.toMillis()).log("stock_maintenance_stop_timed_out");
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor = null;
        LOG.atInfo().log("stock_maintenance_stopped");
    }

    synchronized boolean isRunning() {
        return executor != null;
    }

    /**
     * One expiry sweep: returns the stock of every overdue reservation, a batch per hold of the inventory's lock so
     * that reservations go on meanwhile. The work is bounded: there are never more active reservations than units in
     * stock.
     *
     * @return how many reservations this run expired
     */
    int expireOverdue() {
        int count = 0;
        int units = 0;
        List<Reservation> batch;
        do {
            batch = inventory.expireOverdue(settings.sweepBatch());
            InventoryMetrics.count(InventoryMetrics.Outcome.EXPIRED, batch.size());
            for (Reservation reservation : batch) {
                LOG.atDebug()
                        .addKeyValue("order_id", reservation.orderId())
                        .addKeyValue("reservation_id", reservation.reservationId())
                        .addKeyValue("units", units(reservation))
                        .log("reservation_expired");
                units += units(reservation);
            }
            count += batch.size();
        } while (batch.size() == settings.sweepBatch());
        if (count > 0) {
            LOG.atInfo().addKeyValue("count", count).addKeyValue("units", units).log("reservations_expired");
        }
        return count;
    }

    /**
     * One replenishment run.
     *
     * @return how many units this run added over all warehouse lines
     */
    int restock() {
        List<Restock> added = inventory.restock(settings.restockUnits(), settings.restockCeiling());
        if (added.isEmpty()) {
            return 0;
        }
        int units = added.stream().mapToInt(Restock::units).sum();
        LOG.atInfo()
                .addKeyValue("units", units)
                .addKeyValue("lines", added.size())
                .log("stock_restocked");
        return units;
    }

    /**
     * {@code task} as a scheduled job. A {@link ScheduledExecutorService} silently cancels a periodic task whose run
     * throws, so an exception is logged and the run ends normally: the next run happens as scheduled. An
     * {@link Error} is logged and rethrown, since the JVM is then in no state to keep going.
     */
    static Runnable guarded(String job, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                failed(job, e, "background_job_failed");
            } catch (Error e) {
                failed(job, e, "background_job_crashed");
                throw e;
            }
        };
    }

    private static void failed(String job, Throwable e, String event) {
        LOG.atError()
                .setCause(e)
                .addKeyValue("job", job)
                .addKeyValue("error_type", e.getClass().getName())
                .addKeyValue("error_message", String.valueOf(e.getMessage()))
                .log(event);
    }

    private static int units(Reservation reservation) {
        return reservation.items().stream().mapToInt(ReservedItem::quantity).sum();
    }
}
