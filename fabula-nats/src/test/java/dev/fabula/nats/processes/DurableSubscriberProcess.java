package dev.fabula.nats.processes;

import dev.fabula.event.Durable;
import dev.fabula.event.EventBus;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.nats.Nats;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A process with a durable subscription to alpha events on a JetStream bus (events of {@link
 * PublisherProcess}, whose text is their number). Reports {@code ready} once subscribed, {@code
 * got <id>} when its handler starts on an event, {@code ok <id>} when the handler returns (the bus
 * acknowledges after that), {@code fail <id>} when it throws, {@code error ...} for what the bus
 * reports to the error handler. On {@code stop} it closes the bus (which acknowledges what was
 * handled) and reports {@code stopped}.
 *
 * <p>{@code failEvery=k} makes the handler throw on this process's first delivery of every event
 * whose number is a multiple of {@code k}; {@code hangAt=n} makes it hang, after {@code got}, on
 * event number {@code n} (so the process can be killed before that event is acknowledged).
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code stream}, {@code storage}, {@code durable},
 * {@code ackWaitMs}, optional {@code maxDeliveries}, {@code failEvery}, {@code hangAt}.
 */
public final class DurableSubscriberProcess {
  private DurableSubscriberProcess() {}

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Child.watchInput();
    Map<String, String> args = Child.args(argv);
    int failEvery = args.containsKey("failEvery") ? Child.intArg(args, "failEvery") : 0;
    int hangAt = args.containsKey("hangAt") ? Child.intArg(args, "hangAt") : -1;
    Set<Object> failed = ConcurrentHashMap.newKeySet();
    CountDownLatch never = new CountDownLatch(1);
    Durable durable = Durable.named(args.get("durable"))
        .withAckWait(Duration.ofMillis(Child.intArg(args, "ackWaitMs")))
        .withMaxDeliveries(args.containsKey("maxDeliveries") ? Child.intArg(args, "maxDeliveries") : Durable.DEFAULT_MAX_DELIVERIES);
    try (EventBus bus = Nats.jetStreamBus(Child.codec(), Child.natsOptions(args).build())) {
      bus.subscribe(Set.of(TckData.ALPHA), event -> {
        int n = Integer.parseInt(((TckData.Alpha) event.data()).text());
        Child.report("got " + event.id());
        if (n == hangAt) {
          Child.report("hang " + event.id());
          never.await();
        }
        if (failEvery > 0 && n % failEvery == 0 && failed.add(event.id())) {
          Child.report("fail " + event.id());
          throw new IllegalStateException("a failure to force a redelivery of event " + n);
        }
        Child.report("ok " + event.id());
      }, SubscriptionOptions.defaults().withDurable(durable)
          .withErrorHandler(e -> Child.report("error " + e.getClass().getName() + ": "
              + String.valueOf(e.getMessage()).replace('\n', ' '))));
      Child.report("ready");
      Child.awaitStop();
    }
    Child.report("stopped");
  }
}
