package dev.o11yshop.observability;

import java.lang.management.ManagementFactory;
import java.util.function.IntConsumer;

/**
 * Shared by the modules' tests: what entries of a store really retain, measured as the growth of the heap after full
 * collections, so that a store's byte estimate can be checked against the JVM rather than against itself. A
 * measurement, not a benchmark: the tests print it and only fail on an estimate that is far too low.
 */
public final class RetainedHeap {
    private RetainedHeap() {
    }

    /**
     * Heap bytes per entry retained after {@code fill} has added {@code entries} entries to a store the caller keeps
     * reachable.
     */
    public static long perEntry(int entries, IntConsumer fill) {
        long before = usedAfterGc();
        for (int i = 0; i < entries; i++) {
            fill.accept(i);
        }
        return (usedAfterGc() - before) / entries;
    }

    /** Prints one line a reader of the build log can compare, e.g. {@code orders: 1,012 B measured, 1,150 estimated}. */
    public static void report(String store, long measured, long estimated) {
        System.out.printf("retained heap per entry, %s: %,d B measured, %,d B estimated%n", store, measured, estimated);
    }

    private static long usedAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
