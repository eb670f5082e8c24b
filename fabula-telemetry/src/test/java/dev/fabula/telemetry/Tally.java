package dev.fabula.telemetry;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.command.AggregateCommands;
import java.util.UUID;

/** A test aggregate: a running total that commands add to. */
final class Tally extends AggregateRoot implements Snapshotting<Tally.State> {
  static final String NAME = "tally";
  static final String ADD = "tally.add";
  static final String ADDED = "tally.added";

  /** The command's payload. */
  record Add(int amount) {}

  /** The event's data. */
  record Added(int amount) {}

  /** The snapshot. */
  record State(int total) {}

  static final AggregateCommands<Tally> COMMANDS =
      AggregateCommands.<Tally>builder().on(ADD, Add.class, (t, c) -> t.add(c.payload().amount())).build();

  private int total;

  Tally(UUID id) {
    super(NAME, id);
    on(ADDED, Added.class, a -> total += a.amount());
  }

  void add(int amount) {
    raise(ADDED, new Added(amount));
  }

  int total() {
    return total;
  }

  @Override
  public State snapshotState() {
    return new State(total);
  }

  @Override
  public void restoreSnapshotState(State state) {
    total = state.total();
  }
}
