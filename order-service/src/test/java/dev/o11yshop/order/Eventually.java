package dev.o11yshop.order;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Polls an assertion until it holds or a deadline passes, instead of sleeping for a guessed time. */
final class Eventually {
    private Eventually() {
    }

    /** An assertion that may throw anything; only {@link AssertionError} means "not yet". */
    @FunctionalInterface
    interface Check {
        void run() throws Exception;
    }

    /**
     * Runs {@code check} until it passes; at the deadline its last {@link AssertionError} is thrown. Any other
     * exception fails at once: it is a bug, not a state that may still change.
     */
    static void eventually(Duration timeout, Check check) throws Exception {
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
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }
}
