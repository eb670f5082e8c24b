package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MongoOptionsTest {
  @Test
  void defaults() {
    MongoOptions o = MongoOptions.defaults();
    assertThat(o.database()).isEqualTo("fabula");
    assertThat(o.eventsCollection()).isEqualTo("fabula_events");
    assertThat(o.snapshotsCollection()).isEqualTo("fabula_snapshots");
    assertThat(o.progressCollection()).isEqualTo("fabula_progress");
    assertThat(o.indexPolicy()).isEqualTo(MongoOptions.IndexPolicy.CREATE);
    assertThat(o.gapTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.batchSize()).isEqualTo(1000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a.b", "a b", "a$b", "a/b", "a\\b", "a\"b", "a*b", "a<b", "a>b", "a:b", "a|b", "a?b", "a\0b",
      "0123456789012345678901234567890123456789012345678901234567890123"})
  void databaseNamesMongoDbForbidsAreRefused(String name) {
    assertThatThrownBy(() -> MongoOptions.builder().database(name))
        .isInstanceOf(MongoNameException.class)
        .hasMessageContaining("cannot be a MongoDB database name")
        .satisfies(e -> assertThat(((MongoNameException) e).kind()).isEqualTo("database"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a$b", "$cmd", "system.users", ".a", "a.", "a\0b"})
  void collectionNamesMongoDbForbidsAreRefused(String name) {
    assertThatThrownBy(() -> MongoOptions.builder().eventsCollection(name))
        .isInstanceOf(MongoNameException.class)
        .hasMessageContaining("cannot be a MongoDB collection name");
  }

  @Test
  void namesMongoDbAllowsAreKeptVerbatim() {
    MongoOptions o = MongoOptions.builder().database("shop-2_x").eventsCollection("shop.events 'quoted'").build();
    assertThat(o.database()).isEqualTo("shop-2_x");
    assertThat(o.eventsCollection()).isEqualTo("shop.events 'quoted'");
  }

  @Test
  void twoCollectionsCannotShareAName() {
    assertThatThrownBy(() -> MongoOptions.builder().eventsCollection("x").progressCollection("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two collections cannot share a name");
    assertThatThrownBy(() -> MongoOptions.builder().eventsCollection("fabula_progress").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("progressCollection(\"fabula_progress\") (unset, so its default)");
  }

  @Test
  void aSettingMayBeMadeOnce() {
    assertThatThrownBy(() -> MongoOptions.builder().gapTimeout(Duration.ZERO).gapTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was already set");
    assertThatThrownBy(() -> MongoOptions.builder().batchSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MongoOptions.builder().gapTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
  }
}
