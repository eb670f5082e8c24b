package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventHandler;
import dev.fabula.event.SubscriptionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What a test subscription received and reported, with bounded waits. */
final class Inbox implements EventHandler {
  static final long WAIT_MILLIS = 10_000;

  final BlockingQueue<Event<?>> events = new LinkedBlockingQueue<>();
  final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

  @Override
  public void handle(Event<?> event) {
    events.add(event);
  }

  SubscriptionOptions options() {
    return SubscriptionOptions.defaults().withErrorHandler(errors::add);
  }

  Event<?> next() throws InterruptedException {
    Event<?> e = events.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    assertThat(e).as("an event within " + WAIT_MILLIS + " ms").isNotNull();
    return e;
  }

  List<Event<?>> next(int n) throws InterruptedException {
    List<Event<?>> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(next());
    }
    return got;
  }

  Throwable error() throws InterruptedException {
    Throwable e = errors.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    assertThat(e).as("an error within " + WAIT_MILLIS + " ms").isNotNull();
    return e;
  }
}
