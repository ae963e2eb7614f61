package dev.o11yshop.loadgen;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Child processes are stopped with SIGTERM, killed after the grace when they ignore it, and tracked until they exit. */
class ChildProcessesTest {
    private final List<Process> started = new java.util.ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void aProcessThatHonoursSigtermStopsWithinTheGrace() throws Exception {
        Process process = start(false);

        assertTrue(ChildProcesses.stop(process, Duration.ofSeconds(10)), "exited on SIGTERM");
        assertFalse(process.isAlive());
    }

    @Test
    void aProcessThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        Process process = start(true);

        assertFalse(ChildProcesses.stop(process, Duration.ofMillis(300)), "needed SIGKILL");
        assertFalse(process.isAlive());
    }

    @Test
    void stopAllTerminatesEveryProcessAtOnceAndKillsTheStubbornOnes() throws Exception {
        List<Process> processes = List.of(start(true), start(false), start(true));
        long begin = System.nanoTime();

        ChildProcesses.stopAll(processes, Duration.ofMillis(500));

        for (Process process : processes) {
            assertTrue(process.waitFor(5, TimeUnit.SECONDS), "gone");
        }
        assertTrue(System.nanoTime() - begin < Duration.ofSeconds(5).toNanos(), "one grace for all, not one each");
    }

    @Test
    void aTrackedProcessIsForgottenOnceItExits() throws Exception {
        Process process = ChildProcesses.track(start(false));
        assertTrue(ChildProcesses.running().contains(process));

        ChildProcesses.stop(process, Duration.ofSeconds(10));

        Await.until(Duration.ofSeconds(5), () -> !ChildProcesses.running().contains(process), () -> "still tracked");
    }

    /** A shell that sleeps; with {@code ignoreSigterm} it traps SIGTERM, as a service stuck in a drain would. */
    private Process start(boolean ignoreSigterm) throws IOException, InterruptedException {
        String script = ignoreSigterm ? "trap '' TERM; echo ready; while true; do sleep 1; done" : "echo ready; exec sleep 300";
        Process process = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        started.add(process);
        // The trap is set once the script has printed: a SIGTERM before that would end it anyway.
        assertTrue(process.inputReader().readLine().equals("ready"));
        return process;
    }
}
