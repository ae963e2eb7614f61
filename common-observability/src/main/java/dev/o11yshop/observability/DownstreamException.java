package dev.o11yshop.observability;

/**
 * A call to a dependency that produced no usable answer: it was refused, failed with 5xx, timed out, or the
 * circuit breaker is open. {@link #toProblem()} is the 503/504 to give the caller.
 */
public final class DownstreamException extends RuntimeException {
    /** Why the call failed. */
    public enum Kind {
        /** Connection refused or reset, 5xx answer, or circuit open: 503. */
        UNAVAILABLE,
        /** No answer within the time budget: 504. */
        TIMEOUT
    }

    private final String peer;
    private final Kind kind;

    DownstreamException(String peer, Kind kind, String message, Throwable cause) {
        super(peer + ": " + message, cause);
        this.peer = peer;
        this.kind = kind;
    }

    public String peer() {
        return peer;
    }

    public Kind kind() {
        return kind;
    }

    /** The problem to answer with: 503 for an unavailable dependency, 504 for a slow one. */
    public ProblemException toProblem() {
        String detail = getMessage().substring(peer.length() + 2);
        return kind == Kind.TIMEOUT
                ? ProblemException.dependencyTimeout(peer, detail, this)
                : ProblemException.dependencyUnavailable(peer, detail, this);
    }
}
