package dev.o11yshop.loadgen;

import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The services' admin token (contract, section 10): when {@value #ENV} is set, {@code PUT}/{@code DELETE /faults}
 * need {@code Authorization: Bearer <token>}. {@code local} makes one per run; every call here that changes faults
 * sends it.
 */
final class AdminToken {
    /** The services' environment variable, and where {@code fault} looks for a token of its own. */
    static final String ENV = "ADMIN_TOKEN";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminToken() {
    }

    /** 32 random bytes, base64url without padding (43 characters that need no quoting in a header or a shell). */
    static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Adds {@code Authorization: Bearer <token>} unless {@code token} is null or blank. */
    static HttpRequest.Builder authorize(HttpRequest.Builder request, String token) {
        return token == null || token.isBlank() ? request : request.header("Authorization", "Bearer " + token);
    }
}
