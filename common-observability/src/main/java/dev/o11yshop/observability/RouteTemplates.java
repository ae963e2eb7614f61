package dev.o11yshop.observability;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.helidon.common.context.Context;
import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Makes the route template of the matched route (e.g. {@code /api/orders/{orderId}}) known to the
 * observability filter, which uses it as the {@code endpoint} label, the {@code http.route} span attribute
 * and the server span name. Helidon 4.1.2 does not expose the matched pattern, so each handler is wrapped
 * at registration time to record the full template in the request context. A request that matches no route
 * records nothing and is reported as {@link #UNMATCHED}, which keeps the label bounded.
 */
public final class RouteTemplates {
    /** Endpoint label of requests that matched no route (404 from routing). */
    public static final String UNMATCHED = "unmatched";

    private static final String CONTEXT_KEY = RouteTemplates.class.getName();

    private RouteTemplates() {
    }

    /**
     * Runs around the handler of a matched route, once its template is known: the place for behaviour that must only
     * affect matched routes and be observed under their template, such as admission control and fault injection. It
     * lets the request through by calling {@code handler}, or answers it itself.
     */
    @FunctionalInterface
    public interface Interceptor {
        /** Lets every request straight through. */
        Interceptor NONE = (req, res, handler) -> handler.handle(req, res);

        void handle(ServerRequest req, ServerResponse res, Handler handler) throws Exception;
    }

    /**
     * An {@link HttpService} that registers {@code service} under {@code prefix}, recording templates.
     * Use it as {@code routing.register(prefix, RouteTemplates.recorded(prefix, service))}; keep path
     * parameters out of the prefix.
     */
    public static HttpService recorded(String prefix, HttpService service) {
        return recorded(prefix, service, Interceptor.NONE);
    }

    /** Like {@link #recorded(String, HttpService)}, and runs each handler through {@code interceptor}. */
    public static HttpService recorded(String prefix, HttpService service, Interceptor interceptor) {
        return recorded(prefix, service, interceptor, new Table());
    }

    /** Like {@link #recorded(String, HttpService, Interceptor)}, and adds each route to {@code table}. */
    public static HttpService recorded(String prefix, HttpService service, Interceptor interceptor, Table table) {
        return new HttpService() {
            @Override
            public void routing(HttpRules rules) {
                service.routing(new RecordingRules(prefix, rules, interceptor, table));
            }

            @Override
            public void beforeStart() {
                service.beforeStart();
            }

            @Override
            public void afterStop() {
                service.afterStop();
            }
        };
    }

    /** Registers {@code service} under {@code prefix} on {@code routing}, recording its route templates. */
    public static void register(HttpRouting.Builder routing, String prefix, HttpService service) {
        routing.register(prefix, recorded(prefix, service));
    }

    /** Template of the route that handled this request, if one matched. */
    public static Optional<String> of(ServerRequest request) {
        return of(request.context());
    }

    static Optional<String> of(Context context) {
        return context.get(CONTEXT_KEY, String.class);
    }

    /**
     * The routes registered through {@link #recorded(String, HttpService, Interceptor, Table)}, for what must know a
     * request's template before routing, such as admission control, which sheds before a request costs a span or a
     * log line. Filled while routing is built, read-only after.
     */
    public static final class Table {
        private final List<Route> routes = new CopyOnWriteArrayList<>();

        /** The template of the route {@code method} and {@code path} would match, if any (first registered wins, as in Helidon). */
        public Optional<String> match(Method method, UriPath path) {
            for (Route route : routes) {
                if (route.method().equals(method) && route.matcher().match(path).accepted()) {
                    return Optional.of(route.template());
                }
            }
            return Optional.empty();
        }

        void add(Method method, String template) {
            routes.add(new Route(method, template, PathMatchers.create(template)));
        }

        private record Route(Method method, String template, PathMatcher matcher) {
        }
    }

    private static String join(String prefix, String pattern) {
        if (pattern.isEmpty() || "/".equals(pattern)) {
            return prefix.isEmpty() ? "/" : prefix;
        }
        return prefix + (pattern.startsWith("/") ? pattern : "/" + pattern);
    }

    /** Rules that wrap each path-pattern handler; the default get/post/... methods all funnel through here. */
    private record RecordingRules(String prefix, HttpRules delegate, Interceptor interceptor, Table table)
            implements HttpRules {
        @Override
        public HttpRules register(HttpService... services) {
            for (HttpService service : services) {
                delegate.register(recorded(prefix, service, interceptor, table));
            }
            return this;
        }

        @Override
        public HttpRules register(String pathPattern, HttpService... services) {
            for (HttpService service : services) {
                delegate.register(pathPattern, recorded(join(prefix, pathPattern), service, interceptor, table));
            }
            return this;
        }

        /** Covers {@code any(...)} and hand-built routes, whose path pattern cannot be read back: refuse them. */
        @Override
        public HttpRules route(HttpRoute route) {
            throw new UnsupportedOperationException("register API routes with an HTTP method and a path pattern "
                                                            + "(get/post/put/delete), so their route template is known");
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Handler handler) {
            delegate.route(method, pathPattern, recording(method, join(prefix, pathPattern), handler));
            return this;
        }

        @Override
        public HttpRules route(Method method, Handler handler) {
            delegate.route(method, recording(method, join(prefix, ""), handler));
            return this;
        }

        private Handler recording(Method method, String template, Handler handler) {
            table.add(method, template);
            return (req, res) -> {
                req.context().register(CONTEXT_KEY, template);
                interceptor.handle(req, res, handler);
            };
        }
    }
}
