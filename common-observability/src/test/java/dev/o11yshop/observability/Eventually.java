package dev.o11yshop.observability;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Shared by the modules' tests (common-observability's test-jar). Polls an assertion until it holds or a deadline passes; for effects of other threads (jobs, span export). */
public final class Eventually {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private Eventually() {
    }

    /** An assertion that may throw anything; only {@link AssertionError} means "not yet". */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    public static void eventually(Check check) throws Exception {
        eventually(DEFAULT_TIMEOUT, check);
    }

    /**
     * Runs {@code check} until it passes; at the deadline its last {@link AssertionError} is thrown. Any other
     * exception fails at once: it is a bug, not a state that may still change.
     */
    public static void eventually(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }
}
