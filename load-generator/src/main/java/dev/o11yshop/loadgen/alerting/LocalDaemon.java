package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import dev.o11yshop.loadgen.ChildProcesses;

/**
 * A Prometheus-style daemon (Prometheus, Alertmanager) as a child process on a loopback port, with its stdout and
 * stderr in {@code <dir>/<name>.log}. {@link #start} returns once {@code GET /-/ready} answers 200; {@link #close}
 * stops it with SIGTERM, and kills it when it has not exited 10 s later.
 */
public final class LocalDaemon implements AutoCloseable {
    /** Longest wait for {@code /-/ready}: Prometheus replays its WAL first, which is quick for a fresh directory. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    static final int LOG_TAIL_LINES = 40;
    private static final long POLL_MILLIS = 50;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private final URI uri;

    private LocalDaemon(String name, Process process, Path log, URI uri) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.uri = uri;
    }

    /**
     * A port free on the loopback interface now, for a daemon's listen address (and for configs that must name it
     * before it starts).
     */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Starts {@code command} in {@code dir} and waits until it is ready on {@code http://127.0.0.1:<port>}.
     *
     * @param name    what it is, for its log file ({@code <dir>/<name>.log}) and messages
     * @param port    the loopback port the command listens on ({@link #freePort()})
     * @throws IllegalStateException when it exits or is not ready within {@link #READY_TIMEOUT}, with the last
     *                               {@value #LOG_TAIL_LINES} lines of its log; it is stopped then
     */
    public static LocalDaemon start(String name, Path dir, int port, List<String> command)
            throws IOException, InterruptedException {
        Path log = dir.resolve(name + ".log");
        Process process = ChildProcesses.track(new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start());
        LocalDaemon daemon = new LocalDaemon(name, process, log, URI.create("http://127.0.0.1:" + port));
        try {
            daemon.awaitReady(READY_TIMEOUT);
        } catch (IOException | InterruptedException | RuntimeException e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; "
                        + log + ":\n" + logTail());
            }
            try {
                int status = HTTP.send(HttpRequest.newBuilder(uri.resolve("/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                                       HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
                last = "/-/ready answered " + status;
            } catch (IOException e) {
                last = "not reachable: " + e; // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not ready within " + timeout.toSeconds() + " s at " + uri + " ("
                        + last + "); " + log + ":\n" + logTail());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    public String name() {
        return name;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return uri;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The last {@value #LOG_TAIL_LINES} lines of its log, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within 10 s; returns once it is gone. */
    @Override
    public void close() {
        ChildProcesses.stop(process, STOP_GRACE);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s at %s (pid %d)", name, uri, process.pid());
    }
}
