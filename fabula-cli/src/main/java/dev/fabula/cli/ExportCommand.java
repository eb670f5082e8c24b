package dev.fabula.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula export}: the whole store, or one aggregate's stream, as JSON lines in position
 * order, read raw (no application type is needed).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write a store's events (or one stream's) as JSON lines, one event per line, in position order.")
final class ExportCommand implements Callable<Integer> {
  @ParentCommand Fabula root;
  @Spec CommandSpec spec;
  @Mixin StoreOption store;
  @Mixin ProgressOption progress;

  @Option(names = "--aggregate", paramLabel = "TYPE/ID", description = "Only this aggregate's stream.")
  @Nullable String aggregate;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output.")
  @Nullable Path output;

  @Override
  public Integer call() throws Exception {
    EventQuery query = EventQuery.all();
    String[] stream = null;
    if (aggregate != null) {
      stream = splitAggregate(aggregate);
      query = EventQuery.builder().aggregateNames(stream[0]).aggregateIds(UUID.fromString(stream[1])).build();
    }
    PrintWriter err = spec.commandLine().getErr();
    long exported = 0;
    try (StoreOption.Opened opened = store.open(); Writer out = open()) {
      EventStore s = opened.store();
      long head = aggregate == null ? s.lastPosition() : 0;
      try (Progress bar = progress.bar(err, "exporting", head); Stream<Event<?>> events = s.query(query);
          JsonGenerator lines = root.lines.lines(out)) {
        for (Event<?> e : (Iterable<Event<?>>) events::iterator) {
          root.lines.writeLine(e, lines);
          exported++;
          bar.update(aggregate == null ? e.position() : exported);
        }
      }
      out.flush();
    }
    if (stream != null && exported == 0) {
      throw new CliException(Exit.NOT_FOUND, "no events of aggregate " + aggregate);
    }
    err.println("exported " + exported + " event" + (exported == 1 ? "" : "s"));
    err.flush();
    return Exit.OK;
  }

  /** {@code type/id} split, the id checked. */
  static String[] splitAggregate(String value) {
    int slash = value.lastIndexOf('/');
    if (slash <= 0) {
      throw new CliException(Exit.USAGE, "--aggregate must be TYPE/ID, e.g. product/0193…, not " + value);
    }
    String id = value.substring(slash + 1);
    try {
      UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, "--aggregate's id must be a UUID, not " + id);
    }
    return new String[] {value.substring(0, slash), id};
  }

  private Writer open() throws IOException {
    if (output == null) {
      return new NonClosing(spec.commandLine().getOut());
    }
    return new BufferedWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8), 1 << 16);
  }

  /** Standard output, flushed but left open when the export ends. */
  private static final class NonClosing extends java.io.FilterWriter {
    NonClosing(Writer out) {
      super(out);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
