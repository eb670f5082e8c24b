package dev.fabula.nats.processes;

import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.nats.Nats;
import dev.fabula.tck.TckData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process that publishes {@code count} alpha events on a JetStream bus: event {@code i} has the
 * text {@code i} and the id {@link #id(long, int) id(seed, i)}, so two publishers with the same
 * seed publish the same events.
 *
 * <p>Mode {@code batches} publishes {@code batch} events per call, reports {@code published <n>}
 * after each call and {@code done} at the end. Mode {@code each} publishes one event per call,
 * until {@code count} or until the test says {@code stop}, and reports {@code ok <id>} for a
 * publish that returned and {@code threw <id> <exception class>} for one that threw (and goes on).
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code stream}, {@code storage}, {@code count},
 * {@code seed}, {@code mode}, {@code batch}, optional {@code publishTimeoutMs}.
 */
public final class PublisherProcess {
  private PublisherProcess() {}

  /** The id of event {@code i} of the publishers with {@code seed}. */
  public static UUID id(long seed, int i) {
    return new UUID(seed, i);
  }

  /** Event {@code i} of the publishers with {@code seed}. */
  public static Event<TckData.Alpha> event(long seed, int i) {
    return TckData.alpha(String.valueOf(i)).withId(id(seed, i));
  }

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Child.watchInput();
    Map<String, String> args = Child.args(argv);
    int count = Child.intArg(args, "count");
    long seed = Long.parseLong(args.get("seed"));
    try (EventBus bus = Nats.jetStreamBus(Child.codec(), Child.natsOptions(args).build())) {
      if (args.get("mode").equals("batches")) {
        int batch = Child.intArg(args, "batch");
        for (int from = 0; from < count; from += batch) {
          List<Event<?>> events = new ArrayList<>();
          for (int i = from; i < Math.min(count, from + batch); i++) {
            events.add(event(seed, i));
          }
          bus.publish(events);
          Child.report("published " + (from + events.size()));
        }
        Child.report("done");
      } else {
        AtomicBoolean stop = new AtomicBoolean();
        Thread.ofPlatform().daemon().start(() -> {
          try {
            Child.awaitStop();
            stop.set(true);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        for (int i = 0; i < count && !stop.get(); i++) {
          Event<?> e = event(seed, i);
          try {
            bus.publish(List.of(e));
            Child.report("ok " + e.id());
          } catch (RuntimeException failed) {
            Child.report("threw " + e.id() + " " + failed.getClass().getName());
            failed.printStackTrace();
          }
        }
        Child.report("done");
      }
    }
  }
}
