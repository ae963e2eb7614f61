package dev.o11yshop.observability;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;

/** {@link AdmissionControlTest} over a socket. */
@ServerTest
class AdmissionControlServerTest extends AdmissionControlTest {
    AdmissionControlServerTest(Http1Client client) {
        super(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        setUpRoute(routing);
    }
}
