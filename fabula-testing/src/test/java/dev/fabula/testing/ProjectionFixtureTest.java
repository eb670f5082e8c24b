package dev.fabula.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.projection.Projection;
import dev.fabula.projection.ProgressAware;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The projection fixture applies the given events as a schedule does, once, and reports failures. */
class ProjectionFixtureTest {
  record Added(int n) {}

  /** Totals per tally, and who added how much (from metadata). */
  static final class Totals extends AbstractProjection implements ProgressAware {
    final Map<UUID, Integer> totals = new HashMap<>();
    final Map<String, Integer> byUser = new HashMap<>();
    long progress;

    Totals() {
      on("tally.added", Added.class, e -> {
        if (e.data().n() < 0) {
          throw new IllegalArgumentException("negative " + e.data().n());
        }
        totals.merge(e.aggregate().orElseThrow().id(), e.data().n(), Integer::sum);
        e.metadata().get("user").ifPresent(u -> byUser.merge(u, e.data().n(), Integer::sum));
      });
    }

    @Override
    public long progress() {
      return progress;
    }

    @Override
    public void progress(long position) {
      progress = position;
    }
  }

  @Test
  void appliesTheGivenEventsOfSeveralAggregates() {
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    var fixture = ProjectionFixture.of(new Totals())
        .given("tally", a, "tally.added", new Added(1))
        .given("tally", b, "tally.added", new Added(10))
        .given("tally", a, "tally.added", new Added(2), Metadata.of("user", "ann"))
        .given("tally.reset-all", new Added(0)) // no aggregate, no applier: ignored
        .thenState(t -> assertThat(t.totals).containsEntry(a, 3).containsEntry(b, 10))
        .thenState(t -> assertThat(t.byUser).containsExactlyEntriesOf(Map.of("ann", 2)));
    List<Event<?>> events = fixture.events();
    assertThat(events).hasSize(4);
    assertThat(events.get(2).aggregate().orElseThrow().version()).isEqualTo(2);
    assertThat(fixture.projection().progress).isEqualTo(events.get(3).position()).isPositive();
  }

  @Test
  void aPlainProjectionGetsEveryEventOnceInTheGivenOrder() {
    List<String> seen = new ArrayList<>();
    Projection recorder = e -> seen.add(e.name());
    ProjectionFixture.of(recorder)
        .given("one", new Added(1))
        .given(Event.create("two", new Added(2)).withMetadata(Metadata.of("user", "bob")))
        .given("three", new Added(3))
        .thenState(p -> assertThat(seen).containsExactly("one", "two", "three"))
        .thenState(p -> assertThat(seen).hasSize(3));
  }

  @Test
  void reportsTheEventAProjectionFailedOn() {
    UUID a = UUID.randomUUID();
    var fixture = ProjectionFixture.of(new Totals())
        .given("tally", a, "tally.added", new Added(1))
        .given("tally", a, "tally.added", new Added(-5))
        .thenFailsOn("tally.added", IllegalArgumentException.class, "negative -5");
    assertThat(fixture.projection().totals).containsExactlyEntriesOf(Map.of(a, 1));
    assertThatThrownBy(() -> fixture.thenState(t -> {}))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("negative -5");
    assertThatThrownBy(() -> fixture.thenFailsOn("tally.added", IllegalStateException.class, "negative"))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void failsWhenAFailureWasExpectedButEverythingApplied() {
    assertThatThrownBy(() -> ProjectionFixture.of(new Totals())
            .given("tally", UUID.randomUUID(), "tally.added", new Added(1))
            .thenFailsOn("tally.added", IllegalArgumentException.class, "negative"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("applied every event");
  }

  @Test
  void failsWhenTheStateDiffers() {
    assertThatThrownBy(() -> ProjectionFixture.of(new Totals())
            .given("tally", UUID.randomUUID(), "tally.added", new Added(1))
            .thenState(t -> assertThat(t.totals.values()).containsExactly(2)))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void refusesMoreEventsOnceApplied() {
    var fixture = ProjectionFixture.of(new Totals()).given("tally", UUID.randomUUID(), "tally.added", new Added(1));
    fixture.thenState(t -> assertThat(t.totals).hasSize(1));
    assertThatThrownBy(() -> fixture.given("tally.added", new Added(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("new fixture");
  }
}
