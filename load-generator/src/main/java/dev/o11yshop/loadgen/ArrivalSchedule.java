package dev.o11yshop.loadgen;

import java.time.Duration;

/**
 * When each request of an open-model run is due: arrival {@code i} of a constant-rate segment is intended at
 * {@code start + i / rate}; a ramp segment grows the rate linearly from 0 to {@code rate} over {@code ramp}, so
 * arrival {@code i} is due when the integral of the rate reaches {@code i}. Intended times are computed from the
 * segment's origin, never by adding gaps, so lateness of the caller never accumulates into the schedule.
 * <p>
 * A rate change starts a new constant-rate segment at the moment of the change, carrying over the fraction of the
 * current gap already waited (so the arrival stream stays smooth and a change never releases a burst); a change
 * during a ramp ends the ramp. Thread-safe: the scheduler thread peeks and claims, control threads change the rate.
 * <p>
 * Rates are checked ({@link TrafficOptions#checkRate(String, double)}), and no arrival is ever put more than
 * {@link #MAX_OFFSET_NANOS} past its segment's origin: intended times are {@code long} nanoseconds, and a rate near 0
 * (say 1e-300/s) would otherwise overflow them into the past or to a time the scheduler reads as the end of the run.
 */
final class ArrivalSchedule {
    /** How far past a segment's origin an arrival may be put: far beyond any run, far below overflow. */
    static final long MAX_OFFSET_NANOS = Duration.ofDays(3650).toNanos();

    private Segment segment;
    private long next;
    private long lastIntended;

    /**
     * @param startNanos {@link System#nanoTime()} of the first arrival
     * @param rate       arrivals per second once any ramp is over
     * @param rampNanos  length of the initial ramp, 0 for none
     */
    ArrivalSchedule(long startNanos, double rate, long rampNanos) {
        TrafficOptions.checkRate("rate", rate);
        if (rampNanos < 0 || rampNanos > MAX_OFFSET_NANOS) {
            throw new IllegalArgumentException("ramp must be from 0 to " + MAX_OFFSET_NANOS + " ns, got " + rampNanos);
        }
        this.segment = new Segment(startNanos, 0, rate, rampNanos);
    }

    /** Intended {@link System#nanoTime()} of the next unclaimed arrival. */
    synchronized long peek() {
        return segment.intended(next);
    }

    /**
     * Claims the next arrival if it is still intended at {@code intended} (no rate change since {@link #peek()}).
     *
     * @return whether the arrival was claimed; if not, peek again
     */
    synchronized boolean claim(long intended) {
        if (segment.intended(next) != intended) {
            return false;
        }
        next++;
        lastIntended = intended;
        return true;
    }

    /** Arrivals claimed so far. */
    synchronized long claimed() {
        return next;
    }

    /** The rate requested last (the ramp's final rate while ramping). */
    synchronized double targetRate() {
        return segment.rate;
    }

    /** The rate the schedule follows at {@code nanos}: lower than {@link #targetRate()} during a ramp. */
    synchronized double rateAt(long nanos) {
        return segment.rateAt(nanos);
    }

    /** Switches to {@code rate} from {@code nowNanos} on; see the class comment. */
    synchronized void changeRate(double rate, long nowNanos) {
        TrafficOptions.checkRate("rate", rate);
        if (next == segment.base && nowNanos <= segment.start) {
            // Nothing of this segment is due yet: keep its start (and ramp), change its rate.
            segment = new Segment(segment.start, segment.base, rate, segment.rampNanos);
            return;
        }
        double phase = 1;
        if (next > 0) {
            long due = segment.intended(next);
            long gap = due - lastIntended;
            if (gap > 0) {
                phase = Math.min(1, Math.max(0, (double) (nowNanos - lastIntended) / gap));
            }
        }
        long start = nowNanos + offset((1 - phase) * 1e9 / rate);
        segment = new Segment(start, next, rate, 0);
    }

    /** {@code nanos} rounded, at most {@link #MAX_OFFSET_NANOS}: added to a {@link System#nanoTime()}, never overflows. */
    static long offset(double nanos) {
        return nanos < MAX_OFFSET_NANOS ? Math.round(nanos) : MAX_OFFSET_NANOS;
    }

    /** Arrivals {@code base, base+1, ...} from {@code start}; immutable. */
    private record Segment(long start, long base, double rate, long rampNanos) {
        long intended(long index) {
            double j = index - base;
            if (rampNanos > 0) {
                double rampSeconds = rampNanos / 1e9;
                double rampArrivals = rate * rampSeconds / 2;
                if (j < rampArrivals) {
                    // rate(t) = rate * t / ramp, so arrivals by t are rate * t^2 / (2 ramp) = j
                    return start + offset(Math.sqrt(2 * j * rampSeconds / rate) * 1e9);
                }
                return start + offset(rampNanos + (j - rampArrivals) / rate * 1e9);
            }
            return start + offset(j / rate * 1e9);
        }

        double rateAt(long nanos) {
            if (rampNanos > 0 && nanos < start + rampNanos) {
                return rate * Math.max(0, nanos - start) / rampNanos;
            }
            return rate;
        }
    }
}
