package dev.o11yshop.loadgen;

/**
 * When each request of an open-model run is due: arrival {@code i} of a constant-rate segment is intended at
 * {@code start + i / rate}; a ramp segment grows the rate linearly from 0 to {@code rate} over {@code ramp}, so
 * arrival {@code i} is due when the integral of the rate reaches {@code i}. Intended times are computed from the
 * segment's origin, never by adding gaps, so lateness of the caller never accumulates into the schedule.
 * <p>
 * A rate change starts a new constant-rate segment at the moment of the change, carrying over the fraction of the
 * current gap already waited (so the arrival stream stays smooth and a change never releases a burst); a change
 * during a ramp ends the ramp. Thread-safe: the scheduler thread peeks and claims, control threads change the rate.
 */
final class ArrivalSchedule {
    private Segment segment;
    private long next;
    private long lastIntended;

    /**
     * @param startNanos {@link System#nanoTime()} of the first arrival
     * @param rate       arrivals per second once any ramp is over
     * @param rampNanos  length of the initial ramp, 0 for none
     */
    ArrivalSchedule(long startNanos, double rate, long rampNanos) {
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
        long start = nowNanos + Math.round((1 - phase) * 1e9 / rate);
        segment = new Segment(start, next, rate, 0);
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
                    return start + Math.round(Math.sqrt(2 * j * rampSeconds / rate) * 1e9);
                }
                return start + rampNanos + Math.round((j - rampArrivals) / rate * 1e9);
            }
            return start + Math.round(j / rate * 1e9);
        }

        double rateAt(long nanos) {
            if (rampNanos > 0 && nanos < start + rampNanos) {
                return rate * Math.max(0, nanos - start) / rampNanos;
            }
            return rate;
        }
    }
}
