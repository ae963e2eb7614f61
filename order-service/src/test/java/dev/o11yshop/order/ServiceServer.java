package dev.o11yshop.order;

import dev.o11yshop.observability.Eventually;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;

/**
 * One of the shop's services as a real Helidon WebServer in the test JVM, on an ephemeral port, with the production
 * API routing behind the production observability filter. It can be stopped (its port then refuses connections),
 * restarted on the same port (with fresh state: the routing is built anew) and slowed down, which is how tests make
 * a dependency unavailable or too slow.
 */
final class ServiceServer {
    private final String name;
    private final Consumer<HttpRouting.Builder> routes;
    private final AtomicInteger delayed = new AtomicInteger();
    private final int port;
    private volatile Duration delay = Duration.ZERO;
    private WebServer server;

    private ServiceServer(String name, Consumer<HttpRouting.Builder> routes) {
        this.name = name;
        this.routes = routes;
        this.server = build(0).start();
        this.port = server.port();
    }

    /** Starts {@code routes} (the service's {@code Main.routing}) on an ephemeral port. */
    static ServiceServer start(String name, Consumer<HttpRouting.Builder> routes) {
        return new ServiceServer(name, routes);
    }

    URI uri() {
        return URI.create("http://localhost:" + port);
    }

    /** Stops the server: calls to it are refused from now on. */
    synchronized void stop() {
        server.stop();
    }

    /** Starts it again on the same port, with a fresh routing (and so fresh state), if it is stopped. */
    synchronized void ensureRunning() {
        if (!server.isRunning()) {
            server = build(port).start();
        }
    }

    /** Holds every request this long before it reaches the service, like a congested link. */
    void delayRequests(Duration delay) {
        this.delay = delay;
    }

    /** Waits until every request held by {@link #delayRequests} has been answered; fails after {@code timeout}. */
    void awaitNoDelayedRequests(Duration timeout) throws Exception {
        Eventually.eventually(timeout, () -> {
            if (delayed.get() != 0) {
                throw new AssertionError(delayed.get() + " requests to " + name + " still held");
            }
        });
    }

    private WebServer build(int listenPort) {
        return WebServer.builder()
                .port(listenPort)
                .featuresDiscoverServices(false)
                .shutdownHook(false)
                .routing(routing -> {
                    routing.addFilter(delayFilter());
                    TestObservability.OBSERVABILITY.api(routing);
                    routes.accept(routing);
                })
                .build();
    }

    private Filter delayFilter() {
        return (chain, req, res) -> {
            Duration hold = delay;
            if (!hold.isPositive()) {
                chain.proceed();
                return;
            }
            delayed.incrementAndGet();
            try {
                Thread.sleep(hold);
                chain.proceed();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while delaying a request to " + name, e);
            } finally {
                delayed.decrementAndGet();
            }
        };
    }

    @Override
    public String toString() {
        return name + " at " + uri();
    }
}
