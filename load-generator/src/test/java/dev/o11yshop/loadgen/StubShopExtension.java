package dev.o11yshop.loadgen;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One warmed-up {@link StubShop} per test class, reset before each test:
 * {@code @RegisterExtension static final StubShopExtension STUB = new StubShopExtension();}
 */
final class StubShopExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private StubShop stub;

    StubShop stub() {
        return stub;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stub = new StubShop();
        Traffic.warmUp(stub);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        stub.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stub.close();
    }
}
