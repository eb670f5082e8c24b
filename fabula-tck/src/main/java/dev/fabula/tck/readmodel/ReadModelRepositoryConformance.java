package dev.fabula.tck.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.readmodel.ReadModelConflictException;
import dev.fabula.readmodel.ReadModelNotFoundException;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Tally;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite for {@link ReadModelRepository} implementations. Extend it in the
 * backend's tests and return from {@link #newRepository} a repository over storage that is empty
 * for the test (a fresh collection, table or database); every test must pass, none is skipped.
 * Models are the kit's {@link Tally}, registered in {@link TckData#registry()} as {@link
 * TckData#TALLY}.
 *
 * <p>Checks: what is saved is read back equal; a missing model is {@code find}-empty, a {@link
 * ReadModelNotFoundException} from {@code fetch} and {@code use} without a factory, and the
 * factory's (unsaved by {@code fetch}) with one; {@code save} replaces; {@code delete} says whether
 * there was a model; {@code use} stores nothing when its function fails or changes the id, writes
 * nothing when its function returns the stored model itself but stores a factory-made one, loses no
 * update under concurrent uses, is not fooled by a delete (and re-save) in between, and gives up with
 * {@link ReadModelConflictException} after its attempts; ids with characters that mean something to
 * a query language are kept verbatim; bad arguments are refused.
 */
public abstract class ReadModelRepositoryConformance {
  /** Threads of the concurrency test. */
  private static final int WRITERS = 8;

  /** Uses per thread in the concurrency test. */
  private static final int USES_PER_WRITER = 25;

  /** A repository with {@code options} over storage that no other test uses (empty at first). */
  protected abstract ReadModelRepository<String, Tally> newRepository(ReadModelOptions<String, Tally> options);

  private final String name = TckData.TALLY;

  private ReadModelOptions<String, Tally> plain() {
    return ReadModelOptions.of(name, Tally.class, Tally::id);
  }

  private ReadModelOptions<String, Tally> withFactory() {
    return plain().withFactory(Tally::empty);
  }

  private static String id() {
    return "tally-" + UUID.randomUUID();
  }

  @Test
  void whatIsSavedIsReadBackEqual() {
    var repo = newRepository(plain());
    Tally t = new Tally(id(), 3, List.of("a", "b", "é ü 日本"));
    repo.save(t);
    assertThat(repo.find(t.id())).contains(t);
    assertThat(repo.fetch(t.id())).isEqualTo(t);
    assertThat(repo.options().name()).isEqualTo(name);
  }

  @Test
  void aMissingModelIsNotFound() {
    var repo = newRepository(plain());
    String id = id();
    assertThat(repo.find(id)).isEmpty();
    assertThatThrownBy(() -> repo.fetch(id))
        .isInstanceOfSatisfying(ReadModelNotFoundException.class, e -> {
          assertThat(e.id()).isEqualTo(id);
          assertThat(e.name()).isEqualTo(name);
        });
    assertThatThrownBy(() -> repo.use(id, t -> t.plus("x"))).isInstanceOf(ReadModelNotFoundException.class);
    assertThat(repo.find(id)).isEmpty();
  }

  @Test
  void fetchMakesAMissingModelWithTheFactoryWithoutStoringIt() {
    var repo = newRepository(withFactory());
    String id = id();
    assertThat(repo.fetch(id)).isEqualTo(Tally.empty(id));
    assertThat(repo.find(id)).isEmpty();
  }

  @Test
  void useMakesAMissingModelWithTheFactoryAndStoresTheResult() {
    var repo = newRepository(withFactory());
    String id = id();
    Tally stored = repo.use(id, t -> t.plus("first"));
    assertThat(stored).isEqualTo(new Tally(id, 1, List.of("first")));
    assertThat(repo.find(id)).contains(stored);
    assertThat(repo.use(id, t -> t.plus("second"))).isEqualTo(new Tally(id, 2, List.of("first", "second")));
  }

  @Test
  void saveReplacesTheStoredModel() {
    var repo = newRepository(plain());
    String id = id();
    repo.save(new Tally(id, 1, List.of("old")));
    repo.save(new Tally(id, 7, List.of("new")));
    assertThat(repo.fetch(id)).isEqualTo(new Tally(id, 7, List.of("new")));
  }

  @Test
  void deleteRemovesTheModelAndSaysWhetherThereWasOne() {
    var repo = newRepository(plain());
    String id = id();
    String other = id();
    repo.save(Tally.empty(id));
    repo.save(Tally.empty(other));
    assertThat(repo.delete(id)).isTrue();
    assertThat(repo.delete(id)).isFalse();
    assertThat(repo.find(id)).isEmpty();
    assertThat(repo.find(other)).contains(Tally.empty(other));
  }

  @Test
  void aFailingUpdateStoresNothing() {
    var repo = newRepository(plain());
    String id = id();
    repo.save(new Tally(id, 5, List.of()));
    var failure = new IllegalStateException("the update failed");
    assertThatThrownBy(() -> repo.use(id, t -> {
          throw failure;
        }))
        .isSameAs(failure);
    assertThat(repo.fetch(id)).isEqualTo(new Tally(id, 5, List.of()));
  }

  @Test
  void anUpdateThatChangesTheIdOrReturnsNullIsRefusedAndStoresNothing() {
    var repo = newRepository(withFactory());
    String id = id();
    repo.save(new Tally(id, 5, List.of()));
    assertThatThrownBy(() -> repo.use(id, t -> new Tally("another", 6, List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another")
        .hasMessageContaining(id);
    assertThatThrownBy(() -> repo.use(id, t -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
    assertThat(repo.fetch(id)).isEqualTo(new Tally(id, 5, List.of()));
    assertThat(repo.find("another")).isEmpty();
  }

  @Test
  void anUpdateReturningTheStoredModelItselfWritesNothing() {
    var repo = newRepository(plain());
    String id = id();
    repo.save(new Tally(id, 5, List.of("stored")));
    var calls = new AtomicInteger();
    // Another writer saves during the update: had the use written, its write would have lost to
    // that save and the use would have started over (a second call).
    Tally result = repo.use(id, t -> {
      if (calls.incrementAndGet() == 1) {
        repo.save(new Tally(id, 9, List.of("other")));
      }
      return t;
    });
    assertThat(calls).as("calls of the update").hasValue(1);
    assertThat(result).isEqualTo(new Tally(id, 5, List.of("stored")));
    assertThat(repo.fetch(id)).as("the other writer's model, not overwritten").isEqualTo(new Tally(id, 9, List.of("other")));
  }

  @Test
  void aModelFromTheFactoryIsStoredEvenWhenTheUpdateReturnsItUnchanged() {
    var repo = newRepository(withFactory());
    String id = id();
    Tally result = repo.use(id, t -> t);
    assertThat(result).isEqualTo(Tally.empty(id));
    assertThat(repo.find(id)).contains(Tally.empty(id));
  }

  @Test
  void concurrentUsesLoseNoUpdate() throws Exception {
    var repo = newRepository(withFactory().withMaxAttempts(100_000));
    String id = id();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      var start = new CountDownLatch(1);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        String label = "w" + w;
        writers.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < USES_PER_WRITER; i++) {
            repo.use(id, t -> t.plus(label));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : writers) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    Tally result = repo.fetch(id);
    assertThat(result.count()).isEqualTo((long) WRITERS * USES_PER_WRITER);
    assertThat(result.labels()).hasSize(WRITERS * USES_PER_WRITER);
    for (int w = 0; w < WRITERS; w++) {
      assertThat(result.labels()).filteredOn(("w" + w)::equals).hasSize(USES_PER_WRITER);
    }
  }

  @Test
  void aDeleteAndSaveDuringAUseMakesItStartOverFromTheNewModel() {
    var repo = newRepository(plain());
    String id = id();
    repo.save(new Tally(id, 1, List.of("first")));
    var interfered = new AtomicBoolean();
    var calls = new AtomicInteger();
    Tally result = repo.use(id, t -> {
      calls.incrementAndGet();
      if (interfered.compareAndSet(false, true)) {
        // Another writer deletes the model and saves a new one with the same id meanwhile.
        repo.delete(id);
        repo.save(new Tally(id, 1, List.of("recreated")));
      }
      return t.plus("used");
    });
    assertThat(calls).hasValue(2);
    assertThat(result).isEqualTo(new Tally(id, 2, List.of("recreated", "used")));
    assertThat(repo.fetch(id)).isEqualTo(result);
  }

  @Test
  void aDeleteDuringAUseMakesItStartOverFromTheFactoryOrNotFound() {
    var repo = newRepository(withFactory());
    String id = id();
    repo.save(new Tally(id, 5, List.of("old")));
    var deleted = new AtomicBoolean();
    Tally result = repo.use(id, t -> {
      if (deleted.compareAndSet(false, true)) {
        repo.delete(id); // another writer deletes the model meanwhile
      }
      return t.plus("used");
    });
    assertThat(result).isEqualTo(new Tally(id, 1, List.of("used")));
    assertThat(repo.fetch(id)).isEqualTo(result);

    var plain = newRepository(plain());
    String other = id();
    plain.save(new Tally(other, 5, List.of("old")));
    assertThatThrownBy(() -> plain.use(other, t -> {
          plain.delete(other);
          return t.plus("used");
        }))
        .isInstanceOf(ReadModelNotFoundException.class);
    assertThat(plain.find(other)).as("the deleted model stays deleted").isEmpty();
  }

  @Test
  void aSaveDuringEveryAttemptEndsInAConflictAndKeepsTheOtherWritersModel() {
    var repo = newRepository(plain().withMaxAttempts(3));
    String id = id();
    repo.save(new Tally(id, 0, List.of()));
    var calls = new AtomicInteger();
    assertThatThrownBy(() -> repo.use(id, t -> {
          int n = calls.incrementAndGet();
          repo.save(new Tally(id, 100 + n, List.of("other")));
          return t.plus("lost");
        }))
        .isInstanceOfSatisfying(ReadModelConflictException.class, e -> {
          assertThat(e.attempts()).isEqualTo(3);
          assertThat(e.id()).isEqualTo(id);
        });
    assertThat(calls).hasValue(3);
    assertThat(repo.fetch(id)).isEqualTo(new Tally(id, 103, List.of("other")));
  }

  @Test
  void idsAndLabelsThatMeanSomethingToAQueryLanguageAreKeptVerbatim() {
    var repo = newRepository(plain());
    List<String> ids =
        List.of("$where", "a.b", "{\"$gt\": \"\"}", "it's \"quoted\"", "' OR '1'='1", "back\\slash", "with space", "日本");
    for (String id : ids) {
      repo.save(new Tally(id, id.length(), List.of(id, "$set", "x.y")));
    }
    for (String id : ids) {
      assertThat(repo.fetch(id)).isEqualTo(new Tally(id, id.length(), List.of(id, "$set", "x.y")));
    }
    assertThat(repo.delete("$where")).isTrue();
    assertThat(repo.find("$where")).isEmpty();
    assertThat(repo.find("a.b")).isPresent();
  }

  @Test
  void badArgumentsAreRefused() {
    var repo = newRepository(plain());
    assertThatThrownBy(() -> repo.find(nullString())).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> repo.fetch(nullString())).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> repo.delete(nullString())).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> repo.save(nullTally())).isInstanceOf(NullPointerException.class).hasMessageContaining("model");
    assertThatThrownBy(() -> repo.use(id(), null)).isInstanceOf(NullPointerException.class).hasMessageContaining("update");
    assertThatThrownBy(() -> repo.save(new Tally(null, 0, List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returned null");
  }

  @SuppressWarnings("NullAway")
  private static String nullString() {
    return null;
  }

  @SuppressWarnings("NullAway")
  private static Tally nullTally() {
    return null;
  }
}
