package dev.o11yshop.loadgen;

import java.net.InetAddress;
import java.time.Duration;
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
 * generator's admin port with the alert webhook) are bound to 127.0.0.1, as the kernel lists them, and the
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
            assertTrue(ListeningSockets.loopbackOnly(control.port()));
        }
    }

    @Test
    void everyInterfaceIsOnlyWhenAskedFor() throws Exception {
        LoadRun run = idleRun();
        try (OtlpReceiver receiver = new OtlpReceiver(LocalPlatform.EVERY_INTERFACE);
             ControlServer control = ControlServer.start(run, LocalPlatform.EVERY_INTERFACE, 0, alert -> { })) {
            for (int port : new int[] {receiver.port(), control.port()}) {
                assertTrue(listening(port).stream().allMatch(InetAddress::isAnyLocalAddress), listening(port).toString());
            }
            assertFalse(ListeningSockets.loopbackOnly(control.port()));
        }
    }

    @Test
    void theServicesAreToldToBindLoopbackAndGetTheRunsAdminToken() {
        Map<String, String> env = LocalPlatform.serviceEnv("http://127.0.0.1:4318", LocalPlatform.LOOPBACK,
                                                           Map.of("FAULT_ERROR_RATE", "0.1"));

        assertEquals("127.0.0.1", env.get("HOST"));
        assertEquals("0.1", env.get("FAULT_ERROR_RATE"));
        assertEquals(43, env.get("ADMIN_TOKEN").length(), "32 random bytes, base64url");
        assertNotEquals(env.get("ADMIN_TOKEN"), LocalPlatform.serviceEnv("x", LocalPlatform.LOOPBACK, Map.of())
                .get("ADMIN_TOKEN"), "a new token per platform");
        assertEquals("given", LocalPlatform.serviceEnv("x", LocalPlatform.LOOPBACK, Map.of("ADMIN_TOKEN", "given"))
                .get("ADMIN_TOKEN"));
        assertEquals("0.0.0.0", LocalPlatform.serviceEnv("x", LocalPlatform.EVERY_INTERFACE, Map.of()).get("HOST"));
    }

    private static LoadRun idleRun() {
        TrafficOptions options = TrafficOptions.defaults(java.net.URI.create("http://127.0.0.1:1"))
                .withDuration(Duration.ofSeconds(1));
        return new LoadRun(options, Tracer.noOp(), (Consumer<String>) null);
    }

    /** The kernel's addresses of the sockets listening on {@code port}; fails when there is none. */
    private static Set<InetAddress> listening(int port) {
        Set<InetAddress> addresses = ListeningSockets.on(port);
        assertFalse(addresses.isEmpty(), "nothing listens on " + port);
        return addresses;
    }
}
