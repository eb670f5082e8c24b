package dev.fabula.console;

import dev.fabula.event.Event;
import dev.fabula.projection.FailurePolicy;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Reapplicable;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A schedule named {@value #SCHEDULE} over a {@link Shop}'s products under the dead-letter policy,
 * with two projections: {@code names} (retryable) fails on the product {@code Desk} while told to,
 * and {@code stuck} (keeps its progress, not retryable) always fails on {@code Chair}.
 */
final class DeadLetterShop implements AutoCloseable {
  static final String SCHEDULE = "letters";

  /** Product names by id; fails on one name while {@link #failing} names it. */
  static final class Names implements Projection, Reapplicable {
    final Map<UUID, String> names = new ConcurrentHashMap<>();
    final AtomicInteger attempts = new AtomicInteger();
    volatile @Nullable String failing = "Desk";
    private volatile long position;

    @Override
    public void apply(Event<?> event) {
      if (event.data() instanceof Shop.ProductCreated c) {
        if (c.name().equals(failing)) {
          throw new IllegalStateException("cannot take " + c.name() + " (attempt " + attempts.incrementAndGet() + ")");
        }
        names.put(event.aggregate().orElseThrow().id(), c.name());
      }
    }

    @Override
    public void reapply(Event<?> event) {
      apply(event);
    }

    @Override
    public String projectionName() {
      return "names";
    }

    @Override
    public long progress() {
      return position;
    }

    @Override
    public void progress(long p) {
      position = p;
    }
  }

  /** Keeps its progress but cannot apply an event it moved past. */
  static final class Stuck implements Projection, ProgressAware {
    private volatile long position;

    @Override
    public void apply(Event<?> event) {
      if (event.data() instanceof Shop.ProductCreated c && c.name().equals("Chair")) {
        throw new IllegalStateException("no chairs");
      }
    }

    @Override
    public String projectionName() {
      return "stuck";
    }

    @Override
    public long progress() {
      return position;
    }

    @Override
    public void progress(long p) {
      position = p;
    }
  }

  final Names names = new Names();
  final Stuck stuck = new Stuck();
  final Schedule schedule;

  DeadLetterShop(Shop shop) {
    ScheduleListener quiet = new ScheduleListener() {
      @Override
      public void failed(dev.fabula.projection.ProjectionException failure) {
        // expected here; the letters carry them
      }
    };
    schedule = Schedule.continuously(
        shop.bus, shop.raw, Set.of(Shop.CREATED),
        ScheduleOptions.builder().failurePolicy(FailurePolicy.DEAD_LETTER).listener(quiet).build());
    schedule.project(names, stuck);
    schedule.awaitCaughtUp(Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    schedule.close();
  }
}
