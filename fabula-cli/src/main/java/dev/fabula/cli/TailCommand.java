package dev.fabula.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fabula.codec.RawPayload;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula tail}: prints events as they are stored, in position order, polling the console's
 * {@code api/events?after=} or the store's {@code afterPosition} query.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = "Follow events as they are stored (from the current end unless --after is given).")
final class TailCommand implements Callable<Integer> {
  private static final int PAGE = 500;

  @ParentCommand Fabula root;
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source = new Source();

  @Option(names = "--name", paramLabel = "NAME", description = "Only events of this name (repeatable).")
  List<String> names = new ArrayList<>();

  @Option(names = "--after", paramLabel = "POSITION",
      description = "Start after this global position (0: from the first event; default: the current last).")
  @Nullable Long after;

  @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Stop after N events (default: never).")
  long count;

  @Option(names = "--no-follow", description = "Print the events stored so far, then stop.")
  boolean noFollow;

  @Option(names = "--poll", paramLabel = "MILLIS", defaultValue = "500", description = "How often to ask for new events (default: ${DEFAULT-VALUE}).")
  long pollMillis;

  @Option(names = "--json", description = "One JSON object per line (as `export` writes them on a store; as the console's API gives them).")
  boolean json;

  private long printed;

  @Override
  public Integer call() throws Exception {
    if (count < 0 || pollMillis < 1 || after != null && after < 0) {
      throw new CliException(Exit.USAGE, "--count and --after must not be negative, --poll must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (source.console != null) {
      tailConsole(source.console.client(root.mapper), out);
    } else {
      try (StoreOption.Opened opened = source.store.open()) {
        tailStore(opened.store(), out);
      }
    }
    return Exit.OK;
  }

  private boolean done() {
    return count > 0 && printed >= count;
  }

  private void tailConsole(ConsoleClient client, PrintWriter out) throws InterruptedException {
    long position = after != null ? after : client.get("api/overview").at("/safeHorizon/position").asLong();
    var filter = new StringBuilder();
    for (String name : names) {
      filter.append("&name=").append(ConsoleClient.param(name));
    }
    while (!done()) {
      JsonNode page = client.get("api/events?after=" + position + "&limit=" + PAGE + filter);
      JsonNode events = page.path("events");
      for (JsonNode e : events) {
        position = e.path("position").asLong();
        if (json) {
          out.println(e);
        } else {
          JsonNode a = e.path("aggregate");
          JsonNode payload = e.path("payload");
          out.println(line(position, e.path("time").asText(), e.path("name").asText(),
              a.isObject() ? a.path("type").asText() + "/" + a.path("id").asText() + "@" + a.path("version").asInt() : "-",
              payload.isNull() || payload.isMissingNode() ? "(" + e.path("payloadStatus").asText() + ")" : payload.toString()));
        }
        printed++;
        if (done()) {
          break;
        }
      }
      out.flush();
      if (events.isEmpty()) {
        if (noFollow) {
          return;
        }
        Thread.sleep(pollMillis);
      }
    }
  }

  private void tailStore(EventStore store, PrintWriter out) throws InterruptedException {
    long position = after != null ? after : store.lastPosition();
    while (!done()) {
      EventQuery.Builder query = EventQuery.builder().afterPosition(position).limit(PAGE);
      if (!names.isEmpty()) {
        query.names(names);
      }
      int seen = 0;
      try (Stream<Event<?>> events = store.query(query.build())) {
        for (Event<?> e : (Iterable<Event<?>>) events::iterator) {
          seen++;
          position = e.position();
          if (json) {
            out.println(root.lines.write(e));
          } else {
            AggregateRef a = e.aggregateOrNull();
            out.println(line(position, e.time().toString(), e.name(),
                a == null ? "-" : a.name() + "/" + a.id() + "@" + a.version(), EventLines.oneLine(((RawPayload) e.data()).json())));
          }
          printed++;
          if (done()) {
            break;
          }
        }
      }
      out.flush();
      if (seen == 0) {
        if (noFollow) {
          return;
        }
        Thread.sleep(pollMillis);
      }
    }
  }

  private static String line(long position, String time, String name, String aggregate, String payload) {
    return position + "  " + time + "  " + name + "  " + aggregate + "  " + payload;
  }
}
