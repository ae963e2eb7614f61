package dev.o11yshop.observability;

import java.util.Set;
import java.util.regex.Pattern;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;
import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

/**
 * Masks anything that looks like a payment card number (12 to 19 digits, optionally grouped by spaces or
 * dashes) in every log line, even where code forgot not to log one. It runs inside the encoders: as a
 * {@link ValueMasker} of the JSON encoder, covering every string value (message, structured fields, stack
 * traces), and as the {@code %mask(...)} converter of the console pattern. Trace and span ids are hex and are
 * skipped by field name, since a span id can be all digits.
 */
public final class CardNumberMasking implements ValueMasker {
    /** What replaces a card number. */
    public static final String MASK = "****";

    private static final Pattern CARD_NUMBER = Pattern.compile("(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])");
    // Not request_id: a caller chooses it, and a card number is a "sane" request id.
    private static final Set<String> ID_FIELDS = Set.of("trace_id", "span_id", "trace_flags", "traceId");

    /** {@code text} with every card-number-like digit run replaced by {@link #MASK}. */
    public static String mask(String text) {
        if (text == null || text.length() < 12) {
            return text;
        }
        return CARD_NUMBER.matcher(text).replaceAll(MASK);
    }

    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text && !ID_FIELDS.contains(context.getCurrentName())) {
            String original = text.toString();
            String masked = mask(original);
            return masked.equals(original) ? null : masked;
        }
        return null;
    }

    /** Console-pattern converter {@code %mask(...)}: whatever the inner pattern produced, masked. */
    public static final class PatternMasker extends CompositeConverter<ILoggingEvent> {
        @Override
        protected String transform(ILoggingEvent event, String in) {
            return mask(in);
        }
    }
}
