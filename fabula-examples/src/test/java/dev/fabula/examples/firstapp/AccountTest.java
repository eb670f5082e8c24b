package dev.fabula.examples.firstapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.examples.firstapp.FirstApp.Account;
import dev.fabula.examples.firstapp.FirstApp.AccountOpened;
import dev.fabula.examples.firstapp.FirstApp.Balances;
import dev.fabula.examples.firstapp.FirstApp.MoneyDeposited;
import dev.fabula.examples.firstapp.FirstApp.MoneyWithdrawn;
import dev.fabula.examples.firstapp.FirstApp.Withdraw;
import dev.fabula.testing.AggregateFixture;
import dev.fabula.testing.CommandFixture;
import dev.fabula.testing.ProjectionFixture;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AccountTest {
  @Test
  void withdrawsWhatTheBalanceCovers() {
    AggregateFixture.of(Account::new)
        .given("account.opened", new AccountOpened("Ada"))
        .given("account.deposited", new MoneyDeposited(100))
        .when(account -> account.withdraw(30))
        .thenRaised("account.withdrawn", new MoneyWithdrawn(30));
  }

  @Test
  void rejectsAnOverdraftWithItsCode() {
    CommandFixture.of(Account::new, FirstApp.HANDLERS)
        .given("account.opened", new AccountOpened("Ada"))
        .when("account.withdraw", new Withdraw(1))
        .thenRejected("account.rule-broken", "the balance 0 is less than 1");
  }

  @Test
  void keepsEveryBalance() {
    UUID id = UUID.randomUUID();
    ProjectionFixture.of(new Balances())
        .given("account", id, "account.opened", new AccountOpened("Ada"))
        .given("account", id, "account.deposited", new MoneyDeposited(100))
        .given("account", id, "account.withdrawn", new MoneyWithdrawn(30))
        .thenState(balances -> assertThat(balances.balances).containsEntry(id, 70L));
  }
}
