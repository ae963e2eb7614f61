package dev.o11yshop.systemtests;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;

/**
 * Stands in for the {@code /metrics} of a component whose binary the build machines cannot run (the OpenTelemetry
 * Collector, Loki): counters under the names the component documents ({@link DocumentedMetrics}), growing at rates
 * the test sets, so that the chart's scrape config, alert rules and routes can run against them. It imitates what
 * those components expose, nothing of o11y-shop's own services. A name that is not in the component's documented
 * list is refused: a stand-in must not make a rule pass with a name the real component does not have.
 */
final class ExpositionStandIn implements AutoCloseable {
    private final String component;
    private final Set<String> documented;
    private final HttpServer server;
    /** Series ({@code name{labels}}) → counter, in exposition order. */
    private final Map<String, Counter> counters = new LinkedHashMap<>();

    private ExpositionStandIn(String component, Set<String> documented, HttpServer server) {
        this.component = component;
        this.documented = documented;
        this.server = server;
    }

    /** Serves {@code GET /metrics} on a free loopback port. */
    static ExpositionStandIn start(String component, Set<String> documented) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExpositionStandIn standIn = new ExpositionStandIn(component, documented, server);
        server.createContext("/metrics", exchange -> {
            byte[] body = standIn.exposition().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return standIn;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /**
     * Lets the counter {@code name{labels}} grow by {@code perSecond} from now on (0: it stays where it is; a new
     * counter starts at 0).
     */
    synchronized void grow(String name, Map<String, String> labels, double perSecond) {
        if (!DocumentedMetrics.listed(documented, name)) {
            throw new IllegalArgumentException(component + " does not document a metric " + name);
        }
        String series = name + new TreeMap<>(labels).entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                .collect(Collectors.joining(",", "{", "}"));
        counters.computeIfAbsent(series, k -> new Counter(name)).setRate(perSecond, System.nanoTime());
    }

    private synchronized String exposition() {
        long now = System.nanoTime();
        StringBuilder text = new StringBuilder();
        // one family after the other, each led by its TYPE line, as the text format wants
        counters.values().stream().map(Counter::name).distinct().forEach(name -> {
            text.append("# TYPE ").append(name).append(" counter\n");
            counters.forEach((series, counter) -> {
                if (counter.name().equals(name)) {
                    text.append(series).append(' ')
                            .append(String.format(Locale.ROOT, "%.3f", counter.valueAt(now))).append('\n');
                }
            });
        });
        return text.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public String toString() {
        return component + " stand-in on 127.0.0.1:" + port() + " " + counters.keySet();
    }

    private static final class Counter {
        private final String name;
        private double value;
        private double perSecond;
        private long since = System.nanoTime();

        Counter(String name) {
            this.name = name;
        }

        String name() {
            return name;
        }

        void setRate(double perSecond, long now) {
            value = valueAt(now);
            since = now;
            this.perSecond = perSecond;
        }

        double valueAt(long now) {
            return value + perSecond * (now - since) / 1e9;
        }
    }
}
