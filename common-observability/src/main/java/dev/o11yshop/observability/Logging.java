package dev.o11yshop.observability;

import ch.qos.logback.classic.LoggerContext;
import io.helidon.logging.common.LogConfig;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes every logging API into Logback (configured by {@code logback.xml} of this module): Helidon logs
 * through {@code System.Logger}, bridged by helidon-logging-slf4j; java.util.logging is bridged here.
 */
public final class Logging {
    private Logging() {
    }

    /** Call first in {@code main}, before anything logs; names the {@code service} field of every line. */
    public static void init(String serviceName) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            String configured = System.getenv("OTEL_SERVICE_NAME");
            context.setName(configured == null || configured.isBlank() ? serviceName : configured);
        }
        LogConfig.configureRuntime();
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }
}
