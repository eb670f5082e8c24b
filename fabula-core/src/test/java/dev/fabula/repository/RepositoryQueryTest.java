package dev.fabula.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.aggregate.Account;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.SortField;
import dev.fabula.memory.InMemory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Repository#query}: the query narrows the repository's aggregates, never widens them. */
class RepositoryQueryTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private final EventStore store = InMemory.eventStore();
  private final Repository<Account> accounts = Repository.of(store, Account::new);

  @AfterEach
  void close() {
    store.close();
  }

  /** An account opened and given one deposit per amount: version 1 + deposits. */
  private UUID opened(long... deposits) {
    UUID id = UUID.randomUUID();
    var a = new Account(id);
    a.open("ana");
    for (long d : deposits) {
      a.deposit(d);
    }
    accounts.save(a);
    return id;
  }

  /** Events of another aggregate type, under the same id as an account. */
  private void storeAProduct(UUID id) {
    store.insert(List.of(
        Event.create("product.created", "mouse").withAggregate("product", id, 1),
        Event.create("product.renamed", "trackball").withAggregate("product", id, 2)));
  }

  private List<History> query(EventQuery q) {
    try (Stream<History> s = accounts.query(q)) {
      return s.toList();
    }
  }

  private List<History> queryIncludingDeleted(EventQuery q) {
    try (Stream<History> s = accounts.queryIncludingDeleted(q)) {
      return s.toList();
    }
  }

  private static List<Integer> versions(History h) {
    List<Integer> v = new ArrayList<>();
    h.events().forEach(e -> v.add(e.aggregateOrNull().version()));
    return v;
  }

  @Test
  void oneAggregateByIdGivesThatAggregateOnlyWithItsWholeHistory() {
    UUID a = opened(1, 2);
    UUID b = opened(3);
    storeAProduct(a);

    List<History> byselector = query(EventQuery.builder().aggregate("account", a).build());
    assertThat(byselector).extracting(History::aggregateId).containsExactly(a);
    assertThat(versions(byselector.get(0))).containsExactly(1, 2, 3);
    assertThat(byselector.get(0).events()).allMatch(e -> e.aggregateOrNull().name().equals("account"));
    assertThat(accounts.rebuild(byselector.get(0)).balance()).isEqualTo(3);

    assertThat(query(EventQuery.builder().aggregateIds(b).build())).extracting(History::aggregateId).containsExactly(b);
    assertThat(query(EventQuery.builder().aggregate("account", a).aggregateIds(b).build()))
        .as("selectors and ids narrow each other")
        .isEmpty();
    assertThat(query(EventQuery.builder().aggregate("account", a).aggregate("account", b).build()))
        .extracting(History::aggregateId)
        .containsExactlyInAnyOrder(a, b);
    assertThat(query(EventQuery.builder().aggregate("account").build()))
        .extracting(History::aggregateId)
        .containsExactlyInAnyOrder(a, b);
    assertThat(query(EventQuery.all())).extracting(History::aggregateId).containsExactlyInAnyOrder(a, b);
  }

  @Test
  void aSelectorForAnotherAggregateTypeIsRefusedAndPullsNothingIn() {
    UUID a = opened(1);
    UUID p = UUID.randomUUID();
    storeAProduct(p);
    assertThatThrownBy(() -> accounts.query(EventQuery.builder().aggregate("product", p).build()))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("account")
        .hasMessageContaining("product");
    assertThatThrownBy(() -> accounts.query(EventQuery.builder().aggregate("account", a).aggregate("product").build()))
        .isInstanceOf(InvalidQueryException.class);
    assertThatThrownBy(() -> accounts.query(EventQuery.builder().aggregateNames("product").build()))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("aggregateNames");
    assertThat(query(EventQuery.builder().aggregateNames("account").build()))
        .extracting(History::aggregateId)
        .containsExactly(a);
  }

  @Test
  void versionFiltersCapTheHistoriesAndSelectTheAggregatesThatReachedThem() {
    UUID one = opened(); // version 1
    UUID three = opened(1, 2); // version 3
    UUID five = opened(1, 2, 3, 4); // version 5

    List<History> atTwo = query(EventQuery.builder().versionExact(2).build());
    assertThat(atTwo).extracting(History::aggregateId).containsExactlyInAnyOrder(three, five);
    atTwo.forEach(h -> {
      assertThat(versions(h)).containsExactly(1, 2);
      assertThat(accounts.rebuild(h).version()).isEqualTo(2);
    });

    List<History> upToTwo = query(EventQuery.builder().versionMax(2).build());
    assertThat(upToTwo).extracting(History::aggregateId).containsExactlyInAnyOrder(one, three, five);
    upToTwo.forEach(h -> assertThat(versions(h)).isEqualTo(h.aggregateId().equals(one) ? List.of(1) : List.of(1, 2)));

    List<History> between = query(EventQuery.builder().versionBetween(3, 4).build());
    assertThat(between).extracting(History::aggregateId).containsExactlyInAnyOrder(three, five);
    between.forEach(h -> assertThat(versions(h)).isEqualTo(h.aggregateId().equals(three) ? List.of(1, 2, 3) : List.of(1, 2, 3, 4)));

    List<History> fromFour = query(EventQuery.builder().versionMin(4).build());
    assertThat(fromFour).extracting(History::aggregateId).containsExactly(five);
    assertThat(versions(fromFour.get(0))).as("a minimum selects, it does not cut the start").containsExactly(1, 2, 3, 4, 5);

    List<History> oneAtTwo = query(EventQuery.builder().aggregate("account", five).versionExact(2).build());
    assertThat(oneAtTwo).hasSize(1);
    assertThat(accounts.rebuild(oneAtTwo.get(0)).balance()).isEqualTo(1);
    assertThat(query(EventQuery.builder().versionMax(0).build())).isEmpty();
  }

  @Test
  void softDeletedAggregatesAreLeftOutUnlessAskedFor() {
    UUID open = opened(1);
    UUID closed = opened(2);
    accounts.use(closed, Account::close);
    UUID reopened = opened(3);
    accounts.use(reopened, Account::close);
    Account restore = accounts.fetchIncludingDeleted(reopened);
    restore.reopen();
    accounts.save(restore);

    assertThat(query(EventQuery.all())).extracting(History::aggregateId).containsExactlyInAnyOrder(open, reopened);
    List<History> all = queryIncludingDeleted(EventQuery.all());
    assertThat(all).extracting(History::aggregateId).containsExactlyInAnyOrder(open, closed, reopened);
    History deleted = all.stream().filter(h -> h.aggregateId().equals(closed)).findFirst().orElseThrow();
    assertThat(accounts.rebuild(deleted).isDeleted()).isTrue();
    assertThat(query(EventQuery.builder().aggregate("account", closed).build())).isEmpty();
    assertThat(query(EventQuery.builder().aggregate("account", closed).versionMax(2).build()))
        .as("up to version 2 it was not deleted yet")
        .extracting(History::aggregateId)
        .containsExactly(closed);
  }

  @Test
  void nameAndTimeFiltersSelectAggregatesAndReturnTheirWholeHistories() {
    UUID early = UUID.randomUUID();
    UUID late = UUID.randomUUID();
    UUID quiet = UUID.randomUUID();
    store.insert(List.of(
        Event.create("account.opened", new Account.Opened("ana")).withAggregate("account", early, 1).withTime(T0),
        Event.create("account.deposited", new Account.Deposited(5)).withAggregate("account", early, 2).withTime(T0.plusSeconds(10)),
        Event.create("account.opened", new Account.Opened("bo")).withAggregate("account", late, 1).withTime(T0.plusSeconds(20)),
        Event.create("account.deposited", new Account.Deposited(7)).withAggregate("account", late, 2).withTime(T0.plusSeconds(30)),
        Event.create("account.opened", new Account.Opened("cy")).withAggregate("account", quiet, 1).withTime(T0.plusSeconds(40))));

    List<History> depositors = query(EventQuery.builder().names("account.deposited").build());
    assertThat(depositors).extracting(History::aggregateId).containsExactlyInAnyOrder(early, late);
    depositors.forEach(h -> assertThat(versions(h)).as("the whole history, not only the matching events").containsExactly(1, 2));

    List<History> active = query(EventQuery.builder().timeMin(T0.plusSeconds(25)).build());
    assertThat(active).extracting(History::aggregateId).containsExactlyInAnyOrder(late, quiet);
    History lateHistory = active.stream().filter(h -> h.aggregateId().equals(late)).findFirst().orElseThrow();
    assertThat(accounts.rebuild(lateHistory).owner()).isEqualTo("bo");

    assertThat(query(EventQuery.builder().names("account.deposited").timeMax(T0.plusSeconds(15)).build()))
        .extracting(History::aggregateId)
        .containsExactly(early);
  }

  @Test
  void limitCountsHistoriesAndSortKeysAreRefused() {
    opened(1);
    opened(2);
    opened(3);
    List<History> two = query(EventQuery.builder().limit(2).build());
    assertThat(two).hasSize(2);
    two.forEach(h -> assertThat(h.events()).hasSize(2));
    assertThatThrownBy(() -> accounts.query(EventQuery.builder().sortBy(SortField.TIME).build()))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("sort");
  }
}
