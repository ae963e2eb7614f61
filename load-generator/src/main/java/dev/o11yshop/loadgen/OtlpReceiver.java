package dev.o11yshop.loadgen;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * An OTLP/HTTP trace receiver ({@code POST /v1/traces}, protobuf) built on the official opentelemetry-proto
 * classes, on an ephemeral port. It keeps every span it receives, flattened with its resource's service name.
 */
public final class OtlpReceiver implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();

    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final List<Consumer<ReceivedSpan>> listeners = new CopyOnWriteArrayList<>();
    private final WebServer server;
    private volatile boolean retaining = true;

    /**
     * One received span.
     *
     * @param parentSpanId empty for a root span
     * @param kind         {@code SPAN_KIND_SERVER}, {@code SPAN_KIND_CLIENT}, ...
     * @param statusCode   {@code STATUS_CODE_UNSET}, {@code STATUS_CODE_OK} or {@code STATUS_CODE_ERROR}
     */
    public record ReceivedSpan(String service, Map<String, Object> resource, String traceId, String spanId, String parentSpanId,
                        String traceState, String name, String kind, String statusCode, Map<String, Object> attributes,
                        List<String> events, long startNanos, long endNanos) {
        /** Duration in milliseconds. */
        public double durationMs() {
            return (endNanos - startNanos) / 1_000_000.0;
        }

        public Object attribute(String key) {
            return attributes.get(key);
        }

        public boolean hasException() {
            return events.contains("exception");
        }
    }

    /** A receiver on loopback, for processes on this machine. */
    public OtlpReceiver() {
        this("127.0.0.1");
    }

    /**
     * A receiver bound to {@code host}: {@code 0.0.0.0} lets containers reach it through the Docker host gateway.
     *
     * @param host the address to listen on
     */
    public OtlpReceiver(String host) {
        server = WebServer.builder()
                .port(0)
                .host(host)
                .routing(routing -> routing.post("/v1/traces", this::receive))
                .build()
                .start();
    }

    /** The loopback base URL, for processes on this machine. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    public int port() {
        return server.port();
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    public List<ReceivedSpan> spans(Predicate<ReceivedSpan> filter) {
        return spans.stream().filter(filter).toList();
    }

    /** Polls until at least {@code count} spans match, or fails after {@code timeout} with what was received. */
    public List<ReceivedSpan> await(Predicate<ReceivedSpan> filter, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ReceivedSpan> matching = spans(filter);
            if (matching.size() >= count) {
                return matching;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " matching spans within " + timeout + ", got "
                                                 + matching.size() + "; all received: " + describe(spans()));
            }
            Thread.sleep(50);
        }
    }

    public void clear() {
        spans.clear();
    }

    /** Calls {@code listener} with every span received from now on. */
    public void onSpan(Consumer<ReceivedSpan> listener) {
        listeners.add(listener);
    }

    /** Whether received spans are kept for {@link #spans()}; off for long, heavy runs that only use listeners. */
    public void retain(boolean retain) {
        this.retaining = retain;
    }

    public static String describe(List<ReceivedSpan> spans) {
        StringBuilder out = new StringBuilder();
        for (ReceivedSpan span : spans) {
            out.append("\n  ").append(span.service()).append(' ').append(span.kind()).append(" '").append(span.name())
                    .append("' trace=").append(span.traceId()).append(" span=").append(span.spanId())
                    .append(" parent=").append(span.parentSpanId());
        }
        return out.toString();
    }

    private void receive(ServerRequest req, ServerResponse res) {
        try (InputStream raw = req.content().inputStream()) {
            byte[] body = raw.readAllBytes();
            boolean gzip = req.headers().first(HeaderNames.CONTENT_ENCODING).map("gzip"::equalsIgnoreCase).orElse(false);
            InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(body)) : new ByteArrayInputStream(body);
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in);
            for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
                Map<String, Object> resource = attributes(resourceSpans.getResource().getAttributesList());
                String service = String.valueOf(resource.get("service.name"));
                for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                    for (Span span : scopeSpans.getSpansList()) {
                        ReceivedSpan received = flatten(service, resource, span);
                        if (retaining) {
                            spans.add(received);
                        }
                        listeners.forEach(listener -> listener.accept(received));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/x-protobuf");
        res.send(ExportTraceServiceResponse.getDefaultInstance().toByteArray());
    }

    private static ReceivedSpan flatten(String service, Map<String, Object> resource, Span span) {
        List<String> events = new ArrayList<>();
        span.getEventsList().forEach(event -> events.add(event.getName()));
        return new ReceivedSpan(service,
                                resource,
                                HEX.formatHex(span.getTraceId().toByteArray()),
                                HEX.formatHex(span.getSpanId().toByteArray()),
                                HEX.formatHex(span.getParentSpanId().toByteArray()),
                                span.getTraceState(),
                                span.getName(),
                                span.getKind().name(),
                                span.getStatus().getCode().name(),
                                attributes(span.getAttributesList()),
                                events,
                                span.getStartTimeUnixNano(),
                                span.getEndTimeUnixNano());
    }

    private static Map<String, Object> attributes(List<KeyValue> keyValues) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (KeyValue keyValue : keyValues) {
            result.put(keyValue.getKey(), value(keyValue.getValue()));
        }
        return result;
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> value.getBoolValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        server.stop();
    }
}
