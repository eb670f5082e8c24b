package dev.fabula.codec;

import dev.fabula.spi.Settings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Maps each event, command and snapshot name to the one Java type its payload decodes into, with
 * the payload's current revision and the upcasters that bring older revisions up to date.
 * Immutable and thread-safe; build one at start-up with {@link #builder()}.
 *
 * <p>Two kinds of upcaster evolve stored events without touching them: an {@link Upcaster}
 * reshapes one name's payload from one revision to the next, and an {@link EventUpcaster} reads an
 * event stored under an old name and revision as zero or more events of other names (renamed,
 * reshaped, split or dropped). Event stores apply both on every read ({@link #upcastEvent}), and
 * widen a query's name filter to the names a wanted event may be stored under ({@link
 * #storedNamesOf}). A name registered with a type that also has an event upcaster from its current
 * revision is a <em>legacy</em> name: events of it can still be written (a demo or a test writing
 * rows of the old shape), but every read returns what the upcaster makes of them.
 */
public final class CodecRegistry {
  /** Suffix of the names under which snapshot state types are registered. */
  public static final String SNAPSHOT_SUFFIX = ":snapshot";

  private final Map<String, Entry> entries;
  private final Map<Class<?>, String> namesByType;
  /** Event upcasters by the stored name and revision they read. */
  private final Map<String, Map<Integer, EventStep>> eventSteps;
  /** For each name an event upcaster returns, every name its events may be stored under. */
  private final Map<String, Set<String>> storedNames;

  private record Entry(Class<?> type, int revision, Map<Integer, Upcaster> upcasters) {}

  /** One registered event upcaster, with the names it declared and its registration as it reads. */
  private record EventStep(Set<String> targets, EventUpcaster upcaster, String description) {
    List<EventPayload> apply(EventPayload stored, boolean ofAggregate) {
      List<EventPayload> parts;
      try {
        parts = upcaster.upcast(stored);
      } catch (RuntimeException e) {
        throw new UpcasterException(description, "threw on " + describe(stored) + ": " + e, e);
      }
      if (parts == null) {
        throw new UpcasterException(description, "returned null for " + describe(stored), null);
      }
      if (ofAggregate && parts.size() != 1) {
        throw new UpcasterException(
            description,
            "returned " + parts.size() + " events for " + describe(stored) + " of an aggregate; an aggregate's"
                + " event keeps its version, which numbers the aggregate's history, so it must read as exactly one",
            null);
      }
      for (EventPayload part : parts) {
        if (part == null) {
          throw new UpcasterException(description, "returned a null event for " + describe(stored), null);
        }
        if (!targets.contains(part.name())) {
          throw new UpcasterException(
              description,
              "returned an event named '" + part.name() + "' for " + describe(stored)
                  + ", which is not among the names it declared, " + targets,
              null);
        }
      }
      return parts;
    }

    private static String describe(EventPayload stored) {
      return "'" + stored.name() + "' revision " + stored.revision();
    }
  }

  private CodecRegistry(
      Map<String, Entry> entries, Map<String, Map<Integer, EventStep>> eventSteps, Map<String, Set<String>> storedNames) {
    this.entries = Map.copyOf(entries);
    this.eventSteps = Map.copyOf(eventSteps);
    this.storedNames = Map.copyOf(storedNames);
    var byType = new HashMap<Class<?>, String>();
    entries.forEach((name, e) -> byType.putIfAbsent(e.type(), name));
    this.namesByType = Map.copyOf(byType);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The name under which the snapshot state of aggregates named {@code aggregateName} is kept. */
  public static String snapshotName(String aggregateName) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    return aggregateName + SNAPSHOT_SUFFIX;
  }

  /**
   * The type registered for {@code name}.
   *
   * @throws UnknownNameException when the name is not registered
   */
  public Class<?> type(String name) {
    Objects.requireNonNull(name, "name");
    return entry(name).type();
  }

  /** The type registered for {@code name}, if any. */
  public Optional<Class<?>> findType(String name) {
    Objects.requireNonNull(name, "name");
    Entry e = entries.get(name);
    return e == null ? Optional.empty() : Optional.of(e.type());
  }

  /** The first name registered for {@code type}, if any. */
  public Optional<String> findName(Class<?> type) {
    Objects.requireNonNull(type, "type");
    return Optional.ofNullable(namesByType.get(type));
  }

  /**
   * The current payload revision of {@code name} (1 unless registered otherwise).
   *
   * @throws UnknownNameException when the name is not registered
   */
  public int revision(String name) {
    Objects.requireNonNull(name, "name");
    return entry(name).revision();
  }

  /** Whether {@code name} is registered. */
  public boolean contains(String name) {
    Objects.requireNonNull(name, "name");
    return entries.containsKey(name);
  }

  /** Every registered name. */
  public Set<String> names() {
    return entries.keySet();
  }

  /**
   * Checks that {@code data} may be encoded under {@code name}.
   *
   * @throws UnknownNameException when the name is not registered
   * @throws PayloadException when {@code data} is not an instance of the registered type
   */
  public void checkEncodable(String name, Object data) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(name, "name");
    Class<?> type = type(name);
    if (!type.isInstance(data)) {
      throw new PayloadException(
          name,
          "expected " + type.getName() + " but got " + data.getClass().getName());
    }
  }

  /**
   * Brings a payload tree from {@code revision} up to the current revision of {@code name}.
   *
   * @throws PayloadException when the revision is newer than the current one or an upcaster step
   *     is missing
   */
  public Map<String, Object> upcast(String name, int revision, Map<String, Object> payload) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
    return upcast(name, revision, entry(name).revision(), payload);
  }

  /** {@code payload} of {@code name} brought from {@code revision} to {@code target}. */
  private Map<String, Object> upcast(String name, int revision, int target, Map<String, Object> payload) {
    Entry e = entry(name);
    if (revision > e.revision() || revision < 1) {
      throw new PayloadException(
          name,
          "stored revision " + revision + " is not between 1 and the current " + e.revision());
    }
    Map<String, Object> current = payload;
    for (int r = revision; r < target; r++) {
      Upcaster step = e.upcasters().get(r);
      if (step == null) {
        throw new PayloadException(
            name, "no upcaster from revision " + r + " to " + (r + 1) + " is registered");
      }
      current = Objects.requireNonNull(step.upcast(current), "upcaster result");
    }
    return current;
  }

  /** Whether any event upcaster is registered, so that stored names may differ from read ones. */
  public boolean upcastsEvents() {
    return !eventSteps.isEmpty();
  }

  /**
   * Whether events stored under {@code name}, at one revision or more, are read through an {@link
   * EventUpcaster}; if not, {@link Codec#decode(String, int, byte[])} reads them as they are.
   */
  public boolean hasEventUpcaster(String name) {
    Objects.requireNonNull(name, "name");
    return eventSteps.containsKey(name);
  }

  /**
   * Every name under which events may be stored that read as events named {@code name}: the name
   * itself and every name an {@link EventUpcaster} chain leads from to it. A store widens a query
   * for {@code name} to these names and keeps, after upcasting, the events that are {@code name}.
   */
  public Set<String> storedNamesOf(String name) {
    Objects.requireNonNull(name, "name");
    Set<String> names = storedNames.get(name);
    return names == null ? Set.of(name) : names;
  }

  /**
   * The events a stored event reads as: its {@link EventUpcaster}s and {@link Upcaster}s applied
   * in order until each result is of a registered name at its current revision. One result for an
   * event without event upcasters, any number (none included) with them; exactly one for an
   * aggregate's event.
   *
   * @param stored the event as stored
   * @param ofAggregate whether the event belongs to an aggregate: then every event upcaster on the
   *     way must return exactly one event
   *
   * @throws UnknownNameException when a name on the way is neither registered nor upcast
   * @throws PayloadException when a revision on the way is out of range or lacks an upcaster
   * @throws UpcasterException when an event upcaster throws or returns what it did not declare
   */
  public List<EventPayload> upcastEvent(EventPayload stored, boolean ofAggregate) {
    Objects.requireNonNull(stored, "stored");
    var out = new ArrayList<EventPayload>(1);
    evolve(stored, ofAggregate, out);
    return out;
  }

  /** Appends what {@code stored} reads as to {@code out}; ends because build() refused cycles. */
  private void evolve(EventPayload stored, boolean ofAggregate, List<EventPayload> out) {
    String name = stored.name();
    int revision = stored.revision();
    Map<String, Object> tree = stored.payload();
    while (true) {
      Map<Integer, EventStep> steps = eventSteps.get(name);
      @Nullable EventStep step = steps == null ? null : steps.get(revision);
      if (step != null) {
        for (EventPayload part : step.apply(new EventPayload(name, revision, tree), ofAggregate)) {
          evolve(part, ofAggregate, out);
        }
        return;
      }
      Entry e = entries.get(name);
      if (e == null) {
        if (steps != null) {
          throw new PayloadException(
              name, "no event upcaster reads revision " + revision + ", and the name has no type of its own");
        }
        throw new UnknownNameException(name);
      }
      if (revision == e.revision()) {
        out.add(new EventPayload(name, revision, tree));
        return;
      }
      tree = upcast(name, revision, revision + 1, tree);
      revision++;
    }
  }

  private Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new UnknownNameException(name);
    }
    return e;
  }

  /**
   * Collects registrations; each name, and each upcaster step, may be registered once: a second
   * registration fails at once with an {@link IllegalStateException} naming both.
   */
  public static final class Builder {
    private final Map<String, Class<?>> types = new LinkedHashMap<>();
    private final Map<String, Integer> revisions = new HashMap<>();
    private final Map<String, Map<Integer, Upcaster>> upcasters = new HashMap<>();
    private final Map<String, Map<Integer, EventStep>> eventSteps = new LinkedHashMap<>();

    private Builder() {}

    /** Registers {@code type} for {@code name} at revision 1. */
    public Builder register(String name, Class<?> type) {
      return register(name, type, 1);
    }

    /**
     * Registers {@code type} for {@code name}, whose payloads are now at {@code revision}.
     *
     * @throws IllegalArgumentException when the name is blank or the revision is below 1
     * @throws IllegalStateException when the name is already registered
     */
    public Builder register(String name, Class<?> type, int revision) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (revision < 1) {
        throw new IllegalArgumentException("revision must be at least 1, got " + revision);
      }
      Class<?> earlier = types.get(name);
      if (earlier != null) {
        throw Settings.repeated(
            Settings.call("register", name, earlier, revisions.get(name)),
            Settings.call("register", name, type, revision));
      }
      if (type.isPrimitive() || type.isInterface() && !type.isSealed()) {
        throw new IllegalArgumentException(
            "'" + name + "' needs a concrete type (a record or class), got " + type.getName());
      }
      types.put(name, type);
      revisions.put(name, revision);
      return this;
    }

    /** Registers the snapshot state type of aggregates named {@code aggregateName}. */
    public Builder registerSnapshot(String aggregateName, Class<?> stateType) {
      Objects.requireNonNull(aggregateName, "aggregateName");
      Objects.requireNonNull(stateType, "stateType");
      return register(snapshotName(aggregateName), stateType);
    }

    /**
     * Registers the step that turns payloads of {@code name} at {@code fromRevision} into the
     * shape of {@code fromRevision + 1}.
     *
     * @throws IllegalStateException when that step is already registered
     */
    public Builder upcaster(String name, int fromRevision, Upcaster upcaster) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(upcaster, "upcaster");
      var steps = upcasters.computeIfAbsent(name, n -> new HashMap<>());
      Upcaster earlier = steps.putIfAbsent(fromRevision, upcaster);
      if (earlier != null) {
        // The two calls differ only in their upcasters: name each (a lambda by its class).
        throw Settings.repeated(
            Settings.call("upcaster", name, fromRevision, earlier),
            Settings.call("upcaster", name, fromRevision, upcaster));
      }
      return this;
    }

    /**
     * Registers the upcaster that reads events stored as {@code oldName} at {@code oldRevision}:
     * each becomes the events {@code upcaster} returns, whose names must be among {@code
     * newNames} (declared here so that {@link #build()} can refuse cycles and stores can widen
     * name filters); an empty {@code newNames} declares an upcaster that drops such events. What
     * it returns is read on through the upcasters of the new names, so chains compose.
     *
     * @throws IllegalArgumentException when {@code oldRevision} is below 1, or {@code newNames}
     *     holds {@code oldName} (reshape within a name with {@link #upcaster}) or a blank name
     * @throws IllegalStateException when an event upcaster for that name and revision is already
     *     registered
     */
    public Builder eventUpcaster(String oldName, int oldRevision, Set<String> newNames, EventUpcaster upcaster) {
      Objects.requireNonNull(newNames, "newNames");
      Objects.requireNonNull(upcaster, "upcaster");
      return eventStep(
          oldName, oldRevision, newNames, upcaster,
          Settings.call("eventUpcaster", oldName, oldRevision, new TreeSetView(newNames), upcaster));
    }

    /**
     * Registers the usual event upcaster: events stored as {@code oldName} at {@code oldRevision}
     * read as one event named {@code newName} at {@code newRevision}, their payload reshaped by
     * {@code reshape} (which maps old field names and adds defaults); from there {@code newName}'s
     * own upcasters bring it to its current revision.
     *
     * @throws IllegalArgumentException when a revision is below 1 or the names are equal
     * @throws IllegalStateException when an event upcaster for that name and revision is already
     *     registered
     */
    public Builder eventUpcaster(
        String oldName, int oldRevision, String newName, int newRevision, Upcaster reshape) {
      Objects.requireNonNull(newName, "newName");
      Objects.requireNonNull(reshape, "reshape");
      if (newRevision < 1) {
        throw new IllegalArgumentException("newRevision must be at least 1, got " + newRevision);
      }
      EventUpcaster rename =
          stored -> List.of(new EventPayload(
              newName, newRevision, Objects.requireNonNull(reshape.upcast(stored.payload()), "reshaped payload")));
      return eventStep(
          oldName, oldRevision, Set.of(newName), rename,
          Settings.call("eventUpcaster", oldName, oldRevision, newName, newRevision, reshape));
    }

    private Builder eventStep(
        String oldName, int oldRevision, Set<String> newNames, EventUpcaster upcaster, String description) {
      Objects.requireNonNull(oldName, "oldName");
      if (oldName.isBlank()) {
        throw new IllegalArgumentException("oldName must not be blank");
      }
      if (oldRevision < 1) {
        throw new IllegalArgumentException("oldRevision must be at least 1, got " + oldRevision);
      }
      for (String n : newNames) {
        Objects.requireNonNull(n, "newNames holds null");
        if (n.isBlank()) {
          throw new IllegalArgumentException("newNames must not hold a blank name");
        }
        if (n.equals(oldName)) {
          throw new IllegalArgumentException(
              description + " returns its own name '" + oldName
                  + "': reshape within a name with upcaster(name, fromRevision, upcaster)");
        }
      }
      var steps = eventSteps.computeIfAbsent(oldName, n -> new TreeMap<>());
      EventStep earlier = steps.get(oldRevision);
      if (earlier != null) {
        throw Settings.repeated(earlier.description(), description);
      }
      steps.put(oldRevision, new EventStep(Set.copyOf(newNames), upcaster, description));
      return this;
    }

    /** A set that prints sorted, so that a registration reads the same on every run. */
    private record TreeSetView(Set<String> names) {
      @Override
      public String toString() {
        return new java.util.TreeSet<>(names).toString();
      }
    }

    /**
     * The registry.
     *
     * @throws IllegalStateException when an upcaster is registered for an unknown name or for a
     *     revision at or beyond the name's current one; when an event upcaster reads a revision
     *     above its name's registered one, or declares a name that is neither registered nor read
     *     by an event upcaster itself; or when event upcasters form a cycle (a name that leads
     *     back to itself, whatever the revisions)
     */
    public CodecRegistry build() {
      eventSteps.forEach(
          (name, steps) -> steps.forEach((revision, step) -> {
            Integer current = revisions.get(name);
            if (current != null && revision > current) {
              throw new IllegalStateException(
                  step.description() + " reads revision " + revision + " of '" + name
                      + "', which is registered at revision " + current + ": no such event is stored");
            }
            for (String target : new java.util.TreeSet<>(step.targets())) {
              if (!types.containsKey(target) && !eventSteps.containsKey(target)) {
                throw new IllegalStateException(
                    step.description() + " returns events named '" + target
                        + "', which is neither registered nor read by an event upcaster");
              }
            }
          }));
      Map<String, Set<String>> edges = new LinkedHashMap<>();
      eventSteps.forEach((name, steps) -> {
        var to = new java.util.TreeSet<String>();
        steps.values().forEach(step -> to.addAll(step.targets()));
        edges.put(name, to);
      });
      refuseCycles(edges);
      upcasters.forEach(
          (name, steps) -> {
            Integer current = revisions.get(name);
            if (current == null) {
              throw new IllegalStateException("upcaster registered for unknown name '" + name + "'");
            }
            steps.keySet().stream()
                .filter(r -> r < 1 || r >= current)
                .findAny()
                .ifPresent(
                    r -> {
                      throw new IllegalStateException(
                          "upcaster for '" + name + "' from revision " + r
                              + " does not lead to a revision at or below the current " + current);
                    });
          });
      var entries = new LinkedHashMap<String, Entry>();
      types.forEach(
          (name, type) ->
              entries.put(
                  name,
                  new Entry(
                      type, revisions.get(name), Map.copyOf(upcasters.getOrDefault(name, Map.of())))));
      var frozenSteps = new HashMap<String, Map<Integer, EventStep>>();
      eventSteps.forEach((name, steps) -> frozenSteps.put(name, Map.copyOf(steps)));
      return new CodecRegistry(entries, frozenSteps, storedNames(edges));
    }

    /** Refuses a path of event upcasters that leads from a name back to itself, naming it. */
    private static void refuseCycles(Map<String, Set<String>> edges) {
      Set<String> done = new HashSet<>();
      for (String start : edges.keySet()) {
        walk(start, edges, new ArrayList<>(), done);
      }
    }

    private static void walk(String name, Map<String, Set<String>> edges, List<String> path, Set<String> done) {
      int at = path.indexOf(name);
      if (at >= 0) {
        var cycle = new ArrayList<>(path.subList(at, path.size()));
        cycle.add(name);
        throw new IllegalStateException(
            "event upcasters form a cycle, " + String.join(" -> ", cycle)
                + ": an event stored under one of these names would be upcast forever");
      }
      if (done.contains(name)) {
        return;
      }
      path.add(name);
      for (String next : edges.getOrDefault(name, Set.of())) {
        walk(next, edges, path, done);
      }
      path.remove(path.size() - 1);
      done.add(name);
    }

    /** For each name an event upcaster leads to, that name and every name leading to it. */
    private static Map<String, Set<String>> storedNames(Map<String, Set<String>> edges) {
      Map<String, Set<String>> sources = new HashMap<>();
      for (String start : edges.keySet()) {
        var reached = new LinkedHashSet<String>();
        var todo = new ArrayList<>(edges.get(start));
        while (!todo.isEmpty()) {
          String next = todo.remove(todo.size() - 1);
          if (reached.add(next)) {
            todo.addAll(edges.getOrDefault(next, Set.of()));
          }
        }
        for (String target : reached) {
          sources.computeIfAbsent(target, t -> new java.util.TreeSet<>(Set.of(t))).add(start);
        }
      }
      Map<String, Set<String>> frozen = new HashMap<>();
      sources.forEach((name, names) -> frozen.put(name, java.util.Collections.unmodifiableSet(new LinkedHashSet<>(names))));
      return frozen;
    }
  }
}
