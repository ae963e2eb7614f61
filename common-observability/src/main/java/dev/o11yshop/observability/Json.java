package dev.o11yshop.observability;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The JSON codec of every API: strict about types (no silent coercion of {@code "2"} or {@code 2.5} to an int),
 * lenient about unknown fields, and bounded in size. Every way a body can be wrong becomes a 400 or 413
 * {@link ProblemException} that names the field at fault, never a 500.
 */
public final class Json {
    /** Largest request body any API accepts (contract: bodies over 64 KiB are 413). */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    /** Shared, thread-safe mapper. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            // ALLOW_COERCION_OF_SCALARS does not stop numbers and booleans becoming strings; say so explicitly.
            .withCoercionConfig(LogicalType.Textual, textual -> textual
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Json() {
    }

    /**
     * Reads the request body as {@code type}.
     *
     * @throws ProblemException 400 for an empty, malformed or mistyped body, 413 for one over {@link #MAX_BODY_BYTES}
     */
    public static <T> T read(ServerRequest request, Class<T> type) {
        return parse(readBytes(request), type);
    }

    /**
     * Reads the raw request body, for handlers that need the bytes too (to fingerprint them, say).
     *
     * @throws ProblemException 413 for a body over {@link #MAX_BODY_BYTES}
     */
    public static byte[] readBytes(ServerRequest request) {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        byte[] body;
        try (InputStream in = request.content().inputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (CloseConnectionException e) {
            // The socket failed (the client reset it): no one is left to answer, and Helidon closes it quietly.
            throw e;
        } catch (IOException | RuntimeException e) {
            // The body ended before its Content-Length or last chunk, or its framing is broken: the client hung up or
            // sent garbage, which is its fault, not the server's. If the connection is gone, this answer is just lost.
            throw new ProblemException(Status.BAD_REQUEST_400, "incomplete-body", "Request body incomplete",
                                       "the request body ended before its declared end or is not framed correctly",
                                       List.of(new Problem.FieldError("body", "incomplete")), e);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        return body;
    }

    /** Parses a complete body, with the same errors as {@link #read(ServerRequest, Class)}. */
    public static <T> T parse(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw ProblemException.invalidField("body", "request body is required");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw ProblemException.invalidField("body", "request body must be a JSON object");
            }
            return value;
        } catch (JsonParseException e) {
            throw ProblemException.invalidField("body", "malformed JSON: " + e.getOriginalMessage());
        } catch (InvalidFormatException e) {
            throw ProblemException.invalidField(path(e), "has the wrong type or format");
        } catch (MismatchedInputException e) {
            throw ProblemException.invalidField(path(e), "has the wrong type" + expected(e));
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof InputCoercionException) {
                throw ProblemException.invalidField(path(e), "number out of range");
            }
            throw ProblemException.invalidField(path(e), "is not valid: " + rootMessage(e));
        } catch (JsonProcessingException e) {
            throw ProblemException.invalidField("body", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code entity} as JSON with the given status. */
    public static void send(ServerResponse response, Status status, Object entity) {
        response.status(status);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(bytes(entity));
    }

    /** Serialises {@code entity}; our own types always serialise, so a failure is a programming error. */
    public static byte[] bytes(Object entity) {
        try {
            return MAPPER.writeValueAsBytes(entity);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + entity.getClass().getName(), e);
        }
    }

    private static ProblemException tooLarge() {
        return new ProblemException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload-too-large", "Request body too large",
                                    "request bodies are limited to " + MAX_BODY_BYTES + " bytes",
                                    List.of(new Problem.FieldError("body", "larger than " + MAX_BODY_BYTES + " bytes")));
    }

    /** The JSON path of a mapping error, e.g. {@code items[0].quantity}. */
    static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    private static String expected(MismatchedInputException e) {
        Class<?> target = e.getTargetType();
        if (target == null) {
            return "";
        }
        if (Number.class.isAssignableFrom(target) || target.isPrimitive() && target != boolean.class) {
            return ", expected a number";
        }
        if (target == String.class) {
            return ", expected a string";
        }
        if (List.class.isAssignableFrom(target) || target.isArray()) {
            return ", expected an array";
        }
        if (target == Boolean.class || target == boolean.class) {
            return ", expected a boolean";
        }
        return ", expected an object";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : String.valueOf(root.getMessage());
    }
}
