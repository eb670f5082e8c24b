package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.nats.processes.DurableSubscriberProcess;
import dev.fabula.nats.processes.PublisherProcess;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JetStream bus across real processes (issue 20): durable subscriptions that outlive their
 * process, and what exactly each guarantee covers.
 *
 * <ul>
 *   <li>De-duplication is the stream's: a publish of an event id already stored within the
 *       duplicate window stores nothing. It makes publishing idempotent; it says nothing about
 *       delivery.
 *   <li>Delivery to a durable subscription is at least once: an event is delivered again after
 *       its handler threw or when its process died before acknowledging it. Handling each event
 *       once is the handler's business (by event id); these tests show the redeliveries happen
 *       and that nothing is lost, not that a handler sees an event only once.
 * </ul>
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrossProcessJetStreamTest {
  private static final int EVENTS = 10_000;
  @RegisterExtension final ChildProcesses children = new ChildProcesses();
  private final TestBudget budget = TestBudget.of(Duration.ofSeconds(150));
  private NatsOptions options;
  private long seed;

  @BeforeEach
  void isolate() {
    TestNats.requireServer();
    options = TestNats.isolated("xjs").build();
    seed = ThreadLocalRandom.current().nextLong();
  }

  @AfterEach
  void cleanUp() {
    children.killAll(); // before their stream goes
    TestNats.deleteStream(options.stream());
  }

  private List<String> natsArgs() {
    return List.of("url=" + TestNats.URL, "prefix=" + options.subjectPrefix(), "stream=" + options.stream(),
        "storage=" + options.storage().name());
  }

  private JvmProcess start(String name, Class<?> main, String... more) {
    List<String> args = new ArrayList<>(natsArgs());
    args.addAll(List.of(more));
    return children.start(name, main, args.toArray(String[]::new));
  }

  private JvmProcess subscriber(String name, String... more) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("durable=billing"));
    args.addAll(List.of(more));
    JvmProcess p = start(name, DurableSubscriberProcess.class, args.toArray(String[]::new));
    p.awaitLine("ready", budget.left());
    return p;
  }

  private Set<String> published() {
    Set<String> ids = new HashSet<>();
    IntStream.range(0, EVENTS).forEach(i -> ids.add(PublisherProcess.id(seed, i).toString()));
    return ids;
  }

  private long storedMessages() throws Exception {
    Connection c = TestNats.rawConnection();
    try {
      return c.jetStreamManagement().getStreamInfo(options.stream()).getStreamState().getMsgCount();
    } finally {
      c.close();
    }
  }

  @Test
  void aStoppedDurableSubscriberGetsEverythingPublishedMeanwhileAndDuplicatePublishesAreDropped()
      throws Exception {
    // The durable consumer exists from here on; its process then dies.
    subscriber("subscriber-1", "ackWaitMs=30000").kill();

    // Two processes publish the same 10,000 events (same ids) at the same time.
    String[] publish = {"count=" + EVENTS, "seed=" + seed, "mode=batches", "batch=500"};
    JvmProcess p1 = start("publisher-1", PublisherProcess.class, publish);
    JvmProcess p2 = start("publisher-2", PublisherProcess.class, publish);
    p1.awaitLine("done", budget.left());
    p2.awaitLine("done", budget.left());
    assertThat(p1.lines("published").getLast()).isEqualTo(String.valueOf(EVENTS));
    assertThat(p2.lines("published").getLast()).isEqualTo(String.valueOf(EVENTS));
    // De-duplication: 20,000 publishes that all returned, 10,000 messages stored.
    assertThat(storedMessages()).as("messages in the stream").isEqualTo(EVENTS);

    // Durability: the durable subscriber, started again, gets every event published while it was
    // gone (at least once: a repeat would not fail this, a gap would).
    JvmProcess s2 = subscriber("subscriber-2", "ackWaitMs=30000");
    Set<String> published = published();
    // Distinct ids: a redelivery repeats an 'ok' line, which would end a count of lines early.
    Set<String> waiting = new HashSet<>(published);
    s2.until("an ok for each published event", JvmProcess.eachNewLine(l -> {
      if (l.startsWith("ok ")) {
        waiting.remove(l.substring(3));
      }
    }, waiting::isEmpty), budget.left());
    assertThat(new HashSet<>(s2.lines("ok"))).isEqualTo(published);
    assertThat(s2.lines("error")).isEmpty();
  }

  @Test
  void failedAndUnacknowledgedEventsAreDeliveredAgainToTheNextProcess() throws Exception {
    // Every 100th event fails its first delivery; event 6,000 hangs, and the process is killed
    // there: it got that event, never acknowledged it. The ack wait is short, so that the
    // server delivers that event again soon after the kill, and the delivery limit high, so that
    // events waiting in a slow process's buffer past the ack wait (each such wait counts as a
    // delivery, see the README) are not given up on under load.
    String[] settings = {"ackWaitMs=3000", "maxDeliveries=100"};
    JvmProcess s1 = subscriber("subscriber-1", settings[0], settings[1], "failEvery=100", "hangAt=6000");
    JvmProcess publisher = start("publisher", PublisherProcess.class,
        "count=" + EVENTS, "seed=" + seed, "mode=batches", "batch=500");
    s1.await("the hanging handler", l -> l.startsWith("hang "), 1, budget.left());
    s1.kill();
    publisher.awaitLine("done", budget.left());
    String hung = s1.lines("hang").getFirst();

    JvmProcess s2 = subscriber("subscriber-2", settings);
    Set<String> published = published();
    // Waits for the second process to make up what the first one left, then says what is missing.
    Set<String> leftOver = new HashSet<>(published);
    s1.lines("ok").forEach(leftOver::remove);
    s2.holdsWithin(JvmProcess.eachNewLine(l -> {
      if (l.startsWith("ok ")) {
        leftOver.remove(l.substring(3));
      }
    }, leftOver::isEmpty), budget.left());
    Set<String> handledFirst = new HashSet<>(s1.lines("ok"));
    Set<String> handled = new HashSet<>(handledFirst);
    handled.addAll(s2.lines("ok"));

    // At least once: nothing lost, across a handler failure and a process crash.
    Set<String> missing = new HashSet<>(published);
    missing.removeAll(handled);
    assertThat(missing).as("published ids handled successfully by neither process: %s", missing.stream()
        .limit(5).map(id -> id + " (first process: " + s1.lines().stream().filter(l -> l.endsWith(id)).toList()
            + ", second: " + s2.lines().stream().filter(l -> l.endsWith(id)).toList() + ")")
        .toList()).isEmpty();
    assertThat(handled).as("ids handled successfully by either process").hasSize(EVENTS);
    // The failures were delivered again (to the first process or, after its death, the second).
    List<String> failed = s1.lines("fail");
    assertThat(failed).as("forced failures before the kill").hasSizeGreaterThanOrEqualTo(50);
    assertThat(failed).allSatisfy(id -> assertThat(handled).contains(id));
    // The event the first process got and never acknowledged reached the second one.
    assertThat(s2.lines("got")).contains(hung);
    // The only failures reported were the forced ones.
    assertThat(s1.lines("error")).isNotEmpty()
        .allSatisfy(line -> assertThat(line).startsWith(IllegalStateException.class.getName()));
    assertThat(s2.lines("error")).isEmpty();
  }
}
