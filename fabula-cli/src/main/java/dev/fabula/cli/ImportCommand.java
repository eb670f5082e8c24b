package dev.fabula.cli;

import dev.fabula.codec.RawPayload;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula import}: JSON lines as {@code export} writes them, into a store, payloads and
 * revisions verbatim. Consecutive events of one aggregate are inserted as one atomic batch (up to
 * {@code --batch-size}), so a stream is imported up to a precise version: when the store refuses a
 * batch (a version taken or skipped, an id stored already), nothing of it is stored, the import
 * stops, and the message says what was imported before.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Insert JSON lines (as export writes them) into a store; stops at the first batch the store refuses.")
final class ImportCommand implements Callable<Integer> {
  @ParentCommand Fabula root;
  @Spec CommandSpec spec;
  @Mixin StoreOption store;
  @Mixin ProgressOption progress;

  @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Read FILE instead of standard input.")
  @Nullable Path input;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "500",
      description = "At most N events per atomic insert (default: ${DEFAULT-VALUE}).")
  int batchSize;

  private final List<Event<?>> batch = new ArrayList<>();
  private long batchFirstLine;
  private long imported;

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1) {
      throw new CliException(Exit.USAGE, "--batch-size must be at least 1");
    }
    PrintWriter err = spec.commandLine().getErr();
    long size = input == null ? 0 : Files.size(input);
    try (StoreOption.Opened opened = store.open();
        InputStream in = input == null ? root.in : Files.newInputStream(input);
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        Progress bar = progress.bar(err, "importing", size)) {
      EventStore target = opened.store();
      long lineNumber = 0;
      long bytes = 0;
      String line;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
        if (line.isBlank()) {
          continue;
        }
        Event<RawPayload> e = root.lines.read(line, lineNumber);
        if (!batch.isEmpty() && (batch.size() >= batchSize || !sameStream(batch.get(0), e))) {
          flush(target, lineNumber);
          bar.update(size > 0 ? bytes : imported);
        }
        if (batch.isEmpty()) {
          batchFirstLine = lineNumber;
        }
        batch.add(e);
      }
      flush(target, lineNumber + 1);
      bar.update(size > 0 ? size : imported);
    }
    err.println("imported " + imported + " event" + (imported == 1 ? "" : "s"));
    err.flush();
    return Exit.OK;
  }

  private static boolean sameStream(Event<?> a, Event<?> b) {
    AggregateRef x = a.aggregateOrNull();
    AggregateRef y = b.aggregateOrNull();
    return x == null ? y == null : y != null && x.name().equals(y.name()) && x.id().equals(y.id());
  }

  private void flush(EventStore target, long nextLine) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      target.insert(batch);
    } catch (ConcurrencyException | InvalidBatchException | DuplicateEventException | InvalidEventException e) {
      throw new CliException(Exit.REFUSED, refusal(nextLine - 1, e), e);
    }
    imported += batch.size();
    batch.clear();
  }

  private String refusal(long lastLine, RuntimeException why) {
    Event<?> first = batch.get(0);
    AggregateRef a = first.aggregateOrNull();
    String what = a == null
        ? "the batch of " + batch.size() + " event(s) without aggregate on lines " + batchFirstLine + "-" + lastLine
        : "the batch of " + a.name() + "/" + a.id() + " versions " + a.version() + "-"
            + Objects.requireNonNull(batch.get(batch.size() - 1).aggregateOrNull()).version() + " on lines "
            + batchFirstLine + "-" + lastLine;
    String stream = a == null ? "" : "; " + a.name() + "/" + a.id() + " was not imported from version " + a.version() + " on";
    return "the store refused " + what + ": " + why.getMessage() + ". " + imported + " event" + (imported == 1 ? " was" : "s were")
        + " imported before it; nothing of the batch and nothing after it" + stream;
  }
}
