package dev.fabula.mongodb;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;

/**
 * The in-process MongoDB server in a JVM of its own, for {@link SmallHeapReplayTest}: the memory
 * backend keeps every document on its heap, which must not count against the small heap of the
 * JVM under test. Prints the connection string on its first line, and stops when its standard
 * input closes (so it never outlives the test's JVM).
 */
final class InProcessMongoMain {
  private InProcessMongoMain() {}

  public static void main(String[] args) throws IOException {
    MongoServer server = new MongoServer(new MemoryBackend());
    System.out.println(server.bindAndGetConnectionString());
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for the parent to close our input
    }
    server.shutdownNow();
  }
}
