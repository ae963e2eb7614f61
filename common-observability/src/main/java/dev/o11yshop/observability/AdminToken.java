package dev.o11yshop.observability;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import org.slf4j.LoggerFactory;

/**
 * The bearer token that guards the admin socket's state-changing endpoints ({@code ADMIN_TOKEN}, key
 * {@code admin.token}): when set, {@code PUT} and {@code DELETE /faults} need {@code Authorization: Bearer <token>}.
 * Only the token's SHA-256 digest is kept, so it cannot reach a log line or a {@code toString}, and comparing digests
 * takes the same time whatever a caller sends, its length included.
 */
public final class AdminToken {
    /** No token: the admin socket is open to anyone who can reach it. */
    public static final AdminToken NONE = new AdminToken(null);

    private static final String BEARER = "Bearer ";

    private final byte[] digest;

    private AdminToken(byte[] digest) {
        this.digest = digest;
    }

    /** A token that callers must present. */
    public static AdminToken of(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("an admin token must not be blank");
        }
        return new AdminToken(sha256(token));
    }

    /** From {@code admin.token} ({@code ADMIN_TOKEN}); warns once, with {@code admin_unprotected}, when it is unset. */
    public static AdminToken from(Config config) {
        Optional<String> configured = config.get("admin.token").asString().asOptional().filter(token -> !token.isBlank());
        if (configured.isEmpty()) {
            LoggerFactory.getLogger(AdminToken.class).atWarn()
                    .addKeyValue("setting", "ADMIN_TOKEN")
                    .addKeyValue("endpoints", "PUT /faults, DELETE /faults")
                    .log("admin_unprotected");
            return NONE;
        }
        return of(configured.get());
    }

    public boolean isSet() {
        return digest != null;
    }

    /**
     * Lets the request through when no token is set or it carries the token.
     *
     * @throws ProblemException 401 with {@code WWW-Authenticate: Bearer} otherwise
     */
    public void authorize(ServerRequest request) {
        if (digest == null) {
            return;
        }
        Optional<String> presented = request.headers().first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, BEARER, 0, BEARER.length()))
                .map(value -> value.substring(BEARER.length()).trim());
        if (presented.isEmpty()) {
            throw unauthorized("this endpoint needs an Authorization: Bearer header with the admin token");
        }
        if (!MessageDigest.isEqual(digest, sha256(presented.get()))) {
            throw unauthorized("the bearer token is not the admin token");
        }
    }

    @Override
    public String toString() {
        return isSet() ? "AdminToken[set]" : "AdminToken[none]";
    }

    private static ProblemException unauthorized(String detail) {
        return new ProblemException(Status.UNAUTHORIZED_401, "unauthorized", "Admin token required", detail,
                                    List.of(new Problem.FieldError("Authorization", "missing or wrong bearer token")))
                .withHeader(HeaderNames.WWW_AUTHENTICATE, "Bearer");
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
