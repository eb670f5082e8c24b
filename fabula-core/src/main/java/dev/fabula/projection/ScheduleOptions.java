package dev.fabula.projection;

import dev.fabula.RetryPolicy;
import dev.fabula.spi.Settings;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Schedule} runs its jobs. Immutable; {@link #defaults()} or {@link #builder()}.
 *
 * <p>Debounce (continuous schedules only): after a triggering event the job waits until {@code
 * debounce} passed without another triggering event, so a burst becomes one job — but never longer
 * than {@code debounceCap} after the <em>first</em> triggering event of the batch, however steady
 * the stream. A debounce of zero runs a job as soon as the schedule's thread is free.
 */
public final class ScheduleOptions {
  /** Jobs cache up to this many events by default, so several projections read the store once. */
  public static final int DEFAULT_JOB_CACHE_SIZE = 16_384;

  private static final ScheduleOptions DEFAULTS = builder().build();

  private final Duration debounce;
  private final Duration debounceCap;
  private final CatchUp catchUp;
  private final ScheduleListener listener;
  private final FailurePolicy failurePolicy;
  private final RetryPolicy retryPolicy;
  private final InstantSource clock;
  private final boolean customClock;
  private final int jobCacheSize;
  private final ApplyInterceptor interceptor;

  private ScheduleOptions(Builder b) {
    debounce = b.debounce == null ? Duration.ZERO : b.debounce;
    debounceCap = b.debounceCap == null ? defaultCap(debounce) : b.debounceCap;
    catchUp = b.catchUp == null ? CatchUp.NONE : b.catchUp;
    listener = b.listener == null ? ScheduleListener.logging() : b.listener;
    failurePolicy = b.failurePolicy == null ? FailurePolicy.STOP : b.failurePolicy;
    retryPolicy = b.retryPolicy == null ? RetryPolicy.defaults() : b.retryPolicy;
    customClock = b.clock != null;
    clock = b.clock == null ? InstantSource.system() : b.clock;
    jobCacheSize = b.jobCacheSize == null ? DEFAULT_JOB_CACHE_SIZE : b.jobCacheSize;
    interceptor = b.interceptor == null ? ApplyInterceptor.none() : b.interceptor;
  }

  private static Duration defaultCap(Duration debounce) {
    Duration tenTimes = debounce.multipliedBy(10);
    return tenTimes.compareTo(Duration.ofSeconds(1)) > 0 ? tenTimes : Duration.ofSeconds(1);
  }

  /** No debounce, no catch-up, failures stop the projection and are logged, default retries. */
  public static ScheduleOptions defaults() {
    return DEFAULTS;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The quiet time a continuous schedule waits for after a triggering event. */
  public Duration debounce() {
    return debounce;
  }

  /**
   * The longest a triggering event waits for its job to start, measured from the first triggering
   * event of a batch (defaults to ten times the debounce, at least one second).
   */
  public Duration debounceCap() {
    return debounceCap;
  }

  /** Whether subscribing runs a catch-up job first. */
  public CatchUp catchUp() {
    return catchUp;
  }

  /** Who observes the schedule. */
  public ScheduleListener listener() {
    return listener;
  }

  /** What happens to an event a projection fails on. */
  public FailurePolicy failurePolicy() {
    return failurePolicy;
  }

  /** How often a projection is retried on a {@link dev.fabula.TransientException}. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The clock debounce, caps and intervals are measured with. */
  public InstantSource clock() {
    return clock;
  }

  /** How many events a job caches for several projections; beyond it, each reads the store. */
  public int jobCacheSize() {
    return jobCacheSize;
  }

  /** What wraps each application of an event to a projection ({@link ApplyInterceptor#none()} by default). */
  public ApplyInterceptor interceptor() {
    return interceptor;
  }

  /** Whether the clock was set: then waits re-check it often, as it may not follow real time. */
  boolean customClock() {
    return customClock;
  }

  boolean debounced() {
    return !debounce.isZero();
  }

  /**
   * Builds {@link ScheduleOptions}. Each setting may be made once: a second call, or a debounce cap
   * that contradicts the debounce, fails at once with an {@link IllegalStateException} naming both
   * settings; a cap left without a debounce fails at {@link #build()}.
   */
  public static final class Builder {
    private @Nullable Duration debounce;
    private @Nullable Duration debounceCap;
    private @Nullable CatchUp catchUp;
    private @Nullable ScheduleListener listener;
    private @Nullable FailurePolicy failurePolicy;
    private @Nullable RetryPolicy retryPolicy;
    private @Nullable InstantSource clock;
    private @Nullable Integer jobCacheSize;
    private @Nullable ApplyInterceptor interceptor;

    private Builder() {}

    /**
     * The quiet time to wait for after a triggering event (continuous schedules).
     *
     * @throws IllegalStateException when already set, or when a debounce cap is set that this
     *     debounce contradicts (zero, or longer than the cap)
     */
    public Builder debounce(Duration value) {
      requireNonNegative(value, "debounce");
      requireUnset(debounce, "debounce", value);
      requireCapFits(value, debounceCap, "debounce", value);
      debounce = value;
      return this;
    }

    /**
     * The hard upper bound on a triggering event's wait (continuous schedules); needs a debounce
     * no longer than itself.
     *
     * @throws IllegalStateException when already set, or when it contradicts the debounce set
     *     (zero, or longer than this cap)
     */
    public Builder debounceCap(Duration value) {
      requireNonNegative(value, "debounceCap");
      requireUnset(debounceCap, "debounceCap", value);
      requireCapFits(debounce, value, "debounceCap", value);
      debounceCap = value;
      return this;
    }

    /** Whether subscribing runs a catch-up job first. */
    public Builder catchUp(CatchUp value) {
      Objects.requireNonNull(value, "catchUp");
      requireUnset(catchUp, "catchUp", value);
      catchUp = value;
      return this;
    }

    /** Who observes the schedule. */
    public Builder listener(ScheduleListener value) {
      Objects.requireNonNull(value, "listener");
      requireUnset(listener, "listener", value);
      listener = value;
      return this;
    }

    /** What happens to an event a projection fails on. */
    public Builder failurePolicy(FailurePolicy value) {
      Objects.requireNonNull(value, "failurePolicy");
      requireUnset(failurePolicy, "failurePolicy", value);
      failurePolicy = value;
      return this;
    }

    /** Retries of transient projection failures ({@link RetryPolicy#none()} to disable). */
    public Builder retryPolicy(RetryPolicy value) {
      Objects.requireNonNull(value, "retryPolicy");
      requireUnset(retryPolicy, "retryPolicy", value);
      retryPolicy = value;
      return this;
    }

    /** The clock for debounce, caps and intervals (tests pass a controllable one). */
    public Builder clock(InstantSource value) {
      Objects.requireNonNull(value, "clock");
      requireUnset(clock, "clock", value);
      clock = value;
      return this;
    }

    /** How many events a job caches so several projections read the store once; 0 disables. */
    public Builder jobCacheSize(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("jobCacheSize must not be negative, got " + value);
      }
      requireUnset(jobCacheSize, "jobCacheSize", value);
      jobCacheSize = value;
      return this;
    }

    /** What wraps each application of an event to a projection (metrics, tracing). */
    public Builder interceptor(ApplyInterceptor value) {
      Objects.requireNonNull(value, "interceptor");
      requireUnset(interceptor, "interceptor", value);
      interceptor = value;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalStateException when a debounce cap is set without a debounce
     */
    public ScheduleOptions build() {
      if (debounceCap != null && debounce == null) {
        throw new IllegalStateException(
            Settings.call("debounceCap", debounceCap) + " needs a debounce: set debounce(...) too");
      }
      return new ScheduleOptions(this);
    }

    /** Refuses a debounce and a cap that contradict each other, naming both; {@code attempt} is the one set now. */
    private static void requireCapFits(
        @Nullable Duration debounce, @Nullable Duration cap, String attempt, Duration value) {
      if (debounce == null || cap == null) {
        return;
      }
      String other = attempt.equals("debounce") ? "debounceCap" : "debounce";
      Duration otherValue = attempt.equals("debounce") ? cap : debounce;
      if (debounce.isZero()) {
        throw Settings.contradiction(
            Settings.call(attempt, value), Settings.call(other, otherValue), "a cap needs a debounce above zero");
      }
      if (cap.compareTo(debounce) < 0) {
        throw Settings.contradiction(
            Settings.call(attempt, value), Settings.call(other, otherValue), "the cap is shorter than the debounce");
      }
    }

    private static Duration requireNonNegative(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative, got " + d);
      }
      return d;
    }

    private static void requireUnset(@Nullable Object current, String setting, Object attempt) {
      Settings.requireUnset(current != null, setting, current, attempt);
    }
  }
}
