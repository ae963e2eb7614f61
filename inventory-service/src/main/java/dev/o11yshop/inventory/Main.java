package dev.o11yshop.inventory;

import java.time.Clock;

import dev.o11yshop.observability.Observability;
import dev.o11yshop.observability.ShopServer;
import io.helidon.config.Config;
import io.helidon.webserver.http.HttpRouting;

/**
 * inventory-service: the product catalog, stock per warehouse, and reservations of stock for orders.
 */
public final class Main {
    static final String SERVICE_NAME = "inventory-service";

    private Main() {
    }

    public static void main(String[] args) {
        ShopServer.run(SERVICE_NAME, Main.class, (routing, observability, config) ->
                routing(routing, observability, config, Clock.systemUTC()));
    }

    /**
     * The API routes and the background jobs that run while they are served; used by {@link #main(String[])} and
     * by the tests.
     *
     * @return the background jobs, so that tests can run a sweep or a restock when they choose
     */
    public static StockMaintenance routing(HttpRouting.Builder routing, Observability observability, Config config,
                                    Clock clock) {
        InventorySettings settings = InventorySettings.from(config);
        Catalog catalog = Catalog.standard();
        Inventory inventory = new Inventory(catalog, clock, settings.reservationTtl(), settings.finished());
        InventoryMetrics.registerStockGauges(catalog, inventory);

        StockMaintenance maintenance = new StockMaintenance(inventory, settings);
        routing.register(maintenance);
        observability.register(routing, "/api/products", new ProductsService(catalog, inventory));
        observability.register(routing, "/api/reservations",
                               new ReservationsService(catalog, inventory, observability.operations()));
        // Warm-up changes nothing: reads, a reservation of an unknown sku (refused before any stock is touched),
        // and a commit and a release of a reservation that does not exist.
        observability.warmUp()
                .request("GET", "/api/products", null)
                .request("GET", "/api/products/SKU-0001", null)
                .request("POST", "/api/reservations", """
                        {"orderId":"warm-up","items":[{"sku":"SKU-9999","quantity":1}]}""")
                .request("POST", "/api/reservations/res_warm-up/commit", null)
                .request("DELETE", "/api/reservations/res_warm-up", null);
        return maintenance;
    }
}
