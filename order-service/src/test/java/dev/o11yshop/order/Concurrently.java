package dev.o11yshop.order;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Runs calls at the same moment (released together by a gate) and collects their results in call order. */
final class Concurrently {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Concurrently() {
    }

    /**
     * Runs {@code call.apply(i)} for i in [0, n) on n threads at once. A failure of any call is rethrown (as the
     * cause of an {@link java.util.concurrent.ExecutionException}); nothing is swallowed.
     */
    static <T> List<T> run(int n, IntFunction<T> call) throws Exception {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit((Callable<T>) () -> {
                    ready.countDown();
                    if (!start.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("start gate never opened");
                    }
                    return call.apply(index);
                }));
            }
            if (!ready.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("not all " + n + " threads got ready");
            }
            start.countDown();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            List<T> results = new ArrayList<>(n);
            for (Future<T> future : futures) {
                results.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("threads still running after the calls were collected");
            }
        }
    }
}
