package dev.o11yshop.order;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

/** A fully read HTTP response. */
record Reply(int status, String contentType, String requestId, String body) {
    static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-ID");

    /** Sends {@code request}, with {@code body} as its entity when not null, and reads the whole answer. */
    static Reply send(Http1ClientRequest request, String body) {
        try (Http1ClientResponse response = body == null
                ? request.request()
                : request.submit(body.getBytes(StandardCharsets.UTF_8))) {
            return new Reply(response.status().code(),
                             response.headers().first(HeaderNames.CONTENT_TYPE).orElse(""),
                             response.headers().first(REQUEST_ID).orElse(null),
                             response.as(String.class));
        }
    }

    JsonNode json() {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    /** The {@code field} of each entry of a problem's {@code errors}. */
    List<String> fields() {
        List<String> fields = new ArrayList<>();
        json().path("errors").forEach(error -> fields.add(error.path("field").asText()));
        return fields;
    }

    @Override
    public String toString() {
        return status + " " + contentType + " " + body;
    }
}
