package dev.o11yshop.observability;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.Filter;
import org.slf4j.MDC;

/**
 * The {@code X-Request-ID} of a request: the caller's if it is a sane token, otherwise a new one. Anything
 * else (too long, spaces, control characters) is replaced rather than echoed, so it cannot forge log lines.
 */
public final class RequestId {
    /** The header carrying the id both ways. */
    public static final HeaderName HEADER = HeaderNames.create("X-Request-ID");
    /** MDC key and log field name. */
    public static final String MDC_KEY = "request_id";

    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private RequestId() {
    }

    /** The caller's id when it is sane, otherwise a fresh random one. */
    public static String from(Headers headers) {
        return headers.first(HEADER).filter(RequestId::isSane).orElseGet(RequestId::generate);
    }

    public static boolean isSane(String candidate) {
        return candidate != null && SANE.matcher(candidate).matches();
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: an id must be unique, not secret, and
     * {@link UUID#randomUUID()} draws from one SecureRandom that every request thread would queue on.
     */
    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & ~(0xCL << 60)) | (0x8L << 60);
        return new UUID(high, low).toString();
    }

    /**
     * A filter that gives every response of a socket its request id (and the MDC entry while it is handled),
     * for sockets that the observability filter does not cover, such as the admin socket.
     */
    public static Filter filter() {
        return (chain, req, res) -> {
            String id = from(req.headers());
            res.header(HEADER, id);
            MDC.put(MDC_KEY, id);
            try {
                chain.proceed();
            } finally {
                MDC.remove(MDC_KEY);
            }
        };
    }

    /** The request id of the request being handled on this thread, if any. */
    public static Optional<String> current() {
        return Optional.ofNullable(MDC.get(MDC_KEY));
    }
}
