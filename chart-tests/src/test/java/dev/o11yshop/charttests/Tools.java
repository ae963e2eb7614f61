package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.o11yshop.observability.RequiredInCi;

import static org.junit.jupiter.api.Assertions.fail;

/** External checkers (promtool, amtool, shellcheck): skipped with a reason on a dev machine, required in CI. */
final class Tools {

    record Result(int exit, String output) {
    }

    private Tools() {
    }

    /** The tool's path; skips the test when it is missing, or fails in CI ({@link RequiredInCi}). */
    static Path require(String path, String installHint) {
        return RequiredInCi.executable(Paths.get(path), installHint);
    }

    static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Path base = Paths.get(System.getProperty("o11yshop.workDir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(base);
        Path out = Files.createTempFile(base, "tool-", ".out");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(command + " did not finish within 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    static List<String> cmd(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof List<?> l) {
                l.forEach(x -> out.add(String.valueOf(x)));
            } else {
                out.add(String.valueOf(p));
            }
        }
        return out;
    }
}
