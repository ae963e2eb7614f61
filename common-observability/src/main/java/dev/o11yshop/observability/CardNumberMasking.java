package dev.o11yshop.observability;

import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;
import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

/**
 * Masks anything that looks like a payment card number (a standalone run of 12 to 19 digits, optionally grouped by
 * spaces or dashes, that passes the Luhn check) in every log line, even where code forgot not to log one. It runs inside the encoders: as a
 * {@link ValueMasker} of the JSON encoder, covering every string value (message, structured fields, stack
 * traces), and as the {@code %mask(...)} converter of the console pattern. Trace and span ids are hex and are
 * skipped by field name, since a span id can be all digits.
 */
public final class CardNumberMasking implements ValueMasker {
    /** What replaces a card number. */
    public static final String MASK = "****";

    // A standalone run of 12-19 digits, optionally grouped by single spaces or dashes. Not part of a longer token:
    // ids such as ord_<hex> or UUIDs hold long digit runs next to letters and must stay searchable.
    private static final Pattern CARD_NUMBER =
            Pattern.compile("(?<![0-9A-Za-z_])[0-9](?:[ -]?[0-9]){11,18}(?![0-9A-Za-z_])");
    // Not request_id: a caller chooses it, and a card number is a "sane" request id.
    private static final Set<String> ID_FIELDS = Set.of("trace_id", "span_id", "trace_flags", "traceId");

    /** {@code text} with every card-number-like digit run replaced by {@link #MASK}. */
    public static String mask(String text) {
        if (text == null || text.length() < 12) {
            return text;
        }
        return CARD_NUMBER.matcher(text).replaceAll(match -> Matcher.quoteReplacement(maskRun(match.group())));
    }

    /**
     * A run of digit groups: masked whole when it passes Luhn, otherwise the longest Luhn-valid span of whole groups
     * of 12-19 digits inside it is (as in {@code qty 2 4111 1111 1111 1111}).
     */
    private static String maskRun(String run) {
        if (passesLuhn(run)) {
            return MASK;
        }
        String[] groups = run.split("(?<=[ -])|(?=[ -])");
        for (int from = 0; from < groups.length; from++) {
            StringBuilder span = new StringBuilder();
            for (int to = from; to < groups.length; to++) {
                span.append(groups[to]);
                String candidate = span.toString();
                int digits = candidate.replaceAll("\\D", "").length();
                boolean wholeGroups = Character.isDigit(candidate.charAt(0)) && Character.isDigit(candidate.charAt(candidate.length() - 1));
                if (wholeGroups && digits >= 12 && digits <= 19 && passesLuhn(candidate)) {
                    return String.join("", Arrays.copyOfRange(groups, 0, from)) + MASK
                            + String.join("", Arrays.copyOfRange(groups, to + 1, groups.length));
                }
            }
        }
        return run;
    }

    /** Card numbers carry a Luhn check digit; a random digit run passes only one time in ten. */
    static boolean passesLuhn(String candidate) {
        int sum = 0;
        boolean doubled = false;
        for (int i = candidate.length() - 1; i >= 0; i--) {
            char c = candidate.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int digit = c - '0';
            if (doubled) {
                digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
            }
            sum += digit;
            doubled = !doubled;
        }
        return sum % 10 == 0;
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
