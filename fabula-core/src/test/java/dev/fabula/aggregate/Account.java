package dev.fabula.aggregate;

import java.util.UUID;

/** A test aggregate in the "applier per name" style, with soft deletion and snapshots. */
public final class Account extends AggregateRoot implements Snapshotting<Account.State> {
  public static final String NAME = "account";

  public record Opened(String owner) {}

  public record Deposited(long amount) {}

  public record Closed() implements SoftDeleted {}

  public record Reopened() implements SoftRestored {}

  public record State(String owner, long balance) {}

  private String owner = "";
  private long balance;

  public Account(UUID id) {
    super(NAME, id);
    on("account.opened", Opened.class, e -> owner = e.owner());
    on("account.deposited", Deposited.class, e -> balance += e.amount());
  }

  public void open(String who) {
    if (version() > 0) {
      throw new IllegalStateException("account " + id() + " is already open");
    }
    raise("account.opened", new Opened(who));
  }

  public void deposit(long amount) {
    if (amount <= 0) {
      throw new IllegalArgumentException("deposit must be positive, got " + amount);
    }
    raise("account.deposited", new Deposited(amount));
  }

  public void close() {
    raise("account.closed", new Closed());
  }

  public void reopen() {
    raise("account.reopened", new Reopened());
  }

  public String owner() {
    return owner;
  }

  public long balance() {
    return balance;
  }

  @Override
  public State snapshotState() {
    return new State(owner, balance);
  }

  @Override
  public void restoreSnapshotState(State state) {
    owner = state.owner();
    balance = state.balance();
  }
}
