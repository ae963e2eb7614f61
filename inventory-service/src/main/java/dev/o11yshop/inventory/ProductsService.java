package dev.o11yshop.inventory;

import java.util.List;

import dev.o11yshop.observability.Json;
import dev.o11yshop.observability.Money;
import dev.o11yshop.observability.ProblemException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/products}: the catalog with current stock, in total and per warehouse. Stock figures come from one
 * consistent snapshot, so for each line {@code available + reserved + sold == initial + restocked}.
 */
final class ProductsService implements HttpService {
    private final Catalog catalog;
    private final Inventory inventory;

    ProductsService(Catalog catalog, Inventory inventory) {
        this.catalog = catalog;
        this.inventory = inventory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{sku}", this::find);
    }

    private void list(ServerRequest req, ServerResponse res) {
        List<ProductView> products = inventory.levels().stream()
                .map(level -> ProductView.of(catalog.product(level.sku()).orElseThrow(), level))
                .toList();
        Json.send(res, Status.OK_200, new ProductList(products));
    }

    private void find(ServerRequest req, ServerResponse res) {
        String sku = req.path().pathParameters().get("sku");
        if (!Product.SKU_FORMAT.matcher(sku).matches()) {
            throw ProblemException.invalidField("sku", "must match " + Product.SKU_FORMAT.pattern() + ", e.g. SKU-0001");
        }
        Product product = catalog.product(sku)
                .orElseThrow(() -> ProblemException.notFound("no product " + sku));
        Json.send(res, Status.OK_200, ProductView.of(product, inventory.level(sku)));
    }

    /** The catalog; an object rather than a bare array, so that fields can be added later. */
    record ProductList(List<ProductView> products) {
    }

    /** A product with its stock. */
    record ProductView(String sku, String name, Money unitPrice, int available, int reserved, int sold,
                       List<WarehouseView> warehouses) {
        static ProductView of(Product product, StockLevel level) {
            return new ProductView(product.sku(), product.name(), product.unitPrice(), level.available(),
                                   level.reserved(), level.sold(),
                                   level.warehouses().stream().map(WarehouseView::of).toList());
        }
    }

    /** Stock of a product in one warehouse. */
    record WarehouseView(String warehouse, int available, int reserved, int sold, int initial, int restocked) {
        static WarehouseView of(StockLevel.WarehouseLevel line) {
            return new WarehouseView(line.warehouse(), line.available(), line.reserved(), line.sold(), line.initial(),
                                     line.restocked());
        }
    }
}
