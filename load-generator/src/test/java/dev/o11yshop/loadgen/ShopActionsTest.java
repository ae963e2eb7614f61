package dev.o11yshop.loadgen;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.helidon.tracing.Span;
import io.helidon.tracing.Tracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The HTTP side of the scenarios: keep-alive connections, and answers that always get through. */
class ShopActionsTest {
    @RegisterExtension
    static final StubShopExtension STUB = new StubShopExtension();

    /**
     * Calls that follow each other closely on few connections: each connection goes back to the pool and out again
     * while the call before is still finishing with it. With Helidon WebClient 4.1.2's own pool, about one call in a
     * few thousand failed here ("Protocol is not HTTP: TTP", its first byte taken by the connection's idle monitor).
     */
    @Test
    void closelyFollowingCallsReuseConnectionsAndEveryOneGetsItsAnswer() {
        int callers = 8;
        int callsEach = 1000;
        Tracer tracer = Tracer.noOp();
        Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        try (ShopActions actions = new ShopActions(STUB.stub().uri(), STUB.stub().uri(), tracer, Duration.ofSeconds(10), 64);
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int caller = 0; caller < callers; caller++) {
                executor.execute(() -> {
                    for (int call = 0; call < callsEach; call++) {
                        Span span = tracer.spanBuilder("checkout").start();
                        try {
                            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                            statuses.merge(actions.perform(Scenario.CHECKOUT, span, deadline).status(), 1L, Long::sum);
                        } catch (IOException | RuntimeException e) {
                            failures.add(e.getClass().getName() + ": " + e.getMessage());
                        } finally {
                            span.end();
                        }
                    }
                });
            }
        }

        assertEquals(List.of(), List.copyOf(failures), "every call got the server's answer");
        assertEquals(Map.of(201, (long) callers * callsEach), Map.copyOf(statuses));
        assertThat("connections are kept alive and reused", STUB.stub().connections(), lessThanOrEqualTo(callers));
    }
}
