package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replays 1,000,000 stored events in a 128 MB heap: the query streams through a cursor instead of
 * loading the result. Runs in its own surefire execution with {@code -Xmx128m} (see the module's
 * pom) and checks that it really got that small a heap. The in-process server runs in a JVM of
 * its own ({@link InProcessMongoMain}), since its memory backend keeps the million events on its
 * heap; with {@code FABULA_MONGO_URL} set, the real server is used.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SmallHeapReplayTest {
  private static final int EVENTS = 1_000_000;
  private static final int PER_BATCH = 1_000;

  @Test
  void replaysAMillionEventsInASmallHeap() throws Exception {
    // Only the small-heap execution runs it (a -Dtest=... selection also reaches the default one).
    Assumptions.assumeTrue(Boolean.getBoolean("fabula.smallHeap"), "runs in the small-heap execution");
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx128m").isLessThanOrEqualTo(128L * 1024 * 1024);
    Process server = TestMongo.realServer() ? null : startServer();
    try {
      String url = server == null ? TestMongo.url() : new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertThat(url).as("the server's connection string").startsWith("mongodb://");
      try (MongoClient client = MongoDb.client(url);
          EventStore store = MongoDb.eventStore(client, MongoEventStoreTest.codec(), TestMongo.freshOptions().build())) {
        long t0 = System.nanoTime();
        for (int b = 0; b < EVENTS / PER_BATCH; b++) {
          List<Event<?>> batch = new ArrayList<>(PER_BATCH);
          for (int i = 0; i < PER_BATCH; i++) {
            batch.add(TckData.alpha("event " + (b * PER_BATCH + i)));
          }
          store.insert(batch);
        }
        long loaded = System.nanoTime();
        long count = 0;
        long last = 0;
        try (Stream<Event<?>> s = store.query(EventQuery.all())) {
          for (Iterator<Event<?>> it = s.iterator(); it.hasNext(); ) {
            Event<?> e = it.next();
            assertThat(e.position()).isGreaterThan(last);
            last = e.position();
            count++;
          }
        }
        long nanos = System.nanoTime() - loaded;
        assertThat(count).isEqualTo(EVENTS);
        assertThat(last).isEqualTo(store.lastPosition());
        System.out.printf("stored %,d events in %,d batches in %d ms; replayed them in %d ms = %,.0f events/s, max heap %d MB%n",
            EVENTS, EVENTS / PER_BATCH, (loaded - t0) / 1_000_000, nanos / 1_000_000, EVENTS * 1e9 / nanos,
            Runtime.getRuntime().maxMemory() / (1024 * 1024));
      }
    } finally {
      if (server != null) {
        server.getOutputStream().close(); // it stops when its input closes
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      }
    }
  }

  /** {@link InProcessMongoMain} in a JVM of its own, on the test JVM's class and module paths. */
  private static Process startServer() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> path = new ArrayList<>();
    path.add(Path.of(InProcessMongoMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    for (String p : List.of("java.class.path", "jdk.module.path")) {
      String value = System.getProperty(p);
      if (value != null && !value.isBlank()) {
        path.add(value);
      }
    }
    return new ProcessBuilder(java, "-Xmx3g", "-cp", String.join(File.pathSeparator, path),
            InProcessMongoMain.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
