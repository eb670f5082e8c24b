package dev.fabula.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;

/** Where a command reads: a running application's console, or a store by URL (one of them). */
final class Source {
  @ArgGroup(exclusive = false, heading = "Over a running application's console:%n")
  @Nullable ConsoleOption console;

  @ArgGroup(exclusive = false, heading = "Straight from a store:%n")
  @Nullable StoreOption store;
}
