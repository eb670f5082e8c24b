package dev.fabula.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.memory.InMemory;
import org.junit.jupiter.api.Test;

/** What ReadModelOptions refuses, and what a repository refuses from the options' functions. */
class ReadModelOptionsTest {
  record Page(String id, int views) {}

  @Test
  void aBlankNameOrOneWithANulIsRefusedNamingIt() {
    assertThatThrownBy(() -> ReadModelOptions.of("", Page.class, Page::id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> ReadModelOptions.of("  ", Page.class, Page::id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> ReadModelOptions.of("pa\0ges", Page.class, Page::id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pa\\0ges")
        .hasMessageNotContaining("\0");
  }

  @Test
  void fewerThanOneAttemptIsRefused() {
    var options = ReadModelOptions.of("pages", Page.class, Page::id);
    assertThatThrownBy(() -> options.withMaxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1, got 0");
    assertThatThrownBy(() -> options.withMaxAttempts(-5)).isInstanceOf(IllegalArgumentException.class);
    assertThat(options.withMaxAttempts(1).maxAttempts()).isEqualTo(1);
    assertThat(options.maxAttempts()).isEqualTo(ReadModelOptions.DEFAULT_MAX_ATTEMPTS);
  }

  @Test
  void aFactoryReturningNullIsRefusedNamingTheModel() {
    var repo = InMemory.readModels(ReadModelOptions.<String, Page>of("pages", Page.class, Page::id).withFactory(id -> null));
    assertThatThrownBy(() -> repo.fetch("p1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the factory returned null")
        .hasMessageContaining("pages")
        .hasMessageContaining("p1");
    assertThatThrownBy(() -> repo.use("p1", p -> p)).isInstanceOf(IllegalArgumentException.class);
    assertThat(repo.find("p1")).isEmpty();
  }

  @Test
  void aFactoryReturningAModelWithAnotherIdIsRefusedNamingBoth() {
    var repo = InMemory.readModels(
        ReadModelOptions.of("pages", Page.class, Page::id).withFactory(id -> new Page("other", 0)));
    assertThatThrownBy(() -> repo.use("p1", p -> new Page(p.id(), p.views() + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the factory returned a pages read model with id other for id p1");
    assertThat(repo.find("p1")).isEmpty();
    assertThat(repo.find("other")).isEmpty();
  }

  @Test
  void theOptionsKeepWhatTheyWereGiven() {
    var options = ReadModelOptions.of("pages", Page.class, Page::id);
    assertThat(options.factory()).isEmpty();
    var withFactory = options.withFactory(id -> new Page(id, 0));
    assertThat(withFactory.factory()).isPresent();
    assertThat(withFactory.name()).isEqualTo("pages");
    assertThat(withFactory.type()).isEqualTo(Page.class);
    assertThat(withFactory.idOf().apply(new Page("x", 1))).isEqualTo("x");
    assertThat(options.factory()).as("the original options are unchanged").isEmpty();
  }
}
