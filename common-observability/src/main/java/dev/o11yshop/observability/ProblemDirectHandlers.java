package dev.o11yshop.observability;

import java.util.List;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Problem responses for the errors Helidon answers itself, before (or around) routing: a request line too long
 * (414), a bad percent-encoding or header (400), a body over the server's limit (413), and its own internal errors.
 * Helidon's default answers these in {@code text/plain}; here they are RFC 9457 problems like every other error, with
 * the request id (the caller's if sane, else a new one). There is no trace id: no span exists before routing.
 * Wire it on the server builder, which makes it the default of every socket:
 * {@code WebServer.builder().directHandlers(ProblemDirectHandlers.create())}.
 */
public final class ProblemDirectHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemDirectHandlers.class);
    /** Helidon's messages are short; a longer one would be echoing the request back. */
    private static final int MAX_DETAIL_LENGTH = 200;

    private ProblemDirectHandlers() {
    }

    /** Direct handlers that answer every event type with a problem. */
    public static DirectHandlers create() {
        DirectHandler handler = new ProblemDirectHandler();
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    private static final class ProblemDirectHandler implements DirectHandler {
        /** Called by Helidon for every event; the message of a {@link RequestException} is shown only if Helidon marks it safe. */
        @Override
        public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                        ServerResponseHeaders responseHeaders, Throwable thrown, System.Logger logger) {
            boolean safe = thrown instanceof RequestException exception && exception.safeMessage();
            return handle(request, eventType, status, responseHeaders, safe ? thrown.getMessage() : null);
        }

        @Override
        public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                        ServerResponseHeaders responseHeaders, String message) {
            String requestId = RequestId.current()
                    .orElseGet(() -> RequestId.from(request.headers()));
            if (status.code() == Status.SERVICE_UNAVAILABLE_503.code()) {
                // Helidon's one 503: the socket's bound on requests (AdmissionControl.socketLimit()) was reached.
                return overloaded(request, responseHeaders, requestId);
            }
            Kind kind = Kind.of(status);
            String detail = status.code() < 500 && message != null && !message.isBlank() && message.length() <= MAX_DETAIL_LENGTH
                    ? message
                    : kind.detail();
            String path = request.path();
            Problem problem = new Problem(Problem.TYPE_BASE + kind.slug(status),
                                          kind.title(status),
                                          status.code(),
                                          detail,
                                          path.isEmpty() || path.length() > Problem.MAX_INSTANCE_LENGTH ? null : path,
                                          requestId,
                                          null,
                                          kind.errors());
            // Expected for a server on a network: a client's bad request is its own failure, not ours.
            LOG.atDebug()
                    .addKeyValue("event_type", eventType.name())
                    .addKeyValue("status_code", status.code())
                    .addKeyValue("method", LabelValues.method(request.method()))
                    .addKeyValue(RequestId.MDC_KEY, requestId)
                    .log("request_rejected_before_routing");
            return TransportResponse.builder()
                    .status(status)
                    .headers(responseHeaders)
                    .header(HeaderNames.CONTENT_TYPE, ProblemHandlers.PROBLEM_JSON)
                    .header(RequestId.HEADER, requestId)
                    .keepAlive(eventType.keepAlive())
                    .entity(Json.bytes(problem))
                    .build();
        }
    }

    /** A request shed at the socket: the same problem and {@code Retry-After} as one shed by admission control. */
    private static DirectHandler.TransportResponse overloaded(DirectHandler.TransportRequest request, ServerResponseHeaders responseHeaders,
                                                String requestId) {
        AdmissionControl.countShedAtSocket();
        ProblemException shed = AdmissionControl.overloaded(
                "the service holds its maximum of requests at once; retry after " + AdmissionControl.RETRY_AFTER_SECONDS + " s");
        Problem problem = AdmissionControl.overloadedProblem(shed, request.path(), requestId);
        DirectHandler.TransportResponse.Builder response = DirectHandler.TransportResponse.builder()
                .status(shed.status())
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, ProblemHandlers.PROBLEM_JSON)
                .header(RequestId.HEADER, requestId)
                .keepAlive(false)
                .entity(Json.bytes(problem));
        shed.headers().forEach(response::header);
        return response.build();
    }

    /** What the problem says for each status Helidon answers by itself. */
    private enum Kind {
        BAD_REQUEST("bad-request", "Bad request",
                    "the request line or a header is malformed, such as a path with a bad percent-encoding"),
        PAYLOAD_TOO_LARGE("payload-too-large", "Request body too large", "the request body is larger than the server accepts"),
        URI_TOO_LONG("uri-too-long", "Request URI too long", "the request line is longer than the server accepts"),
        INTERNAL("internal-error", "Internal server error",
                 "the request could not be completed; quote the requestId when reporting it"),
        OTHER(null, null, "the request could not be completed");

        private final String slug;
        private final String title;
        private final String detail;

        Kind(String slug, String title, String detail) {
            this.slug = slug;
            this.title = title;
            this.detail = detail;
        }

        static Kind of(Status status) {
            return switch (status.code()) {
                case 400 -> BAD_REQUEST;
                case 413 -> PAYLOAD_TOO_LARGE;
                case 414 -> URI_TOO_LONG;
                case 500 -> INTERNAL;
                default -> OTHER;
            };
        }

        String slug(Status status) {
            return slug != null ? slug : "http-" + status.code();
        }

        String title(Status status) {
            return title != null ? title : status.reasonPhrase();
        }

        String detail() {
            return detail;
        }

        List<Problem.FieldError> errors() {
            return switch (this) {
                case PAYLOAD_TOO_LARGE -> List.of(new Problem.FieldError("body", "larger than the server accepts"));
                case URI_TOO_LONG -> List.of(new Problem.FieldError("uri", "longer than the server accepts"));
                default -> List.of();
            };
        }
    }
}
