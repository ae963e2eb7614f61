package dev.o11yshop.observability;

import java.util.Locale;
import java.util.Set;

/**
 * Guards that keep metric label values bounded. Anything outside a known set becomes {@link #OTHER}, so an
 * attacker or a bug cannot create unbounded series; put the raw value on the span or log line instead.
 */
public final class LabelValues {
    /** Label value for anything outside the known set. */
    public static final String OTHER = "other";

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    private LabelValues() {
    }

    /** {@code value} when it is one of {@code allowed}, otherwise {@link #OTHER}. */
    public static String oneOf(String value, Set<String> allowed) {
        return value != null && allowed.contains(value) ? value : OTHER;
    }

    /** An HTTP method, upper case; unknown or extension methods become {@link #OTHER}. */
    public static String method(String method) {
        return oneOf(method == null ? null : method.toUpperCase(Locale.ROOT), METHODS);
    }

    /** An HTTP status code as a label; only real status codes (100–599) pass. */
    public static String status(int code) {
        return code >= 100 && code <= 599 ? Integer.toString(code) : OTHER;
    }
}
