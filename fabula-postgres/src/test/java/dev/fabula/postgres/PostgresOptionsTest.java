package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.postgres.PostgresOptions.SchemaPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link PostgresOptions.Builder} takes each setting once and refuses two tables of one name. */
class PostgresOptionsTest {
  @Test
  void eachSettingMadeOnceIsKept() {
    PostgresOptions o =
        PostgresOptions.builder()
            .schema("shop")
            .eventsTable("events")
            .snapshotsTable("snapshots")
            .progressTable("progress")
            .readModelsTable("read_models")
            .schemaPolicy(SchemaPolicy.VALIDATE)
            .fetchSize(10)
            .outcomeTimeout(Duration.ofSeconds(1))
            .timelineIndex(false)
            .build();
    assertThat(o.schema()).isEqualTo("shop");
    assertThat(o.eventsTable()).isEqualTo("events");
    assertThat(o.snapshotsTable()).isEqualTo("snapshots");
    assertThat(o.progressTable()).isEqualTo("progress");
    assertThat(o.readModelsTable()).isEqualTo("read_models");
    assertThat(o.schemaPolicy()).isEqualTo(SchemaPolicy.VALIDATE);
    assertThat(o.fetchSize()).isEqualTo(10);
    assertThat(o.outcomeTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.timelineIndex()).isFalse();
    assertThat(PostgresOptions.defaults().timelineIndex()).isTrue();
  }

  @Test
  void aSecondCallIsRefusedNamingBoth() {
    assertThatThrownBy(() -> PostgresOptions.builder().schema("a").schema("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("schema(\"a\") was already set; schema(\"b\") would replace it");
    assertThatThrownBy(() -> PostgresOptions.builder().fetchSize(5).fetchSize(6))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("fetchSize(5) was already set; fetchSize(6)");
    assertThatThrownBy(() -> PostgresOptions.builder().schemaPolicy(SchemaPolicy.CREATE).schemaPolicy(SchemaPolicy.VALIDATE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("schemaPolicy(CREATE) was already set; schemaPolicy(VALIDATE)");
    assertThatThrownBy(() -> PostgresOptions.builder().timelineIndex(true).timelineIndex(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("timelineIndex(true) was already set; timelineIndex(false)");
  }

  @Test
  void aCopysValuesCountAsUnsetButItsOwnSettingsDoNot() {
    PostgresOptions base = PostgresOptions.builder().fetchSize(5).build();
    PostgresOptions copy = base.toBuilder().fetchSize(7).build();
    assertThat(copy.fetchSize()).isEqualTo(7);
    assertThatThrownBy(() -> base.toBuilder().fetchSize(7).fetchSize(8))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("fetchSize(7) was already set; fetchSize(8)");
  }

  @Test
  void aRefusedTableNameLeavesTheBuilderAsItWas() {
    PostgresOptions.Builder b = PostgresOptions.builder().eventsTable("t");
    assertThatThrownBy(() -> b.snapshotsTable("t")).isInstanceOf(IllegalStateException.class);
    PostgresOptions afterRefusal = b.snapshotsTable("s").build();
    assertThat(afterRefusal.snapshotsTable()).as("the refused call set nothing").isEqualTo("s");
    assertThat(afterRefusal.eventsTable()).isEqualTo("t");
  }

  @Test
  void twoTablesOfOneNameContradictEachOther() {
    assertThatThrownBy(() -> PostgresOptions.builder().eventsTable("t").progressTable("t"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("progressTable(\"t\") contradicts eventsTable(\"t\"): two tables cannot share a name");
    assertThatThrownBy(() -> PostgresOptions.builder().progressTable("t").eventsTable("t"))
        .as("the setting being made is named first, whichever table it is")
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("eventsTable(\"t\") contradicts progressTable(\"t\"): two tables cannot share a name");
    // a table named like another's default may still be moved on: the clash counts at build()
    assertThat(
            PostgresOptions.builder().eventsTable("fabula_snapshots").snapshotsTable("snaps").build().eventsTable())
        .isEqualTo("fabula_snapshots");
    assertThatThrownBy(() -> PostgresOptions.builder().eventsTable("fabula_snapshots").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("snapshotsTable(\"fabula_snapshots\") (unset, so its default) contradicts "
            + "eventsTable(\"fabula_snapshots\"): two tables cannot share a name");
  }

  @Test
  void theReadModelsTableIsOneOfTheTables() {
    assertThat(PostgresOptions.defaults().readModelsTable()).isEqualTo("fabula_read_models");
    assertThat(PostgresOptions.builder().readModelsTable("rm").build().toBuilder().build().readModelsTable()).isEqualTo("rm");
    assertThatThrownBy(() -> PostgresOptions.builder().readModelsTable("Read-Models"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("read models table name");
    assertThatThrownBy(() -> PostgresOptions.builder().readModelsTable("fabula_progress").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("readModelsTable(\"fabula_progress\")")
        .hasMessageContaining("two tables cannot share a name");
  }
}
