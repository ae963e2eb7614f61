package dev.o11yshop.observability;

import java.io.IOException;
import java.util.Optional;

/**
 * A dependency's answer below 500: the status and body, for the caller to interpret (201 created, 409 out of
 * stock, 402 declined, ...).
 */
public record DownstreamResponse(int status, byte[] body) {
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The body as {@code type}; a dependency that breaks the API contract is a 503, not a 500. */
    public <T> T as(Class<T> type) {
        try {
            return Json.MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw ProblemException.dependencyUnavailable("downstream", "answered with an unreadable body", e);
        }
    }

    /** The problem document of an error answer, if it has one. */
    public Optional<Problem> problem() {
        try {
            return Optional.ofNullable(Json.MAPPER.readValue(body, Problem.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
