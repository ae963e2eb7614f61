package dev.o11yshop.observability;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.common.context.Contexts;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.tracing.HeaderProvider;
import io.helidon.tracing.Scope;
import io.helidon.tracing.Span;
import io.helidon.tracing.SpanContext;
import io.helidon.tracing.Tracer;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The one place where an API request is observed: it continues the caller's W3C trace context in a SERVER
 * span named {@code "{METHOD} {route}"}, assigns the request id, counts RED metrics by route template and
 * writes one {@code request_completed} log line. Errors are turned into problem responses inside the chain
 * ({@link ProblemHandlers}), so the status seen here is the one the client gets.
 */
public final class ObservabilityFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(ObservabilityFilter.class);
    /** Status recorded for a request whose client went away before it was answered (nginx's convention). */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private final Tracer tracer;
    private final HttpServerMetrics metrics = new HttpServerMetrics();
    private final InFlightRequests inFlight;

    public ObservabilityFilter(Tracer tracer, InFlightRequests inFlight) {
        this.tracer = tracer;
        this.inFlight = inFlight;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String method = LabelValues.method(req.prologue().method().text());
        String requestId = RequestId.from(req.headers());
        res.header(RequestId.HEADER, requestId);

        Span.Builder<?> spanBuilder = tracer.spanBuilder(method)
                .kind(Span.Kind.SERVER)
                .tag("http.request.method", method)
                .tag("url.path", req.prologue().uriPath().rawPath())
                .tag("url.scheme", req.isSecure() ? "https" : "http");
        parentContext(req).ifPresent(spanBuilder::parent);
        Span span = spanBuilder.start();
        // Metric exemplars (helidon-metrics-trace-exemplar) take the trace of the request they count from the
        // current Helidon context, which the routing does not set by itself: the request's context, holding its
        // span if sampled (an exemplar must lead to a trace that was kept).
        if (span.unwrap(io.opentelemetry.api.trace.Span.class).getSpanContext().isSampled()) {
            req.context().register(span.context());
        }

        AtomicInteger inProgress = metrics.started(method);
        inFlight.enter();
        MDC.put(RequestId.MDC_KEY, requestId);
        try (Scope ignored = span.activate()) {
            Contexts.runInContext(req.context(), () -> proceed(chain, req, res, span, method, start));
        } finally {
            MDC.remove(RequestId.MDC_KEY);
            inFlight.exit();
            inProgress.decrementAndGet();
        }
    }

    private void proceed(FilterChain chain, RoutingRequest req, RoutingResponse res, Span span, String method, long start) {
        boolean connectionLost = false;
        try {
            chain.proceed();
        } catch (CloseConnectionException e) {
            // The connection failed before an answer went out (a client that hung up mid-body): counting the unsent
            // default 200 would hide it.
            connectionLost = !res.isSent();
            throw e;
        } finally {
            complete(req, res, span, method, start, connectionLost ? CLIENT_CLOSED_REQUEST : res.status().code());
        }
    }

    private Optional<SpanContext> parentContext(RoutingRequest req) {
        return tracer.extract(new RequestHeaders(req));
    }

    private void complete(RoutingRequest req, RoutingResponse res, Span span, String method, long start, int status) {
        long durationNanos = System.nanoTime() - start;
        Optional<String> route = RouteTemplates.of(req);

        route.ifPresent(template -> {
            span.unwrap(io.opentelemetry.api.trace.Span.class).updateName(method + " " + template);
            span.tag("http.route", template);
        });
        span.tag("http.response.status_code", status);
        if (status >= Status.INTERNAL_SERVER_ERROR_500.code()) {
            span.status(Span.Status.ERROR);
        }
        span.end();

        String endpoint = route.orElse(RouteTemplates.UNMATCHED);
        metrics.completed(method, endpoint, status, durationNanos);
        LOG.atLevel(status >= 500 ? Level.WARN : Level.INFO)
                .addKeyValue("method", method)
                .addKeyValue("route", endpoint)
                .addKeyValue("path", req.prologue().uriPath().rawPath())
                .addKeyValue("status_code", status)
                .addKeyValue("duration_ms", durationNanos / 1_000_000.0)
                .log("request_completed");
    }

    /** Request headers as Helidon's tracer reads them for context extraction. */
    private record RequestHeaders(RoutingRequest req) implements HeaderProvider {
        @Override
        public Iterable<String> keys() {
            return req.headers().stream().map(header -> header.headerName().lowerCase()).toList();
        }

        @Override
        public Optional<String> get(String key) {
            return req.headers().first(HeaderNames.create(key));
        }

        @Override
        public Iterable<String> getAll(String key) {
            return req.headers().all(HeaderNames.create(key), List::of);
        }

        @Override
        public boolean contains(String key) {
            return req.headers().contains(HeaderNames.create(key));
        }
    }
}
