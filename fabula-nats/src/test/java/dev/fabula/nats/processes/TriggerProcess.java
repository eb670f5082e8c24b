package dev.fabula.nats.processes;

import dev.fabula.event.EventBus;
import dev.fabula.nats.Nats;
import dev.fabula.projection.ProjectionService;
import dev.fabula.projection.TriggerOptions;
import java.util.Map;

/**
 * A process that asks, through a {@link ProjectionService} on core NATS, for a rebuild of the
 * schedule registered as {@code name}, and reports {@code triggered} once a process accepted it.
 *
 * <p>Arguments: {@code url}, {@code prefix}, {@code name}.
 */
public final class TriggerProcess {
  private TriggerProcess() {}

  public static void main(String[] argv) throws Exception {
    Child.reportUncaught();
    Map<String, String> args = Child.args(argv);
    try (EventBus bus = Nats.eventBus(Child.codec(), Child.natsOptions(args).build());
        ProjectionService service = ProjectionService.create(bus)) {
      service.trigger(args.get("name"), TriggerOptions.rebuild());
    }
    Child.report("triggered");
  }
}
