package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.core.json.JsonWriteContext;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Card numbers never reach a log line: the masking rule itself, the {@link net.logstash.logback.mask.ValueMasker}
 * contract, and the real {@code logback.xml} JSON encoder end to end.
 */
class CardNumberMaskingTest {
    private static final String TRACE_ID = "12345678901234567890123456789012";
    /** A span id can be all digits; 16 of them look like a card number, so it must be skipped by field name. */
    private static final String DIGIT_SPAN_ID = "1234567890123456";

    private static LoggerContext context;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "4111111111111111                         | ****",
            "card 4111111111111111 declined           | card **** declined",
            "4111 1111 1111 1111                      | ****",
            "4111-1111-1111-1111                      | ****",
            "Amex 3782 822463 10005                   | Amex ****",
            "123456789015                             | ****",
            "1234567890123456785                      | ****",
            "qty 2 4111111111111111                   | qty 2 ****",
            "two 4111111111111111 and 5555555555554444 | two **** and ****",
            "json {\"cardNumber\":\"4000000000000002\"} | json {\"cardNumber\":\"****\"}",
            "key=4000-0000-0000-9995,                 | key=****,"})
    void masksCardNumberLikeDigitRuns(String text, String masked) {
        assertEquals(masked, CardNumberMasking.mask(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "12345678901",                          // 11 digits: too short for a card
            "123456789012",                         // fails the Luhn check: not a card number
            "a4111111111111111b",                   // glued to letters: part of an id, not a card number
            "ord_41111111111111117f3a",             // an order id with a long digit run
            "12345678901234567890",                 // 20 digits: too long for a card
            TRACE_ID,                               // all-digit trace id (32 digits)
            "4bf92f3577b34da6a3ce929d0e0e4736",     // hex trace id
            "00f067aa0ba902b7",                     // hex span id
            "2025-01-02T03:04:05.123Z",             // ISO timestamp
            "order ord-42 total 59.98 USD",
            "+1 555-123-4567",                      // phone number: 11 digits
            "1.2.3.4:8080",
            "4111 1111 111",                        // 11 digits grouped
            ""})
    void leavesOtherTextAlone(String text) {
        assertEquals(text, CardNumberMasking.mask(text));
    }

    @Test
    void theConsolePatternMasksMessageKeyValuesAndStackTraces() {
        String line = "payment_failed card=\"4111 1111 1111 1111\" order_id=\"o-1\"\njava.lang.IllegalStateException: 4000000000000002";
        String masked = new CardNumberMasking.PatternMasker().transform(null, line);
        assertThat(masked, not(containsString("4111 1111")));
        assertThat(masked, not(containsString("4000000000000002")));
        assertThat(masked, containsString("order_id=\"o-1\""));
    }

    @Test
    void passesNullThrough() {
        assertNull(CardNumberMasking.mask(null));
    }

    @Test
    void masksStringValuesOfAnyField() {
        CardNumberMasking masker = new CardNumberMasking();

        assertEquals("****", masker.mask(field("message"), "4111111111111111"));
        assertEquals("paid with ****", masker.mask(field("card"), "paid with 4111-1111-1111-1111"));
        assertEquals("****", masker.mask(field("stack_trace"), new StringBuilder("4111111111111111")));
    }

    @Test
    void leavesIdFieldsNumbersAndCleanTextAlone() {
        CardNumberMasking masker = new CardNumberMasking();

        assertNull(masker.mask(field("span_id"), DIGIT_SPAN_ID), "span ids are skipped by name");
        assertNull(masker.mask(field("trace_id"), "1234567890123456"));
        assertNull(masker.mask(field("epoch_ms"), 1735787045123L), "numbers are not masked");
        assertNull(masker.mask(field("amount"), 4111111111111111L), "only strings are masked");
        assertNull(masker.mask(field("message"), "order_completed"), "null means: write the value unchanged");
    }

    // ---------------------------------------------------------------- the real logback.xml, end to end

    @BeforeAll
    static void configureLogbackFromTheModulesConfig() throws JoranException {
        URL config = CardNumberMasking.class.getResource("/logback.xml");
        assertTrue(config != null && config.toString().contains("common-observability"), "logback.xml of this module: " + config);
        context = new LoggerContext();
        context.setName("masking-test");
        // The slf4j provider does this for the default context; a context of our own shares the one MDC.
        context.setMDCAdapter(MDC.getMDCAdapter());
        context.putProperty("LOG_FORMAT", "json");
        context.putProperty("LOG_LEVEL", "INFO");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
        context.start();
    }

    @AfterAll
    static void stopLogback() {
        context.stop();
    }

    @Test
    void theJsonEncoderMasksTheMessageFieldsAndStackTraces() {
        String marker = marker();
        Logger log = context.getLogger("masking.test");

        JsonNode line = logged(marker, () -> log.atWarn()
                .addKeyValue("card", "4111111111111111")
                .addKeyValue("spaced", "4111 1111 1111 1111")
                .addKeyValue("note", "customer typed 4000-0000-0000-0002 into the name field")
                .addKeyValue("epoch_ms", 1735787045123L)
                .addKeyValue("short_number", "12345678901")
                .addKeyValue("order_id", "ord-42")
                .setCause(new IllegalStateException("rejected card 4000000000009995"))
                .log("payment_failed {} 4111111111111111", marker));

        String raw = line.toString();
        assertAll(raw,
                  () -> assertEquals("payment_failed " + marker + " ****", line.path("message").asText()),
                  () -> assertEquals("****", line.path("card").asText()),
                  () -> assertEquals("****", line.path("spaced").asText()),
                  () -> assertEquals("customer typed **** into the name field", line.path("note").asText()),
                  () -> assertTrue(line.path("epoch_ms").isNumber(), "numbers stay numbers"),
                  () -> assertEquals(1735787045123L, line.path("epoch_ms").asLong()),
                  () -> assertEquals("12345678901", line.path("short_number").asText()),
                  () -> assertEquals("ord-42", line.path("order_id").asText()),
                  () -> assertThat(line.path("stack_trace").asText(), containsString("rejected card ****")),
                  () -> assertThat(line.path("stack_trace").asText(), containsString("IllegalStateException")),
                  () -> assertEquals(TRACE_ID, line.path("trace_id").asText()),
                  () -> assertEquals(DIGIT_SPAN_ID, line.path("span_id").asText(), "span ids are not masked"),
                  () -> assertEquals("masking-test", line.path("service").asText()),
                  () -> assertEquals("WARN", line.path("level").asText()),
                  () -> assertEquals("masking.test", line.path("logger_name").asText()),
                  () -> assertTrue(line.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                                   line.path("@timestamp").asText()),
                  () -> assertTrue(line.path("trace_flags").isMissingNode(), "trace_flags is excluded"));
        for (String card : List.of("4111111111111111", "4111 1111", "4000-0000", "4000000000009995")) {
            assertThat(raw, not(containsString(card)));
        }
    }

    @Test
    void theJsonEncoderMasksMdcValues() {
        String marker = marker();
        Logger log = context.getLogger("masking.test");

        JsonNode line = logged(marker, () -> {
            MDC.put("customer_note", "card 4111111111111111");
            try {
                log.info("mdc_check {}", marker);
            } finally {
                MDC.remove("customer_note");
            }
        });

        assertEquals("card ****", line.path("customer_note").asText());
    }

    @Test
    void aCardNumberSentAsRequestIdIsMasked() {
        String marker = marker();
        Logger log = context.getLogger("masking.test");
        assertTrue(RequestId.isSane("4111111111111111"));

        JsonNode line = logged(marker, () -> {
            MDC.put(RequestId.MDC_KEY, "4111111111111111");
            try {
                log.info("request_completed {}", marker);
            } finally {
                MDC.remove(RequestId.MDC_KEY);
            }
        });

        assertThat(line.toString(), not(containsString("4111111111111111")));
    }

    /** Runs {@code logging} inside a span with an all-digit span id and returns the one stdout line with {@code marker}. */
    private static JsonNode logged(String marker, Runnable logging) {
        SpanContext span = SpanContext.create(TRACE_ID, DIGIT_SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault());
        String out = captureStdout(ignored -> {
            try (Scope scope = Span.wrap(span).makeCurrent()) {
                logging.run();
            }
        });
        List<String> lines = out.lines().filter(line -> line.contains(marker)).toList();
        assertEquals(1, lines.size(), "one log line with the marker in: " + out);
        try {
            return Json.MAPPER.readTree(lines.getFirst());
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON line: " + lines.getFirst(), e);
        }
    }

    /** logback's ConsoleAppender writes to whatever System.out is at the time of each write. */
    private static String captureStdout(Consumer<Void> action) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.accept(null);
        } finally {
            System.out.flush();
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static JsonWriteContext field(String name) {
        JsonWriteContext object = JsonWriteContext.createRootContext(null).createChildObjectContext();
        try {
            object.writeFieldName(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return object;
    }

    /** A unique marker without digits: a UUID's digit groups joined by dashes can look like a card number. */
    private static String marker() {
        return "marker-" + UUID.randomUUID().toString().replaceAll("[0-9]", "x") + "-end";
    }
}
