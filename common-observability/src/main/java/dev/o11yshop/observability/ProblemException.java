package dev.o11yshop.observability;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.http.HeaderName;
import io.helidon.http.Status;

/**
 * Thrown anywhere in request handling to end it with a problem response; {@link ProblemHandlers}
 * turns it into {@code application/problem+json}. The message never reaches a client beyond
 * {@link #detail()}, which must be safe to show.
 */
public class ProblemException extends RuntimeException {
    private final Status status;
    private final String slug;
    private final String title;
    private final String detail;
    private final List<Problem.FieldError> errors;
    private final Map<HeaderName, String> headers = new LinkedHashMap<>();

    public ProblemException(Status status, String slug, String title, String detail, List<Problem.FieldError> errors) {
        this(status, slug, title, detail, errors, null);
    }

    public ProblemException(Status status, String slug, String title, String detail,
                            List<Problem.FieldError> errors, Throwable cause) {
        super(title + ": " + detail, cause);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.detail = detail;
        this.errors = List.copyOf(errors);
    }

    /** 400 naming one field at fault. */
    public static ProblemException invalidField(String field, String message) {
        return validation(List.of(new Problem.FieldError(field, message)));
    }

    /** 400 naming every field at fault. */
    public static ProblemException validation(List<Problem.FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.getFirst().field() + ": " + errors.getFirst().message()
                : errors.size() + " fields are invalid";
        return new ProblemException(Status.BAD_REQUEST_400, "validation", "Request is not valid", detail, errors);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Status.NOT_FOUND_404, "not-found", "Resource not found", detail, List.of());
    }

    public static ProblemException conflict(String slug, String title, String detail) {
        return new ProblemException(Status.CONFLICT_409, slug, title, detail, List.of());
    }

    /** 422: the request was understood but the business said no (out of stock, payment declined). */
    public static ProblemException unprocessable(String slug, String title, String detail) {
        return new ProblemException(Status.UNPROCESSABLE_CONTENT_422, slug, title, detail, List.of());
    }

    /** A downstream dependency cannot be used now (down, refusing, circuit open). */
    public static ProblemException dependencyUnavailable(String peer, String detail, Throwable cause) {
        return new ProblemException(Status.SERVICE_UNAVAILABLE_503, "dependency-unavailable",
                                    "Dependency unavailable", peer + ": " + detail, List.of(), cause);
    }

    /** A downstream dependency did not answer within the request's time budget. */
    public static ProblemException dependencyTimeout(String peer, String detail, Throwable cause) {
        return new ProblemException(Status.GATEWAY_TIMEOUT_504, "dependency-timeout",
                                    "Dependency timed out", peer + ": " + detail, List.of(), cause);
    }

    /**
     * Adds a header to send with the problem response, such as {@code Retry-After} or {@code WWW-Authenticate};
     * for use where the exception is built, before it is thrown.
     */
    public ProblemException withHeader(HeaderName name, String value) {
        headers.put(name, value);
        return this;
    }

    /** Headers to send with the problem response. */
    public Map<HeaderName, String> headers() {
        return Map.copyOf(headers);
    }

    public Status status() {
        return status;
    }

    /** Last segment of the problem type URI, e.g. {@code out-of-stock}. */
    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }
}
