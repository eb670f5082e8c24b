package dev.fabula.command;

import dev.fabula.ClosedException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.spi.PublishNeverWaits;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Publishes one bus's {@link CommandProtocol} events on the event bus, at once or on a virtual
 * thread of their own.
 *
 * <p>Protocol events are handled on the subscription's delivery thread, which never publishes
 * itself: it publishes {@linkplain #publishAsync asynchronously}, so that buses whose subscriber
 * queues are full cannot block one another's delivery (with back-pressure, two delivery threads
 * each publishing to the other's full queue would deadlock).
 */
final class ProtocolPublisher {
  private static final System.Logger LOG = System.getLogger(CommandBus.class.getName());

  private final EventBus events;
  private final String busId;

  ProtocolPublisher(EventBus events, String busId) {
    this.events = events;
    this.busId = busId;
  }

  /** Publishes {@code event} on the calling thread; throws what the event bus throws. */
  void publish(Event<?> event) {
    events.publish(List.of(event));
  }

  /** Publishes event {@code name} carrying {@code data} on a virtual thread; see {@link #publishAsync(Event)}. */
  void publishAsync(String name, Object data) {
    publishAsync(Event.create(name, data));
  }

  /**
   * Publishes {@code event} on a virtual thread, or at once where the bus's publish never waits
   * for a subscriber ({@link PublishNeverWaits}); a failure is logged, never thrown.
   */
  void publishAsync(Event<?> event) {
    if (events instanceof PublishNeverWaits) {
      publishLogged(event);
      return;
    }
    try {
      Thread.ofVirtual()
          .name("fabula-command-publish")
          .start(
              () -> publishLogged(event));
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " could not start publishing " + event, e);
    }
  }

  private void publishLogged(Event<?> event) {
    try {
      events.publish(List.of(event));
    } catch (ClosedException e) {
      LOG.log(Level.DEBUG, "event bus closed; dropped protocol event " + event);
    } catch (Throwable e) {
      LOG.log(Level.ERROR, "command bus " + busId + " could not publish " + event, e);
    }
  }
}
