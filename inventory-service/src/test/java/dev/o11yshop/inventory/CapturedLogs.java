package dev.o11yshop.inventory;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Collects the log events of some loggers while a test runs (they still reach the normal appenders), so that tests
 * can check event names and their structured fields. Safe to read while request or job threads log.
 */
final class CapturedLogs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final List<Logger> loggers;

    private CapturedLogs(List<Logger> loggers) {
        this.loggers = loggers;
    }

    static CapturedLogs of(Class<?>... sources) {
        List<Logger> loggers = java.util.Arrays.stream(sources)
                .map(source -> (Logger) LoggerFactory.getLogger(source))
                .toList();
        CapturedLogs captured = new CapturedLogs(loggers);
        captured.setContext(loggers.getFirst().getLoggerContext());
        captured.start();
        loggers.forEach(logger -> logger.addAppender(captured));
        return captured;
    }

    @Override
    protected void append(ILoggingEvent event) {
        events.add(event);
    }

    /** The structured fields of every event with this message, in logging order. */
    List<Map<String, Object>> withMessage(String message) {
        return events.stream()
                .filter(event -> message.equals(event.getMessage()))
                .map(CapturedLogs::fields)
                .toList();
    }

    private static Map<String, Object> fields(ILoggingEvent event) {
        List<KeyValuePair> pairs = Objects.requireNonNullElse(event.getKeyValuePairs(), List.of());
        return pairs.stream().collect(Collectors.toMap(pair -> pair.key, pair -> pair.value, (a, b) -> b));
    }

    @Override
    public void close() {
        loggers.forEach(logger -> logger.detachAppender(this));
        stop();
    }
}
