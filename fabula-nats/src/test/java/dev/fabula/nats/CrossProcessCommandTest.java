package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.nats.processes.CommandDispatcherProcess;
import dev.fabula.nats.processes.CommandHandlerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The distributed command bus across real processes (issue 20): three handler JVMs and one
 * dispatcher JVM share a core NATS server.
 *
 * <p>Core NATS, not JetStream, carries the command protocol: the protocol's promise of exactly one
 * execution rests on the event bus delivering each {@code assigned} at most once (ADR 0003),
 * which is what core NATS does; every wait in it is bounded by the dispatcher's own timeouts, so
 * JetStream's redelivery and stored history would add nothing but a stream to fill with
 * coordination events that are worthless seconds later.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrossProcessCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int COMMANDS = 1_000;
  private final List<JvmProcess> children = new ArrayList<>();
  private String prefix;

  @BeforeEach
  void isolate() {
    TestNats.requireServer();
    prefix = TestNats.isolated("xcmd").build().subjectPrefix();
  }

  @AfterEach
  void killChildren() {
    for (JvmProcess child : children) {
      child.close();
    }
  }

  private JvmProcess handler(String name, int concurrency, String... more) {
    List<String> args = new ArrayList<>(List.of("url=" + TestNats.URL, "prefix=" + prefix, "name=" + name,
        "concurrency=" + concurrency));
    args.addAll(List.of(more));
    JvmProcess p = JvmProcess.start(name, CommandHandlerProcess.class, args.toArray(String[]::new));
    children.add(p);
    return p;
  }

  private JvmProcess dispatcher(int executionTimeoutMs) {
    JvmProcess p = JvmProcess.start("dispatcher", CommandDispatcherProcess.class, "url=" + TestNats.URL,
        "prefix=" + prefix, "count=" + COMMANDS, "inFlight=16", "executionTimeoutMs=" + executionTimeoutMs);
    children.add(p);
    return p;
  }

  /** Which handler process started each command (a command started twice fails the test here). */
  private static Map<String, String> startedBy(List<JvmProcess> handlers) {
    Map<String, String> by = new HashMap<>();
    for (JvmProcess h : handlers) {
      for (String id : h.lines("start")) {
        String before = by.put(id, h.name());
        assertThat(before).as("command %s started by %s and by %s", id, before, h.name()).isNull();
      }
    }
    return by;
  }

  /** The dispatcher's outcome line of each command id (the rest of the line after the id). */
  private static Map<String, String> outcomes(JvmProcess dispatcher) {
    Map<String, String> outcome = new HashMap<>();
    for (String line : dispatcher.lines()) {
      String[] parts = line.split(" ", 3);
      if (List.of("ok", "rejected", "failed").contains(parts[0])) {
        String before = outcome.put(parts[1], parts[0] + (parts.length > 2 ? " " + parts[2] : ""));
        assertThat(before).as("two outcomes for command %s", parts[1]).isNull();
      }
    }
    return outcome;
  }

  /** The number of each command id the dispatcher sent. */
  private static Map<String, Integer> sent(JvmProcess dispatcher) {
    return dispatcher.lines("sent").stream().map(l -> l.split(" "))
        .collect(Collectors.toMap(p -> p[0], p -> Integer.parseInt(p[1])));
  }

  /** What the caller of command number {@code n}, run by {@code handler}, must have got. */
  private static String expectedOutcome(int n, String handler) {
    return n % 7 == 0 ? "rejected xproc.rejected " + handler : "ok";
  }

  @Test
  void eachOfAThousandCommandsRunsExactlyOnceAcrossThreeHandlerProcesses() throws Exception {
    List<JvmProcess> handlers = List.of(handler("h1", 64), handler("h2", 64), handler("h3", 64));
    for (JvmProcess h : handlers) {
      h.awaitLine("ready", WAIT);
    }
    JvmProcess dispatcher = dispatcher(30_000);
    dispatcher.awaitLine("finished", WAIT);
    for (JvmProcess h : handlers) {
      h.send("stop");
      h.awaitLine("stopped", WAIT);
    }

    Map<String, Integer> sent = sent(dispatcher);
    Map<String, String> startedBy = startedBy(handlers); // each at most once
    Map<String, String> outcomes = outcomes(dispatcher);
    assertThat(sent).hasSize(COMMANDS);
    assertThat(startedBy.keySet()).as("every command ran, in one of the handler processes")
        .isEqualTo(sent.keySet());
    for (JvmProcess h : handlers) {
      assertThat(h.lines("done")).as("%s finished what it started", h.name())
          .containsExactlyInAnyOrderElementsOf(h.lines("start"));
    }
    // Every caller got the outcome of the one execution: success, or the rejection naming the
    // process that ran it.
    Map<String, String> expected = new HashMap<>();
    sent.forEach((id, n) -> expected.put(id, expectedOutcome(n, startedBy.get(id))));
    assertThat(outcomes).isEqualTo(expected);
  }

  @Test
  void aHandlerProcessKilledMidwayFailsOnlyWhatItHadStartedAndNothingRunsTwice() throws Exception {
    JvmProcess h1 = handler("h1", 64);
    JvmProcess h2 = handler("h2", 64);
    // The victim runs 20 commands, then hangs in the next four (all its slots), and is killed
    // there: four commands accepted and started, never finished.
    JvmProcess victim = handler("victim", 4, "stuckAfter=20");
    for (JvmProcess h : List.of(h1, h2, victim)) {
      h.awaitLine("ready", WAIT);
    }
    JvmProcess dispatcher = dispatcher(3_000);
    victim.await("four hanging handlers", l -> l.startsWith("stuck "), 4, WAIT);
    victim.kill();
    assertThat(dispatcher.lines("sent").size()).as("the victim died in the middle of the stream")
        .isLessThan(COMMANDS);
    dispatcher.awaitLine("finished", WAIT);
    for (JvmProcess h : List.of(h1, h2)) {
      h.send("stop");
      h.awaitLine("stopped", WAIT);
    }

    List<JvmProcess> handlers = List.of(h1, h2, victim);
    Map<String, Integer> sent = sent(dispatcher);
    Map<String, String> startedBy = startedBy(handlers); // each at most once: none ran twice
    Map<String, String> outcomes = outcomes(dispatcher);
    List<String> hanging = victim.lines("stuck");
    assertThat(victim.lines("start")).as(victim.describe()).hasSize(24);
    assertThat(startedBy.keySet()).as("every command ran once").isEqualTo(sent.keySet());

    // The documented contract (DispatchTimeoutException): the handler accepted the command and
    // did not finish within the execution timeout; it may still run, so nothing retries it.
    Map<String, String> expected = new HashMap<>();
    sent.forEach((id, n) -> expected.put(id, hanging.contains(id)
        ? "failed " + dev.fabula.command.DispatchTimeoutException.class.getName() + " EXECUTION"
        : expectedOutcome(n, startedBy.get(id))));
    assertThat(outcomes).isEqualTo(expected);
  }
}
