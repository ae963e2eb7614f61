package dev.o11yshop.observability;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared by the modules' tests (common-observability's test-jar): what a test needs from the machine, such as a tool
 * (promtool, amtool, shellcheck, Prometheus) or a Docker engine. On a developer machine a missing part skips the test
 * with the reason; in CI ({@code CI=true}) it fails, because a skip there would hide that the check never ran.
 */
public final class RequiredInCi {
    private RequiredInCi() {
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Returns when {@code missing} is {@code null}; otherwise skips (developer machine) or fails (CI) with it. */
    public static void require(String missing) {
        if (missing == null) {
            return;
        }
        if (inCi()) {
            fail(missing + " (CI=true: .ci/run installs what the tests need, so this is a failure, not a skip)");
        }
        Assumptions.abort(missing);
    }

    /** {@code path} when it is an executable; otherwise {@link #require} with the install hint. */
    public static Path executable(Path path, String installHint) {
        require(Files.isExecutable(path) ? null : path + " is not installed (" + installHint + ")");
        return path;
    }
}
