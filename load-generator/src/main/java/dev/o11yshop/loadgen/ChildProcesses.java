package dev.o11yshop.loadgen;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The child processes this JVM started (the services, Prometheus, Alertmanager) and how they are stopped: SIGTERM,
 * then SIGKILL for any still alive after a grace period. A tracked process still running when the JVM exits is
 * stopped by one shutdown hook, so none is left behind whatever ends the command: an exception that skipped a
 * {@code close()}, {@code System.exit}, or a SIGTERM/SIGINT the command does not handle itself.
 */
public final class ChildProcesses {
    /** Grace of the shutdown hook: the services drain for up to 20 s, but a JVM that is exiting cannot wait long. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private ChildProcesses() {
    }

    /** Tracks {@code process} until it exits; returns it. */
    public static Process track(Process process) {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("stop-child-processes").unstarted(
                    () -> stopAll(List.copyOf(RUNNING), EXIT_GRACE)));
        }
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
        return process;
    }

    /** Tracked processes still running. */
    static Set<Process> running() {
        return Set.copyOf(RUNNING);
    }

    /**
     * SIGTERM, then SIGKILL if {@code process} has not exited within {@code grace}; returns once it is gone (or
     * after a second {@code grace} when even SIGKILL takes long). Never throws: an interrupt kills at once and is
     * kept for the caller.
     *
     * @return whether it exited on SIGTERM alone
     */
    public static boolean stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** SIGTERM to all of {@code processes} at once, then SIGKILL to those still alive after {@code grace}. */
    static void stopAll(Collection<Process> processes, Duration grace) {
        processes.forEach(Process::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Process process : processes) {
            try {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        processes.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
    }
}
