package dev.fabula.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The kit is worth only what it catches. Runs every suite against a backend that does nothing
 * ({@link DoNothing}): every correctness test must fail, but for the few listed here with the reason
 * they cannot. Then runs the event store suite against stores with one subtle fault each ({@link
 * BrokenBackends}), the event bus suite against buses whose queue groups or durable subscriptions
 * are broken (those on a {@link ReferenceBus} with a fault), and the command bus suite against a
 * bus without coordination, and names the tests that must catch each fault. The bus suite runs against a do-nothing bus twice: once said to share queue groups and
 * keep durable subscriptions, once said to refuse both.
 *
 * <p>A new test that passes against a do-nothing backend fails {@link #assertEveryTestFails} by
 * name: strengthen it, or list it below with the reason it cannot fail.
 */
class KitSelfTest {
  /**
   * Tests that pass against a backend that does nothing, by their nature; each with the reason.
   * Empty for every suite: each test that did pass had a weak assertion and was strengthened.
   */
  private static final Map<String, String> EVENT_STORE_CANNOT_FAIL = Map.of();

  private static final Map<String, String> EVENT_BUS_CANNOT_FAIL = Map.of();
  private static final Map<String, String> SNAPSHOT_STORE_CANNOT_FAIL = Map.of();
  private static final Map<String, String> PROGRESS_STORE_CANNOT_FAIL = Map.of();
  private static final Map<String, String> COMMAND_BUS_CANNOT_FAIL = Map.of();

  // ---------------------------------------------------------------- do-nothing backends

  @Test
  void everyEventStoreTestFailsAgainstADoNothingStore() {
    assertEveryTestFails(SelfTestKits.DoNothingEventStore.class, EVENT_STORE_CANNOT_FAIL);
  }

  @Test
  void everyEventBusTestFailsAgainstADoNothingBus() {
    assertEveryTestFails(SelfTestKits.DoNothingEventBus.class, EVENT_BUS_CANNOT_FAIL);
  }

  @Test
  void everyEventBusTestFailsAgainstADoNothingBusThatShouldRefuseQueueGroupsAndDurables() {
    assertEveryTestFails(SelfTestKits.DoNothingRefusingEventBus.class, EVENT_BUS_CANNOT_FAIL);
  }

  @Test
  void everySnapshotStoreTestFailsAgainstADoNothingStore() {
    assertEveryTestFails(SelfTestKits.DoNothingSnapshotStore.class, SNAPSHOT_STORE_CANNOT_FAIL);
  }

  @Test
  void everyProgressStoreTestFailsAgainstADoNothingStore() {
    assertEveryTestFails(SelfTestKits.DoNothingProgressStore.class, PROGRESS_STORE_CANNOT_FAIL);
  }

  @Test
  void everyCommandBusTestFailsAgainstADoNothingBus() {
    assertEveryTestFails(SelfTestKits.DoNothingCommandBus.class, COMMAND_BUS_CANNOT_FAIL);
  }

  // ---------------------------------------------------------------- subtly broken backends

  @Test
  void theEventStoreSuiteCatchesAStoreThatDropsTheLastEventOfABatch() {
    assertCaught(
        SelfTestKits.DropsTheLastEventOfABatch.class,
        "assignsIncreasingPositionsInInsertOrder",
        "roundTripsTimesToTheNanosecond",
        "acceptsInterleavedAggregatesInOneBatch",
        "aDeletedEventsIdCanBeStoredAgain",
        "streamsALargeResultAndStopsEarlyOnClose",
        "catchUpReaderSeesEveryEventExactlyOnceUnderConcurrentWriters",
        "Queries.everythingInPositionOrder",
        "Queries.byNames");
  }

  @Test
  void theEventStoreSuiteCatchesAStoreThatSwapsTwoResults() {
    assertCaught(
        SelfTestKits.SwapsTheLastTwoResults.class,
        "assignsIncreasingPositionsInInsertOrder",
        "findsAndGuardsIdsWhateverTheirOrder",
        "streamsALargeResultAndStopsEarlyOnClose",
        "catchUpReaderSeesEveryEventExactlyOnceUnderConcurrentWriters",
        "Queries.everythingInPositionOrder",
        "Queries.sortedByTime",
        "Queries.sortedByPositionDescending",
        "Queries.sortedByAggregateNameIdAndVersion");
  }

  @Test
  void theEventStoreSuiteCatchesAStoreThatReordersTwoPositions() {
    assertCaught(
        SelfTestKits.ReordersTwoPositions.class,
        "assignsIncreasingPositionsInInsertOrder",
        "findsAndGuardsIdsWhateverTheirOrder",
        "twoExactSelectorsReadBothAggregatesInPositionOrder",
        "Queries.everythingInPositionOrder",
        "Queries.afterAPosition");
  }

  @Test
  void theEventStoreSuiteCatchesAStoreThatAcceptsATakenVersion() {
    assertCaught(
        SelfTestKits.AcceptsATakenVersion.class,
        "rejectsAVersionAlreadyTakenAndStoresNothingOfTheBatch",
        "concurrentWritersOnOneAggregateGetExactlyOneWinnerPerVersion");
  }

  @Test
  void theEventBusSuiteCatchesAQueueGroupThatDeliversToEveryMember() {
    assertCaught(
        SelfTestKits.QueueGroupDeliversToEveryMember.class,
        "queueGroupMembersShareTheEventsEachDeliveredToOneMember",
        "twoQueueGroupsEachGetEveryEvent",
        "aQueueGroupMemberThatClosesLeavesAndTheOthersGetItsShare");
  }

  @Test
  void theEventBusSuiteCatchesAQueueGroupThatKeepsRoutingToAClosedMember() {
    assertCaught(
        SelfTestKits.QueueGroupKeepsClosedMembers.class,
        "aQueueGroupMemberThatClosesLeavesAndTheOthersGetItsShare");
  }

  @Test
  void theEventBusSuiteCatchesADurableSubscriptionThatForgetsWhatItAcknowledged() {
    assertCaught(SelfTestKits.DurableForgetsAcks.class, "aDurableSubscriptionResumesAfterItsSubscriberRestarts");
  }

  @Test
  void theEventBusSuiteCatchesADurableSubscriptionThatNeverDeliversAgain() {
    assertCaught(
        SelfTestKits.DurableNeverRedelivers.class,
        "aDurableHandlerThatThrowsGetsTheEventAgain",
        "aDurableSubscriptionGivesUpAfterMaxDeliveriesAndReportsIt");
  }

  @Test
  void theCommandBusSuiteCatchesABusThatRunsEveryCommandEverywhere() {
    assertCaught(
        SelfTestKits.BroadcastCommandBus.class,
        "exactlyOneOfManyBusesExecutesEachCommand",
        "twoBusesInOneProcessMayHandleTheSameNameAndOnlyOneExecutes",
        "syncDispatchRethrowsTheHandlersErrorWithCodeMessageAndDetails",
        "noHandlerWithinTheAssignTimeoutIsANoHandlerExceptionNamingTheCommand");
  }

  // ---------------------------------------------------------------- running a suite

  @Test
  void aNestedClassThatCannotSetUpIsReportedWithItsTests() {
    Outcomes outcomes = Outcomes.of(SelfTestKits.NestedClassCannotSetUp.class);
    assertThat(outcomes.passed()).containsExactly("runs");
    assertThat(outcomes.notRun())
        .anySatisfy(n -> assertThat(n).startsWith("container Broken failed: ")
            .contains("cannot set up"))
        .contains("Broken.neverRuns (discovered, never finished)");
  }

  /**
   * Asserts that every test of {@code kit} ran and failed, except exactly those in {@code
   * cannotFail}: a listed test that now fails is stale in the list, and must leave it too.
   */
  private static void assertEveryTestFails(Class<?> kit, Map<String, String> cannotFail) {
    Outcomes outcomes = Outcomes.of(kit);
    assertThat(outcomes.notRun())
        .as("%s: tests skipped, aborted or never finished, or failed containers (the kit skips nothing)",
            kit.getSimpleName())
        .isEmpty();
    Set<String> weak = new TreeSet<>(outcomes.passed());
    weak.removeAll(cannotFail.keySet());
    assertThat(weak)
        .as(
            "%s: these tests pass against a backend that does nothing, so they prove nothing. Strengthen each;"
                + " only if one truly cannot fail, list it in KitSelfTest with the reason",
            kit.getSimpleName())
        .isEmpty();
    Set<String> stale = new TreeSet<>(cannotFail.keySet());
    stale.removeAll(outcomes.passed());
    assertThat(stale).as("%s: listed as unable to fail, but they fail: take them off the list", kit.getSimpleName()).isEmpty();
    assertThat(outcomes.failed()).as("%s: failed tests", kit.getSimpleName()).isNotEmpty();
  }

  /** Asserts that each of {@code tests} of {@code kit} ran and failed. */
  private static void assertCaught(Class<?> kit, String... tests) {
    Outcomes outcomes = Outcomes.of(kit);
    assertThat(outcomes.notRun())
        .as("%s: tests skipped, aborted or never finished, or failed containers", kit.getSimpleName())
        .isEmpty();
    assertThat(outcomes.failed())
        .as("%s: the tests that must catch its fault (passed: %s)", kit.getSimpleName(), outcomes.passed())
        .contains(tests);
  }

  /**
   * How each test of one suite ended, by name: the method name, after its nested class's name for
   * tests of a nested class ({@code "Queries.byNames"}).
   */
  private record Outcomes(Map<String, TestExecutionResult.Status> byTest, List<String> notRun) {
    /**
     * Runs {@code kit}. {@link #notRun()} names every test skipped or aborted, every container
     * (a nested class, say) that failed, and every discovered test that never finished: a nested
     * class that cannot set up is reported, not silently lost with its tests.
     */
    static Outcomes of(Class<?> kit) {
      EngineExecutionResults results =
          EngineTestKit.engine("junit-jupiter").selectors(selectClass(kit)).execute();
      Events events = results.testEvents();
      Map<String, TestExecutionResult.Status> byTest = new TreeMap<>();
      events.finished().stream()
          .forEach(e -> byTest.put(name(e.getTestDescriptor()), e.getRequiredPayload(TestExecutionResult.class).getStatus()));
      List<String> notRun = new ArrayList<>();
      events.skipped().stream().forEach(e -> notRun.add(name(e.getTestDescriptor())));
      byTest.forEach((test, status) -> {
        if (status == TestExecutionResult.Status.ABORTED) {
          notRun.add(test);
        }
      });
      results.containerEvents().failed().stream()
          .forEach(e -> notRun.add("container " + e.getTestDescriptor().getDisplayName() + " failed: "
              + e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElse(null)));
      Set<String> reported = new TreeSet<>(notRun);
      results.allEvents().started().stream()
          .map(e -> e.getTestDescriptor())
          .filter(d -> d.getParent().isEmpty()) // the engine's descriptor: the whole discovered tree
          .flatMap(engine -> engine.getDescendants().stream())
          .filter(TestDescriptor::isTest)
          .map(Outcomes::name)
          .filter(test -> !byTest.containsKey(test) && !reported.contains(test))
          .forEach(test -> notRun.add(test + " (discovered, never finished)"));
      return new Outcomes(byTest, notRun);
    }

    Set<String> passed() {
      return with(TestExecutionResult.Status.SUCCESSFUL);
    }

    Set<String> failed() {
      return with(TestExecutionResult.Status.FAILED);
    }

    private Set<String> with(TestExecutionResult.Status status) {
      Set<String> tests = new TreeSet<>();
      byTest.forEach((test, s) -> {
        if (s == status) {
          tests.add(test);
        }
      });
      return tests;
    }

    private static String name(TestDescriptor test) {
      List<String> parts = new ArrayList<>();
      for (UniqueId.Segment segment : test.getUniqueId().getSegments()) {
        String value = segment.getValue();
        switch (segment.getType()) {
          case "nested-class" -> parts.add(value);
          // an inherited method's value names its declaring class: "...EventStoreConformance#name()"
          case "method", "test-template", "test-factory" ->
              parts.add(value.substring(value.indexOf('#') + 1, value.indexOf('(')));
          case "test-template-invocation", "dynamic-test" -> parts.add(value);
          default -> {}
        }
      }
      return String.join(".", parts);
    }
  }
}
