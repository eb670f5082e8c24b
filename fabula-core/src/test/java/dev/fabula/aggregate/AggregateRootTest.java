package dev.fabula.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AggregateRootTest {
  /** The "switch over sealed data" style. */
  sealed interface CounterEvent {}

  record Incremented(int by) implements CounterEvent {}

  record Reset() implements CounterEvent {}

  static final class Counter extends AggregateRoot {
    int value;

    Counter(UUID id, InstantSource clock) {
      super("counter", id, clock);
    }

    void increment(int by) {
      raise("counter.incremented", new Incremented(by));
    }

    void reset() {
      raise("counter.reset", new Reset());
    }

    @Override
    protected void apply(Event<?> event) {
      if (event.data() instanceof CounterEvent e) {
        switch (e) {
          case Incremented i -> value += i.by();
          case Reset r -> value = 0;
        }
      }
    }
  }

  @Test
  void raisingAppliesAtOnceAndRecordsAChangeWithTheNextVersion() {
    var account = new Account(UUID.randomUUID());
    account.open("ana");
    account.deposit(10);
    assertThat(account.owner()).isEqualTo("ana");
    assertThat(account.balance()).isEqualTo(10);
    assertThat(account.version()).isEqualTo(2);
    assertThat(account.committedVersion()).isZero();
    assertThat(account.changes()).extracting(e -> e.aggregate().orElseThrow().version()).containsExactly(1, 2);
    assertThat(account.changes()).extracting(Event::name).containsExactly("account.opened", "account.deposited");
  }

  @Test
  void aRejectedCommandRecordsNothing() {
    var account = new Account(UUID.randomUUID());
    account.open("ana");
    assertThatThrownBy(() -> account.deposit(-5)).hasMessageContaining("must be positive, got -5");
    assertThat(account.version()).isEqualTo(1);
    assertThat(account.changes()).hasSize(1);
  }

  @Test
  void eventTimesStrictlyIncreaseEvenWhenTheClockStandsStill() {
    Instant frozen = Instant.parse("2026-01-01T00:00:00Z");
    var counter = new Counter(UUID.randomUUID(), InstantSource.fixed(frozen));
    counter.increment(1);
    counter.increment(2);
    counter.reset();
    List<Instant> times = counter.changes().stream().map(Event::time).toList();
    assertThat(times).containsExactly(frozen, frozen.plusNanos(1), frozen.plusNanos(2));
    assertThat(counter.value).isZero();
  }

  @Test
  void appliesSealedDataWithASwitch() {
    var counter = new Counter(UUID.randomUUID(), InstantSource.system());
    counter.increment(2);
    counter.increment(3);
    assertThat(counter.value).isEqualTo(5);
  }

  @Test
  void replaysItsOwnHistory() {
    UUID id = UUID.randomUUID();
    var original = new Account(id);
    original.open("ana");
    original.deposit(5);
    original.deposit(7);
    var copy = new Account(id);
    copy.replay(original.changes());
    assertThat(copy.balance()).isEqualTo(12);
    assertThat(copy.version()).isEqualTo(3);
    assertThat(copy.committedVersion()).isEqualTo(3);
    assertThat(copy.changes()).isEmpty();
  }

  @Test
  void refusesAnotherAggregatesEvents() {
    var other = new Account(UUID.randomUUID());
    other.open("bob");
    var account = new Account(UUID.randomUUID());
    assertThatThrownBy(() -> account.replay(other.changes()))
        .isInstanceOf(AggregateHistoryException.class)
        .hasMessageContaining("belongs to account " + other.id());

    var counter = new Counter(account.id(), InstantSource.system());
    counter.increment(1);
    assertThatThrownBy(() -> account.replay(counter.changes()))
        .isInstanceOf(AggregateHistoryException.class)
        .hasMessageContaining("belongs to counter");
  }

  @Test
  void refusesAVersionGapAndEventsWithoutAggregate() {
    UUID id = UUID.randomUUID();
    var source = new Account(id);
    source.open("ana");
    source.deposit(1);
    source.deposit(2);
    var account = new Account(id);
    assertThatThrownBy(() -> account.replay(List.of(source.changes().get(0), source.changes().get(2))))
        .isInstanceOfSatisfying(AggregateHistoryException.class, e -> assertThat(e.eventId()).isEqualTo(source.changes().get(2).id()))
        .hasMessageContaining("version 3 does not follow version 1");
    assertThatThrownBy(() -> new Account(id).replay(List.of(Event.create("account.opened", new Account.Opened("x")))))
        .isInstanceOf(AggregateHistoryException.class)
        .hasMessageContaining("has no aggregate");
  }

  @Test
  void anApplierForTheWrongTypeFailsClearly() {
    UUID id = UUID.randomUUID();
    var account = new Account(id);
    Event<String> wrong = Event.create("account.opened", "not an Opened").withAggregate(Account.NAME, id, 1);
    assertThatThrownBy(() -> account.replay(List.of(wrong)))
        .isInstanceOf(ClassCastException.class)
        .hasMessageContaining("java.lang.String")
        .hasMessageContaining("Opened");
  }

  @Test
  void softDeletionMarkersToggleDeletedState() {
    var account = new Account(UUID.randomUUID());
    account.open("ana");
    account.close();
    assertThat(account.isDeleted()).isTrue();
    account.reopen();
    assertThat(account.isDeleted()).isFalse();
  }
}
