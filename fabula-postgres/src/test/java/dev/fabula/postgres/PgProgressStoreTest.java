package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.projection.ProgressStore;
import dev.fabula.tck.projection.ProgressStoreConformance;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The kit's progress store suite on a real PostgreSQL server. */
class PgProgressStoreTest extends ProgressStoreConformance {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected ProgressStore newStore() {
    return Postgres.progressStore(DB.dataSource(), DB.freshTables());
  }

  @Test
  void refusesAProjectionNameWithANulCharacterBeforeAnySqlSeesIt() {
    try (ProgressStore store = newStore()) {
      for (ThrowingCallable call : List.<ThrowingCallable>of(
          () -> store.position("cata\0log"), () -> store.advance("cata\0log", 0, 5), () -> store.reset("cata\0log"))) {
        assertThatThrownBy(call)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("projection name")
            .hasMessageContaining("NUL");
      }
    }
  }
}
