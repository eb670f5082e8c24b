package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoInterruptedException;
import org.junit.jupiter.api.Test;

/** How driver exceptions become Fabula's. */
class MongoErrorsTest {
  @Test
  void anInterruptedWaitIsAConnectionExceptionAndTheThreadStaysInterrupted() {
    var interrupted = new MongoInterruptedException("Interrupted waiting for lock", new InterruptedException());
    try {
      var e = MongoErrors.translate(interrupted, "reading the progress of catalog in db.fabula_progress", "127.0.0.1:1");
      assertThat(e).isInstanceOf(MongoConnectionException.class).hasCause(interrupted);
      assertThat(e.getMessage())
          .contains("reading the progress of catalog in db.fabula_progress")
          .contains("the calling thread was interrupted");
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt flag is restored").isTrue();
    } finally {
      Thread.interrupted(); // clear it for the next test on this thread
    }
  }
}
