package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.ReadModelStorage;
import dev.fabula.spi.StoredReadModels;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Read models of one kind in the options' read models table, which holds every kind: one row per
 * (kind, id), the model as JSONB. Each operation is one statement, atomic on its own: create is an
 * insert that the primary key turns into nothing when a model exists; replace is an update whose
 * {@code WHERE} holds the expected revision, so it changes no row when another writer came first
 * (PostgreSQL re-checks the condition on the row's newest version after waiting for a concurrent
 * writer's lock, so two replaces of one revision never both succeed).
 */
final class PgReadModelStorage<M> implements ReadModelStorage<M> {
  private final DataSource ds;
  private final Codec codec;
  private final ReadModelOptions<?, M> options;
  private final String table;
  private final String server;

  PgReadModelStorage(DataSource ds, Codec codec, ReadModelOptions<?, M> options, PostgresOptions pg) {
    StoredReadModels.requireRegistered(codec, options);
    this.ds = ds;
    this.codec = codec;
    this.options = options;
    this.table = pg.schema() + "." + pg.readModelsTable();
    this.server = Pg.server(ds);
    Schema.ensure(ds, pg, Schema.readModels(pg));
  }

  @Override
  public Optional<Stored<M>> read(String key) {
    checkKey(key);
    int dataRevision;
    long revision;
    byte[] json;
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT revision, data_revision, data FROM " + table + " WHERE kind = ? AND id = ?")) {
      ps.setString(1, options.name());
      ps.setString(2, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        revision = rs.getLong(1);
        dataRevision = rs.getInt(2);
        json = rs.getBytes(3);
      }
    } catch (SQLException e) {
      throw Pg.translate(e, doing("reading", key), server);
    }
    return Optional.of(new Stored<>(StoredReadModels.decode(codec, options, key, dataRevision, json), revision));
  }

  @Override
  public boolean create(String key, M model, long revision) {
    String json = encode(key, model);
    return update(
        "INSERT INTO " + table + " (kind, id, revision, data_revision, data) VALUES (?, ?, ?, ?, ?::jsonb)"
            + " ON CONFLICT (kind, id) DO NOTHING",
        doing("creating", key), key, revision, json, null) == 1;
  }

  @Override
  public boolean replace(String key, M model, long expected, long revision) {
    String json = encode(key, model);
    return update(
        "UPDATE " + table + " SET revision = ?, data_revision = ?, data = ?::jsonb"
            + " WHERE kind = ? AND id = ? AND revision = ?",
        doing("replacing", key), key, revision, json, expected) == 1;
  }

  @Override
  public void put(String key, M model, long revision) {
    String json = encode(key, model);
    update(
        "INSERT INTO " + table + " (kind, id, revision, data_revision, data) VALUES (?, ?, ?, ?, ?::jsonb)"
            + " ON CONFLICT (kind, id) DO UPDATE SET revision = EXCLUDED.revision,"
            + " data_revision = EXCLUDED.data_revision, data = EXCLUDED.data",
        doing("saving", key), key, revision, json, null);
  }

  /**
   * Runs an insert ({@code expected} null: kind, id, revision, data revision, data) or the replace
   * (revision, data revision, data, kind, id, expected); returns the rows changed.
   */
  private int update(String sql, String doing, String key, long revision, String json, @Nullable Long expected) {
    int dataRevision = codec.registry().revision(options.name());
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      if (expected == null) {
        ps.setString(1, options.name());
        ps.setString(2, key);
        ps.setLong(3, revision);
        ps.setInt(4, dataRevision);
        ps.setString(5, json);
      } else {
        ps.setLong(1, revision);
        ps.setInt(2, dataRevision);
        ps.setString(3, json);
        ps.setString(4, options.name());
        ps.setString(5, key);
        ps.setLong(6, expected);
      }
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw Pg.translate(e, doing, server);
    }
  }

  @Override
  public boolean remove(String key) {
    checkKey(key);
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE kind = ? AND id = ?")) {
      ps.setString(1, options.name());
      ps.setString(2, key);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw Pg.translate(e, doing("deleting", key), server);
    }
  }

  private String encode(String key, M model) {
    checkKey(key);
    return new String(StoredReadModels.encode(codec, options, key, model), StandardCharsets.UTF_8);
  }

  /** PostgreSQL's text cannot hold NUL; every other id is kept verbatim (it is a parameter). */
  private void checkKey(String key) {
    EventLimits.checkText("the id of a " + options.name() + " read model", key);
  }

  private String doing(String verb, String key) {
    return verb + " the " + options.name() + " read model " + key + " in " + table;
  }

  @Override
  public String toString() {
    return "PostgreSQL table " + table + " (kind " + options.name() + ")";
  }
}
