package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.nats.processes.PublisherProcess;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Options;
import io.nats.client.api.StreamState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A JetStream broker killed (SIGKILL) and started again, on the same port and store, while
 * another process publishes one event per call (issue 20): every publish that returned is in
 * the stream afterwards, and every publish that threw threw the documented {@link
 * NatsPublishException} (its outcome is unknown: it may or may not be stored).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrossProcessBrokerRestartTest {
  private static final Pattern ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");
  @RegisterExtension final ChildProcesses children = new ChildProcesses();
  private final TestBudget budget = TestBudget.of(Duration.ofSeconds(100));
  private PrivateNatsServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = PrivateNatsServer.start();
  }

  @AfterEach
  void stopAll() {
    children.killAll(); // before their server
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyPublishThatReturnedSurvivesABrokerKillAndEveryOtherThrewNatsPublishException() throws Exception {
    NatsOptions options = TestNats.isolated("xrestart").build();
    JvmProcess publisher = children.start("publisher", PublisherProcess.class, "url=" + server.url(),
        "prefix=" + options.subjectPrefix(), "stream=" + options.stream(), "storage=File",
        "count=1000000", "seed=" + ThreadLocalRandom.current().nextLong(), "mode=each",
        "publishTimeoutMs=1000");
    publisher.await("200 confirmed publishes", l -> l.startsWith("ok "), 200, budget.left());

    server.stop(true);
    // With the broker gone no publish is confirmed: wait until one has thrown, so the restart
    // really falls in the middle of the stream of publishes.
    publisher.await("a publish that threw", l -> l.startsWith("threw "), 1, budget.left());
    server.startAgain();
    int confirmedBefore = publisher.lines("ok").size();
    publisher.await("200 publishes confirmed after the restart", l -> l.startsWith("ok "),
        confirmedBefore + 200, budget.left());
    publisher.send("stop");
    publisher.awaitLine("done", budget.left());

    Set<String> stored = storedIds(options.stream());
    List<String> confirmed = publisher.lines("ok");
    Set<String> lost = new HashSet<>(confirmed);
    lost.removeAll(stored);
    assertThat(lost).as("publishes that returned but are not in the stream (of %s)", confirmed.size())
        .isEmpty();
    List<String> threw = publisher.lines("threw");
    assertThat(threw).isNotEmpty().allSatisfy(line ->
        assertThat(line.split(" ")[1]).isEqualTo(NatsPublishException.class.getName()));
  }

  /** The ids of every event in {@code stream}, read from the server message by message. */
  private Set<String> storedIds(String stream) throws Exception {
    Connection c = io.nats.client.Nats.connect(Options.builder().server(server.url()).build());
    try {
      JetStreamManagement jsm = c.jetStreamManagement();
      StreamState state = jsm.getStreamInfo(stream).getStreamState();
      Set<String> ids = new HashSet<>();
      for (long seq = state.getFirstSequence(); seq <= state.getLastSequence(); seq++) {
        try {
          String body = new String(jsm.getMessage(stream, seq).getData(), StandardCharsets.UTF_8);
          Matcher m = ID.matcher(body);
          assertThat(m.find()).as("an envelope with an id: %s", body).isTrue();
          ids.add(UUID.fromString(m.group(1)).toString());
        } catch (JetStreamApiException deleted) {
          // no message at this sequence
        }
      }
      return ids;
    } finally {
      c.close();
    }
  }
}
