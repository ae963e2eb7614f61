package dev.o11yshop.observability;

import java.util.List;

import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure of a request into an RFC 9457 problem response: a {@link ProblemException} into its
 * own status, Helidon's HTTP errors (such as 404 for an unmatched path) into theirs, and anything else into
 * a 500 whose detail says nothing about internals. The stack trace goes to the log and the span, never to the
 * client.
 */
public final class ProblemHandlers {
    /** Media type of every error body. */
    public static final String PROBLEM_JSON = "application/problem+json";

    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandlers.class);

    private ProblemHandlers() {
    }

    /** Registers the handlers on {@code routing}. */
    public static void register(HttpRouting.Builder routing) {
        routing.error(ProblemException.class, ProblemHandlers::problem)
                .error(HttpException.class, ProblemHandlers::httpError)
                .error(Throwable.class, ProblemHandlers::unexpected);
    }

    /** Sends a problem response for {@code exception}; usable from handlers that catch it themselves. */
    public static void send(ServerRequest req, ServerResponse res, ProblemException exception) {
        if (exception.status().code() >= 500) {
            Span.current().recordException(exception);
            LOG.atWarn()
                    .addKeyValue("error_type", exception.slug())
                    .addKeyValue("error_message", exception.detail())
                    .log("request_failed");
        }
        respond(req, res, exception);
    }

    /**
     * Sends {@code exception} as the answer without logging it or marking the span: for expected outcomes that the
     * request log and metrics already tell, such as shed load.
     */
    static void respond(ServerRequest req, ServerResponse res, ProblemException exception) {
        exception.headers().forEach(res::header);
        write(req, res, exception.status(), exception.slug(), exception.title(), exception.detail(), exception.errors());
    }

    /** The problem+json body for {@code exception} in the current request, for responses that are stored and replayed. */
    public static byte[] body(ProblemException exception, String instance) {
        return Json.bytes(problem(exception.status(), exception.slug(), exception.title(), exception.detail(),
                                  exception.errors(), instance));
    }

    private static void problem(ServerRequest req, ServerResponse res, ProblemException exception) {
        send(req, res, exception);
    }

    private static void httpError(ServerRequest req, ServerResponse res, HttpException exception) {
        Status status = exception.status();
        if (status.code() == Status.NOT_FOUND_404.code()) {
            write(req, res, status, "not-found", "Resource not found",
                  "no route for " + req.prologue().method().text() + " " + req.prologue().uriPath().rawPath(), List.of());
        } else if (status.code() >= 500) {
            unexpected(req, res, exception);
        } else {
            write(req, res, status, "http-" + status.code(), status.reasonPhrase(), exception.getMessage(), List.of());
        }
    }

    private static void unexpected(ServerRequest req, ServerResponse res, Throwable error) {
        Span.current().recordException(error);
        LOG.atError()
                .setCause(error)
                .addKeyValue("error_type", error.getClass().getName())
                .addKeyValue("error_message", String.valueOf(error.getMessage()))
                .log("unhandled_error");
        write(req, res, Status.INTERNAL_SERVER_ERROR_500, "internal-error", "Internal server error",
              "the request could not be completed; quote the requestId when reporting it", List.of());
    }

    private static void write(ServerRequest req, ServerResponse res, Status status, String slug, String title,
                              String detail, List<Problem.FieldError> errors) {
        Problem problem = problem(status, slug, title, detail, errors, req.prologue().uriPath().rawPath());
        res.status(status);
        // Helidon resets the response before an error handler runs, dropping the header the filter set.
        RequestId.current().ifPresent(id -> res.header(RequestId.HEADER, id));
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, PROBLEM_JSON);
        res.send(Json.bytes(problem));
    }

    private static Problem problem(Status status, String slug, String title, String detail,
                                   List<Problem.FieldError> errors, String instance) {
        SpanContext span = Span.current().getSpanContext();
        return new Problem(Problem.TYPE_BASE + slug,
                           title,
                           status.code(),
                           detail,
                           instance,
                           RequestId.current().orElse(null),
                           span.isValid() ? span.getTraceId() : null,
                           errors);
    }
}
