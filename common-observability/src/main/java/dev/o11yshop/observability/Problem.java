package dev.o11yshop.observability;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem document ({@code application/problem+json}), with the request and trace ids a
 * user needs to find the failing request in logs and traces, and the fields at fault for validation errors.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type,
                      String title,
                      int status,
                      String detail,
                      String instance,
                      String requestId,
                      String traceId,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FieldError> errors) {
    /** Base of every problem {@code type} URI. */
    public static final String TYPE_BASE = "https://o11y-shop.dev/problems/";
    /** Longer request targets are left out of {@code instance} of a problem raised before routing: they are the fault, not a useful reference. */
    static final int MAX_INSTANCE_LENGTH = 256;

    /**
     * One field that failed validation.
     *
     * @param field   JSON path of the field, e.g. {@code items[0].quantity}
     * @param message what is wrong with it
     */
    public record FieldError(String field, String message) {
    }
}
