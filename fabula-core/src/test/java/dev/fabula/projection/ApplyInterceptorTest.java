package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A schedule's interceptor wraps each application of an event to a projection, and only that. */
class ApplyInterceptorTest {
  private final EventStore store = InMemory.eventStore();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private Schedule schedule(ApplyInterceptor interceptor) {
    return Schedule.periodically(
        store,
        Duration.ofHours(1),
        Set.of("a", "b"),
        ScheduleOptions.builder()
            .interceptor(interceptor)
            .retryPolicy(RetryPolicy.none())
            .listener(new ScheduleListener() {
              @Override
              public void failed(ProjectionException failure) {}
            })
            .build());
  }

  @Test
  void wrapsEachAcceptedEventOfEachProjection() throws Exception {
    store.insert(List.of(Event.create("a", "1"), Event.create("b", "2"), Event.create("a", "3")));
    Projection onlyA = new GuardedProjection();
    Projection all = Projections.named("all", e -> calls.add("all applies " + e.data()));
    try (Schedule schedule =
        schedule((p, e, application) -> {
          calls.add("before " + p.projectionName() + " " + e.data());
          application.run();
          calls.add("after " + p.projectionName() + " " + e.data());
        })) {
      schedule.project(onlyA, all);
      schedule.trigger().get(30, TimeUnit.SECONDS);
    }
    assertThat(calls)
        .containsExactly(
            "before onlyA 1", "onlyA applies 1", "after onlyA 1",
            "before onlyA 3", "onlyA applies 3", "after onlyA 3",
            "before all 1", "all applies 1", "after all 1",
            "before all 2", "all applies 2", "after all 2",
            "before all 3", "all applies 3", "after all 3");
  }

  @Test
  void whatTheInterceptorLetsPassOrThrowsIsTheProjectionsFailure() throws Exception {
    store.insert(List.of(Event.create("a", "1")));
    Projection fine = Projections.named("fine", e -> calls.add("applied " + e.data()));
    try (Schedule schedule =
        schedule((p, e, application) -> {
          throw new IllegalStateException("interceptor refuses " + p.projectionName());
        })) {
      schedule.project(fine);
      assertThatThrownBy(() -> schedule.trigger().get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(ProjectionException.class)
          .hasRootCauseMessage("interceptor refuses fine");
      assertThat(schedule.status().position()).as("not moved past the event").isZero();
    }
    assertThat(calls).isEmpty();
  }

  @Test
  void anInterceptorThatSkipsOrRepeatsTheApplicationFailsTheEvent() throws Exception {
    store.insert(List.of(Event.create("a", "1")));
    Projection counted = Projections.named("counted", e -> calls.add("applied " + e.data()));
    try (Schedule skipping = schedule((p, e, application) -> {})) {
      skipping.project(counted);
      assertThatThrownBy(() -> skipping.trigger().get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(ProjectionException.class)
          .rootCause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("returned without applying")
          .hasMessageContaining("counted");
      assertThat(skipping.status().position()).as("not moved past the event").isZero();
    }
    assertThat(calls).isEmpty();
    try (Schedule repeating =
        schedule((p, e, application) -> {
          application.run();
          application.run();
        })) {
      repeating.project(counted);
      assertThatThrownBy(() -> repeating.trigger().get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(ProjectionException.class)
          .rootCause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("twice");
    }
    assertThat(calls).containsExactly("applied 1");
  }

  @Test
  void isSetOnce() {
    var builder = ScheduleOptions.builder().interceptor(ApplyInterceptor.none());
    assertThatThrownBy(() -> builder.interceptor(ApplyInterceptor.none()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("interceptor");
    assertThat(ScheduleOptions.defaults().interceptor()).isSameAs(ApplyInterceptor.none());
  }

  private final class GuardedProjection implements Projection, Guarded {
    @Override
    public void apply(Event<?> event) {
      calls.add("onlyA applies " + event.data());
    }

    @Override
    public boolean accepts(Event<?> event) {
      return event.name().equals("a");
    }

    @Override
    public String projectionName() {
      return "onlyA";
    }
  }
}
