package dev.fabula.examples.firstapp;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.command.AggregateCommands;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.Schedule;
import dev.fabula.repository.Repository;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

public class FirstApp {
  // Events: what happened, as records.
  record AccountOpened(String owner) {}

  record MoneyDeposited(long cents) {}

  record MoneyWithdrawn(long cents) {}

  // The aggregate: a method checks the rules, then raises an event; only appliers change state.
  static final class Account extends AggregateRoot {
    private long balance;

    Account(UUID id) {
      super("account", id);
      on("account.opened", AccountOpened.class, e -> balance = 0);
      on("account.deposited", MoneyDeposited.class, e -> balance += e.cents());
      on("account.withdrawn", MoneyWithdrawn.class, e -> balance -= e.cents());
    }

    void open(String owner) {
      if (version() > 0) throw new AccountRuleException("the account is open already");
      raise("account.opened", new AccountOpened(owner));
    }

    void deposit(long cents) {
      if (version() == 0) throw new AccountRuleException("the account is not open");
      if (cents <= 0) throw new AccountRuleException("a deposit must be positive");
      raise("account.deposited", new MoneyDeposited(cents));
    }

    void withdraw(long cents) {
      if (cents > balance) throw new AccountRuleException("the balance " + balance + " is less than " + cents);
      raise("account.withdrawn", new MoneyWithdrawn(cents));
    }
  }

  static final class AccountRuleException extends RuntimeException {
    AccountRuleException(String message) {
      super(message);
    }
  }

  // Commands and their handlers: each command runs as fetch -> method -> save on its account.
  record Open(String owner) {}

  record Deposit(long cents) {}

  record Withdraw(long cents) {}

  static final AggregateCommands<Account> HANDLERS = AggregateCommands.<Account>builder()
      .on("account.open", Open.class, (a, c) -> a.open(c.payload().owner()))
      .on("account.deposit", Deposit.class, (a, c) -> a.deposit(c.payload().cents()))
      .on("account.withdraw", Withdraw.class, (a, c) -> a.withdraw(c.payload().cents()))
      .reject(AccountRuleException.class, "account.rule-broken") // a broken rule -> a coded rejection
      .build();

  // A read model: every account's balance. ProgressAware: resumes after the last event applied.
  static final class Balances extends AbstractProjection implements ProgressAware {
    final Map<UUID, Long> balances = new ConcurrentHashMap<>();
    private volatile long progress;

    Balances() {
      on("account.opened", AccountOpened.class, e -> balances.put(e.aggregate().orElseThrow().id(), 0L));
      on("account.deposited", MoneyDeposited.class,
          e -> balances.merge(e.aggregate().orElseThrow().id(), e.data().cents(), Long::sum));
      on("account.withdrawn", MoneyWithdrawn.class,
          e -> balances.merge(e.aggregate().orElseThrow().id(), -e.data().cents(), Long::sum));
    }

    @Override
    public long progress() {
      return progress;
    }

    @Override
    public void progress(long position) {
      progress = position;
    }
  }

  public static void main(String[] args) throws Exception {
    Balances balances = new Balances();
    try (EventBus bus = InMemory.eventBus();
        EventStore store = InMemory.eventStore(); // tells this process's schedules of its inserts
        Schedule readSide = Schedule.continuously(bus, store, balances.eventNames());
        CommandBus commands = CommandBuses.inProcess()) {
      readSide.project(balances);
      HANDLERS.subscribe(commands, Repository.of(store, Account::new));

      UUID id = UUID.randomUUID();
      send(commands, id, "account.open", new Open("Ada"));
      send(commands, id, "account.deposit", new Deposit(10_000));
      send(commands, id, "account.withdraw", new Withdraw(2_500));
      try {
        send(commands, id, "account.withdraw", new Withdraw(1_000_000));
      } catch (CommandExecutionException rejected) {
        System.out.println("rejected [" + rejected.code() + "] " + rejected.getMessage());
      }
      readSide.awaitCaughtUp(Duration.ofSeconds(5)); // the read model has every event stored so far
      System.out.println("balance " + balances.balances.get(id));
    }
  }

  static void send(CommandBus commands, UUID account, String command, Object payload) {
    commands.dispatch(Command.create(command, payload).forAggregate("account", account), DispatchOptions.sync());
  }
}
