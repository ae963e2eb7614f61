package dev.o11yshop.observability;

import java.util.List;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET|PUT|DELETE /faults} on the admin socket. PUT replaces the whole setting: an omitted field is off,
 * so {@code {}} clears every fault, as DELETE does. PUT and DELETE change what the API does, so they need the admin
 * token when one is set; GET only shows the state.
 */
public final class FaultsService implements HttpService {
    private final FaultInjection faults;
    private final AdminToken token;

    public FaultsService(FaultInjection faults, AdminToken token) {
        this.faults = faults;
        this.token = token;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::show)
                .put("/", this::replace)
                .delete("/", this::clear);
    }

    private void show(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, faults.current());
    }

    private void replace(ServerRequest req, ServerResponse res) {
        token.authorize(req);
        FaultsRequest body = Json.read(req, FaultsRequest.class);
        Faults requested = body.toFaults();
        List<Problem.FieldError> errors = requested.validate();
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        faults.set(requested);
        Json.send(res, Status.OK_200, faults.current());
    }

    private void clear(ServerRequest req, ServerResponse res) {
        token.authorize(req);
        faults.set(Faults.NONE);
        Json.send(res, Status.OK_200, faults.current());
    }

    /** The PUT body, with every field optional. */
    record FaultsRequest(Double errorRate, Long latencyMs, Long latencyJitterMs, Boolean unavailable) {
        Faults toFaults() {
            return new Faults(errorRate == null ? 0 : errorRate,
                              latencyMs == null ? 0 : latencyMs,
                              latencyJitterMs == null ? 0 : latencyJitterMs,
                              unavailable != null && unavailable);
        }
    }
}
