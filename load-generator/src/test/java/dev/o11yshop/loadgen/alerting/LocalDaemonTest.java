package dev.o11yshop.loadgen.alerting;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A daemon that never gets ready: the error says so with the end of its log (the success path: every Prometheus test). */
class LocalDaemonTest {
    @Test
    void aDaemonThatExitsFailsWithItsExitCodeAndTheTailOfItsLog(@TempDir Path dir) throws Exception {
        int port = LocalDaemon.freePort();
        String script = "for i in $(seq 1 60); do echo \"line $i\"; done; echo 'bind: address already in use' >&2; exit 3";

        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> LocalDaemon.start("fake", dir, port, List.of("/bin/sh", "-c", script)));

        assertThat(failed.getMessage(), containsString("fake exited with 3 before it was ready"));
        assertThat(failed.getMessage(), containsString(dir.resolve("fake.log").toString()));
        assertThat(failed.getMessage(), containsString("bind: address already in use"));
        assertThat(failed.getMessage(), containsString("\nline 60\n"));
        assertThat("only the last 40 lines", failed.getMessage(), not(containsString("\nline 20\n")));
    }
}
