package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.memory.InMemory;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LookupTest {
  record Registered(String email) {}

  record EmailChanged(String from, String to) {}

  record Deleted() {}

  private final Lookup emails =
      Lookup.builder()
          .on("customer.registered", Registered.class, (d, entry) -> entry.set("email", d.email()))
          .on("customer.email-changed", EmailChanged.class, (d, entry) -> entry.set("email", d.to()))
          .on("customer.deleted", Deleted.class, (d, entry) -> entry.remove("email"))
          .build();

  @Test
  void mapsValuesToAggregateIdsAndBackKeptCurrentByASchedule() {
    UUID ada = UUID.randomUUID();
    UUID bob = UUID.randomUUID();
    try (EventStore raw = InMemory.eventStore();
        EventBus bus = InMemory.eventBus();
        Schedule schedule = Schedule.continuously(bus, raw, emails.eventNames())) {
      EventStore store = EventStores.publishing(raw, bus);
      schedule.project(emails);
      store.insert(List.of(Event.create("customer.registered", new Registered("ada@x.org")).withAggregate("customer", ada, 1)));
      store.insert(List.of(Event.create("customer.registered", new Registered("bob@x.org")).withAggregate("customer", bob, 1)));
      store.insert(List.of(Event.create("customer.email-changed", new EmailChanged("ada@x.org", "ada@y.org")).withAggregate("customer", ada, 2)));
      store.insert(List.of(Event.create("customer.deleted", new Deleted()).withAggregate("customer", bob, 2)));
      Await.until("lookup caught up", () -> emails.progress() == 4);

      assertThat(emails.aggregateId("customer", "email", "ada@y.org")).contains(ada);
      assertThat(emails.aggregateId("customer", "email", "ada@x.org")).isEmpty();
      assertThat(emails.value("customer", "email", ada)).contains("ada@y.org");
      assertThat(emails.value("customer", "email", bob)).isEmpty();
      assertThat(emails.aggregateId("customer", "email", "bob@x.org")).isEmpty();

      schedule.trigger(TriggerOptions.rebuild()).join();
      assertThat(emails.progress()).isEqualTo(4);
      assertThat(emails.aggregateId("customer", "email", "ada@y.org")).contains(ada);
    }
  }

  @Test
  void ignoresEventsWithoutAggregateAndRejectsBadSetup() {
    emails.apply(Event.create("customer.registered", new Registered("nobody@x.org")));
    assertThat(emails.aggregateId("customer", "email", "nobody@x.org")).isEmpty();
    assertThat(emails.accepts(Event.create("customer.registered", new Registered("n")))).isFalse();
    assertThat(emails.eventNames()).isEqualTo(Set.of("customer.registered", "customer.email-changed", "customer.deleted"));
    assertThatThrownBy(() -> Lookup.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                Lookup.builder()
                    .on("a", Deleted.class, (d, e) -> {})
                    .on("a", Registered.class, (d, e) -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("on(\"a\", " + Deleted.class.getName() + ".class, …) was already set; on(\"a\", "
            + Registered.class.getName() + ".class, …)");
  }

  @Test
  void aSecondNameIsRefusedNamingBoth() {
    assertThatThrownBy(() -> Lookup.builder().name("emails").name("mails"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("name(\"emails\") was already set; name(\"mails\") would replace it");
  }

  @Test
  void aLookupIsNamedByItsBuilderOrByItsEventNames() {
    Lookup named = Lookup.builder().name("emails").on("a", Deleted.class, (d, e) -> {}).build();
    assertThat(named.projectionName()).isEqualTo("emails");
    Lookup unnamed = Lookup.builder().on("b", Deleted.class, (d, e) -> {}).on("a", Deleted.class, (d, e) -> {}).build();
    assertThat(unnamed.projectionName()).isEqualTo("lookup[a, b]");
    assertThatThrownBy(() -> Lookup.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Lookup.builder().name("x").name("y")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anAbstractProjectionIsNamedByItsConstructor() {
    class Catalog extends AbstractProjection {
      Catalog() {
        super("catalog");
      }
    }
    class Unnamed extends AbstractProjection {}
    assertThat(new Catalog().projectionName()).isEqualTo("catalog");
    assertThat(new Unnamed().projectionName()).isEqualTo(Unnamed.class.getName());
  }
}
