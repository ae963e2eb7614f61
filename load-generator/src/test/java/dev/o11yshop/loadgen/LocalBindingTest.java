package dev.o11yshop.loadgen;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.helidon.tracing.Tracer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code local} listens on loopback unless told otherwise: the sockets it opens itself (the OTLP receiver, the
 * generator's admin port with the alert webhook) are bound to 127.0.0.1, as the kernel reports them, and the
 * services are told to bind it ({@code HOST}) with the run's admin token. {@code --bind-address 0.0.0.0} opens them up.
 */
class LocalBindingTest {
    @Test
    void theReceiverAndTheControlPortListenOnLoopbackByDefault() throws Exception {
        LoadRun run = idleRun();
        try (OtlpReceiver receiver = new OtlpReceiver(LocalPlatform.LOOPBACK);
             ControlServer control = ControlServer.start(run, LocalPlatform.LOOPBACK, 0, alert -> { })) {
            assertEquals(Set.of(InetAddress.getByName("127.0.0.1")), listening(receiver.port()));
            assertEquals(Set.of(InetAddress.getByName("127.0.0.1")), listening(control.port()));
        }
    }

    @Test
    void everyInterfaceIsOnlyWhenAskedFor() throws Exception {
        LoadRun run = idleRun();
        try (OtlpReceiver receiver = new OtlpReceiver(LocalPlatform.EVERY_INTERFACE);
             ControlServer control = ControlServer.start(run, LocalPlatform.EVERY_INTERFACE, 0, alert -> { })) {
            assertTrue(listening(receiver.port()).stream().allMatch(InetAddress::isAnyLocalAddress), listening(receiver.port()).toString());
            assertTrue(listening(control.port()).stream().allMatch(InetAddress::isAnyLocalAddress), listening(control.port()).toString());
        }
    }

    @Test
    void theServicesAreToldToBindLoopbackAndGetTheRunsAdminToken() {
        Map<String, String> env = LocalPlatform.serviceEnv("http://127.0.0.1:4318", LocalPlatform.LOOPBACK, Map.of("FAULT_ERROR_RATE", "0.1"));

        assertEquals("127.0.0.1", env.get("HOST"));
        assertEquals("0.1", env.get("FAULT_ERROR_RATE"));
        assertEquals(43, env.get("ADMIN_TOKEN").length(), "32 random bytes, base64url");
        assertNotEquals(env.get("ADMIN_TOKEN"), LocalPlatform.serviceEnv("x", LocalPlatform.LOOPBACK, Map.of()).get("ADMIN_TOKEN"),
                        "a new token per platform");
        assertEquals("given", LocalPlatform.serviceEnv("x", LocalPlatform.LOOPBACK, Map.of("ADMIN_TOKEN", "given")).get("ADMIN_TOKEN"));
        assertEquals("0.0.0.0", LocalPlatform.serviceEnv("x", LocalPlatform.EVERY_INTERFACE, Map.of()).get("HOST"));
    }

    private static LoadRun idleRun() {
        return new LoadRun(TrafficOptions.defaults(java.net.URI.create("http://127.0.0.1:1")).withDuration(Duration.ofSeconds(1)),
                           Tracer.noOp(), (Consumer<String>) null);
    }

    /** The local addresses of the sockets listening on {@code port}, as the kernel lists them (/proc/net/tcp, tcp6). */
    static Set<InetAddress> listening(int port) throws IOException {
        Set<InetAddress> addresses = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.isReadable(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
                String[] fields = line.trim().split("\\s+");
                String[] local = fields[1].split(":");
                // State 0A is LISTEN.
                if (fields[3].equals("0A") && Integer.parseInt(local[1], 16) == port) {
                    addresses.add(address(local[0]));
                }
            }
        }
        assertFalse(addresses.isEmpty(), "nothing listens on " + port);
        return addresses;
    }

    /** The kernel prints each 32-bit word of an address in host (little-endian) order. */
    private static InetAddress address(String hex) throws IOException {
        byte[] raw = HexFormat.of().parseHex(hex);
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 2; i++) {
                byte swap = raw[word + i];
                raw[word + i] = raw[word + 3 - i];
                raw[word + 3 - i] = swap;
            }
        }
        // An IPv4-mapped IPv6 address (a dual-stack socket bound to an IPv4 address) comes back as IPv4.
        return InetAddress.getByAddress(raw);
    }
}
