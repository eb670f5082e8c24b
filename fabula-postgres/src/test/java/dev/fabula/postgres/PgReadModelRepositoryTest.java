package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.UnknownNameException;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.postgres.PostgresOptions.SchemaPolicy;
import dev.fabula.proxy.CuttingProxy;
import dev.fabula.readmodel.ReadModelDecodingException;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.State;
import dev.fabula.tck.TckData.Tally;
import dev.fabula.tck.readmodel.ReadModelRepositoryConformance;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The kit's read-model suite on a real PostgreSQL server, and PostgreSQL's own cases. */
class PgReadModelRepositoryTest extends ReadModelRepositoryConformance {
  private static final TestDatabase DB = TestDatabase.create();
  private static final ReadModelOptions<String, Tally> TALLIES = ReadModelOptions.of(TckData.TALLY, Tally.class, Tally::id);

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected ReadModelRepository<String, Tally> newRepository(ReadModelOptions<String, Tally> options) {
    return Postgres.readModels(DB.dataSource(), TestDatabase.codec(), options, DB.freshTables());
  }

  @Test
  void keepsEveryKindInOneTableKeyedByKindAndId() {
    PostgresOptions o = DB.freshTables();
    var registry = TckData.registerAll(CodecRegistry.builder()).register("other.tally", Tally.class).build();
    var tallies = Postgres.readModels(DB.dataSource(), JacksonCodec.create(registry), TALLIES, o);
    var others = Postgres.readModels(
        DB.dataSource(), JacksonCodec.create(registry), ReadModelOptions.of("other.tally", Tally.class, Tally::id), o);
    tallies.save(new Tally("t1", 1, List.of("a")));
    others.save(new Tally("t1", 2, List.of("b")));
    assertThat(tallies.fetch("t1")).isEqualTo(new Tally("t1", 1, List.of("a")));
    assertThat(others.fetch("t1")).isEqualTo(new Tally("t1", 2, List.of("b")));
    assertThat(tallies.delete("t1")).isTrue();
    assertThat(others.find("t1")).isPresent();
    assertThat(query("SELECT kind || ' ' || id || ' ' || data_revision || ' ' || (data->>'count')"
        + " FROM " + o.schema() + "." + o.readModelsTable())).isEqualTo("other.tally t1 1 2");
  }

  @Test
  void theCodecMustKnowTheNameWithTheModelsType() {
    var without = JacksonCodec.create(CodecRegistry.builder().register(TckData.ALPHA, TckData.Alpha.class).build());
    assertThatThrownBy(() -> Postgres.readModels(DB.dataSource(), without, TALLIES, DB.freshTables()))
        .isInstanceOfSatisfying(UnknownNameException.class, e -> assertThat(e.name()).isEqualTo(TckData.TALLY));
    var other = JacksonCodec.create(CodecRegistry.builder().register(TckData.TALLY, State.class).build());
    assertThatThrownBy(() -> Postgres.readModels(DB.dataSource(), other, TALLIES, DB.freshTables()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TckData.TALLY)
        .hasMessageContaining(State.class.getName())
        .hasMessageContaining(Tally.class.getName());
  }

  @Test
  void aRowEditedIntoAnotherShapeIsAnErrorNamingTheKindAndTheId() {
    PostgresOptions o = DB.freshTables();
    var repo = Postgres.readModels(DB.dataSource(), TestDatabase.codec(), TALLIES, o);
    repo.save(Tally.empty("t1"));
    repo.save(Tally.empty("t2"));
    DB.exec("UPDATE " + o.schema() + "." + o.readModelsTable() + " SET data = '[1, 2]' WHERE id = 't1'");
    assertThatThrownBy(() -> repo.fetch("t1"))
        .isInstanceOfSatisfying(ReadModelDecodingException.class, e -> {
          assertThat(e.name()).isEqualTo(TckData.TALLY);
          assertThat(e.id()).isEqualTo("t1");
        })
        .hasMessageContaining("tck.tally read model t1");
    DB.exec("UPDATE " + o.schema() + "." + o.readModelsTable() + " SET data = '{\"id\": \"t2\", \"count\": \"many\"}'"
        + " WHERE id = 't2'");
    assertThatThrownBy(() -> repo.use("t2", t -> t.plus("x")))
        .isInstanceOf(ReadModelDecodingException.class)
        .hasMessageContaining("t2");
    repo.save(Tally.empty("t1")); // a save replaces the undecodable model
    assertThat(repo.fetch("t1")).isEqualTo(Tally.empty("t1"));
  }

  @Test
  void aTableOfAnotherShapeIsRefusedAndValidateCreatesNothing() {
    PostgresOptions o = DB.freshTables();
    DB.exec("CREATE TABLE " + o.schema() + "." + o.readModelsTable() + " (kind text, id uuid, data json)");
    assertThatThrownBy(() -> Postgres.readModels(DB.dataSource(), TestDatabase.codec(), TALLIES, o))
        .isInstanceOfSatisfying(PostgresSchemaException.class, e -> assertThat(e.getMessage())
            .contains("does not have the shape")
            .contains("column id is uuid, expected text")
            .contains("column revision is missing"));
    PostgresOptions validate = DB.freshTables().toBuilder().schemaPolicy(SchemaPolicy.VALIDATE).build();
    assertThatThrownBy(() -> Postgres.readModels(DB.dataSource(), TestDatabase.codec(), TALLIES, validate))
        .isInstanceOfSatisfying(PostgresSchemaException.class, e -> {
          assertThat(e.getMessage()).contains(validate.schema() + "." + validate.readModelsTable()).contains("does not exist");
          assertThat(e.ddl()).contains("PRIMARY KEY (kind, id)");
        });
  }

  @Test
  void anIdOrModelWithANulCharacterIsRefusedBeforeSqlSeesIt() {
    var repo = Postgres.readModels(DB.dataSource(), TestDatabase.codec(), TALLIES, DB.freshTables());
    assertThatThrownBy(() -> repo.save(Tally.empty("t\0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> repo.find("t\0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
    assertThatThrownBy(() -> repo.save(new Tally("t1", 0, List.of("a\0b"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tck.tally read model t1")
        .hasMessageContaining("NUL");
    assertThat(repo.find("t1")).isEmpty();
  }

  @Test
  void aConnectionLostDuringAnOperationIsAConnectionExceptionAndTheNextCallWorks() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (var proxy = new CuttingProxy(Pg.serverOf(TestDatabase.url()));
        var viaProxy = Postgres.dataSource(proxy.url(TestDatabase.url()), Duration.ofSeconds(2))) {
      var repo = Postgres.readModels(viaProxy, TestDatabase.codec(), TALLIES, o);
      repo.save(Tally.empty("t1"));
      proxy.arm(CuttingProxy.Cut.BEFORE_SENDING, "SELECT revision");
      assertThatThrownBy(() -> repo.fetch("t1"))
          .isInstanceOf(PostgresConnectionException.class)
          .hasMessageContaining("reading the tck.tally read model t1");
      assertThat(proxy.cutDone()).isTrue();
      assertThat(repo.fetch("t1")).isEqualTo(Tally.empty("t1"));
    }
  }

  private static String query(String sql) {
    try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
