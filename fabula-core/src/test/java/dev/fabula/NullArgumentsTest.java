package dev.fabula;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.aggregate.Account;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.architecture.ModuleSurface;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.AggregateCommands;
import dev.fabula.command.AggregateTarget;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandError;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.event.Range;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.memory.InMemory;
import dev.fabula.projection.AbstractProjection;
import dev.fabula.projection.Lookup;
import dev.fabula.projection.ProgressStore;
import dev.fabula.projection.ProjectionService;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.TriggerOptions;
import dev.fabula.repository.History;
import dev.fabula.repository.Repository;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import dev.fabula.command.TestCodec;
import dev.fabula.workflow.Correlator;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every public entry point of fabula-core's API packages refuses {@code null} where it does not
 * document accepting it, before it does anything, with a {@link NullPointerException} or {@link
 * IllegalArgumentException} whose message names the parameter.
 *
 * <p>The sweep finds the public types by walking the compiled classes of fabula-core's API
 * packages (those its module descriptor exports to everyone; skipping exceptions), then calls
 * each public constructor and method once per reference parameter not marked {@code @Nullable},
 * with {@code null} there and ordinary values elsewhere. Receivers are the in-memory defaults (and the framework's own
 * implementations built over them); the event store they share must stay empty throughout. The
 * message must name the parameter, or for a one-parameter method the setting it makes ({@code
 * debounce(value)} may say "debounce"). Interfaces that applications implement (handlers,
 * projections, codecs) have no Fabula receiver and are left out, as are {@code Job} and {@code
 * Lookup.Entry}, which exist only inside a running job; the test prints what it left out.
 */
@Timeout(120)
class NullArgumentsTest {
  private static final Set<String> API_PACKAGES =
      ModuleSurface.ofThisModule().exports().stream()
          .filter(e -> !e.isQualified())
          .map(ModuleDescriptor.Exports::source)
          .collect(Collectors.toUnmodifiableSet());
  // Not dev.fabula.spi (exported to Fabula's own modules only): its checks run inside the
  // stores, after each store's entry point has checked its own arguments (swept here through the
  // in-memory stores and in the kit), and Arguments.requireNoNulls names whatever argument its
  // caller hands it.
  private static final UUID ID = UUID.fromString("01890000-0000-7000-8000-000000000001");

  private final EventStore store = InMemory.eventStore();
  private final EventBus bus = InMemory.eventBus();
  private final SnapshotStore snapshots = InMemory.snapshotStore();
  private final ProgressStore progress = InMemory.progressStore();
  private final List<AutoCloseable> opened = new ArrayList<>();
  /** How to make a receiver of each type whose methods are swept; built fresh per call. */
  private final Map<Class<?>, Supplier<?>> receivers = new LinkedHashMap<>();

  NullArgumentsTest() {
    receivers.put(EventStore.class, () -> store);
    receivers.put(EventBus.class, () -> bus);
    receivers.put(SnapshotStore.class, () -> snapshots);
    receivers.put(ProgressStore.class, () -> progress);
    receivers.put(Repository.class, () -> Repository.of(store, Account::new));
    receivers.put(Repository.Builder.class, () -> Repository.builder(store, Account::new));
    receivers.put(CommandBus.class, () -> open(CommandBuses.inProcess(CommandBusOptions.defaults())));
    receivers.put(Schedule.class, () -> open(Schedule.continuously(bus, store, Set.of("x"))));
    receivers.put(ProjectionService.class, () -> open(ProjectionService.create(bus)));
    receivers.put(EventQuery.Builder.class, EventQuery::builder);
    receivers.put(SnapshotQuery.Builder.class, SnapshotQuery::builder);
    receivers.put(CodecRegistry.Builder.class, CodecRegistry::builder);
    receivers.put(CodecRegistry.class, () -> CodecRegistry.builder().register("x", String.class).build());
    receivers.put(ScheduleOptions.Builder.class, ScheduleOptions::builder);
    receivers.put(AggregateCommands.Builder.class, AggregateCommands::builder);
    receivers.put(AggregateCommands.class, () -> AggregateCommands.<Account>builder().on("x", String.class, (a, c) -> {}).build());
    receivers.put(Lookup.Builder.class, Lookup::builder);
    receivers.put(Lookup.class, () -> Lookup.builder().on("x", String.class, (d, e) -> {}).build());
    receivers.put(AggregateRoot.class, () -> new Account(ID));
    receivers.put(AbstractProjection.class, () -> new AbstractProjection() {});
    receivers.put(WorkflowDefinition.Builder.class, () -> WorkflowDefinition.builder("w", String.class, ""));
    receivers.put(WorkflowDefinition.class, NullArgumentsTest::workflow);
    receivers.put(WorkflowService.Builder.class, this::workflowService);
    receivers.put(WorkflowService.class, () -> open(workflowService().add(workflow()).build()));
  }

  private static WorkflowDefinition<String> workflow() {
    return WorkflowDefinition.builder("w", String.class, "")
        .startsOn("x", String.class, Correlator.byAggregateId(), (context, event) -> {})
        .build();
  }

  private WorkflowService.Builder workflowService() {
    CodecRegistry registry =
        WorkflowService.registerProtocol(CodecRegistry.builder()).register("w:state", String.class).build();
    return WorkflowService.builder(
        store, bus, open(CommandBuses.inProcess(CommandBusOptions.defaults())), new TestCodec(registry));
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    store.close();
    bus.close();
    snapshots.close();
    progress.close();
  }

  private <T extends AutoCloseable> T open(T closeable) {
    opened.add(closeable);
    return closeable;
  }

  @Test
  void everyPublicEntryPointNamesTheNullArgument() throws Exception {
    List<String> failures = new ArrayList<>();
    List<String> uncovered = new ArrayList<>();
    int calls = 0;
    for (Class<?> type : apiTypes()) {
      List<Executable> entries = new ArrayList<>();
      if (!Modifier.isAbstract(type.getModifiers()) && !type.isInterface()) {
        entries.addAll(Arrays.asList(type.getConstructors()));
      }
      for (Method m : type.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && !m.isBridge() && !skipped(type, m)) {
          entries.add(m);
        }
      }
      entries.sort(Comparator.comparing(Executable::toGenericString));
      for (Executable entry : entries) {
        Parameter[] params = entry.getParameters();
        for (int i = 0; i < params.length; i++) {
          if (params[i].getType().isPrimitive() || params[i].getAnnotatedType().isAnnotationPresent(Nullable.class)) {
            continue;
          }
          Object[] args;
          Object receiver = null;
          try {
            args = arguments(params, i);
            if (entry instanceof Method m && !Modifier.isStatic(m.getModifiers())) {
              receiver = receiver(type);
            }
          } catch (CannotMake e) {
            uncovered.add(entry.toGenericString() + ": no " + e.getMessage());
            break;
          }
          calls++;
          String problem = callWithNull(entry, receiver, args, params[i].getName(), params.length == 1);
          if (problem != null) {
            failures.add(entry.toGenericString() + " with null " + params[i].getName() + ": " + problem);
          }
          if (store.lastPosition() != 0) {
            failures.add(entry.toGenericString() + " with null " + params[i].getName() + ": stored events");
            return;
          }
        }
      }
    }
    System.out.println("NullArgumentsTest: " + calls + " calls; not swept (no value to call them with):");
    uncovered.forEach(u -> System.out.println("  " + u));
    failures.forEach(f -> System.out.println("FAILURE " + f));
    assertThat(calls).as("calls made").isGreaterThan(150);
    assertThat(failures).as("entry points that do not name their null argument").isEmpty();
    assertThat(store.lastPosition()).isZero();
  }

  /** A null element in a batch is refused, naming the batch and the index, and stores nothing. */
  @Test
  void aNullElementInABatchIsRefusedAndNothingIsStored() {
    Event<?> ok = Event.create("x", "data");
    assertThatThrownBy(() -> store.insert(Arrays.asList(ok, null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events")
        .hasMessageContaining("1");
    assertThat(store.lastPosition()).isZero();
    assertThatThrownBy(() -> store.delete(Arrays.asList(ok, null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events");
    assertThatThrownBy(() -> bus.publish(Arrays.asList(null, ok)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events")
        .hasMessageContaining("0");
    Snapshot s = new Snapshot("x", ID, 1, Instant.EPOCH, "state");
    assertThatThrownBy(() -> snapshots.delete(Arrays.asList(s, null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("snapshots");
    assertThatThrownBy(() -> EventStoresHolder.publishing(store, bus).insert(Arrays.asList(ok, null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events");
    assertThat(store.lastPosition()).isZero();
  }

  /** {@code use(id, null)} fails before it reads the store. */
  @Test
  void useWithoutAnActionFailsBeforeFetching() {
    int[] reads = {0};
    EventStore counting = (EventStore) Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {EventStore.class}, (p, m, a) -> {
          if (m.getName().equals("query") || m.getName().equals("find")) {
            reads[0]++;
          }
          try {
            return m.invoke(store, a);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    Repository<Account> accounts = Repository.of(counting, Account::new);
    assertThatThrownBy(() -> accounts.use(ID, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("action");
    assertThatThrownBy(() -> accounts.use(null, a -> {})).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
    assertThat(reads[0]).as("reads of the store").isZero();
  }

  /** Keeps {@code EventStores} out of the imports' way of the sweep's own names. */
  private static final class EventStoresHolder {
    static EventStore publishing(EventStore store, EventBus bus) {
      return dev.fabula.event.EventStores.publishing(store, bus);
    }
  }

  private static boolean skipped(Class<?> type, Method m) {
    if (m.getName().equals("equals") && m.getParameterCount() == 1) {
      return true;
    }
    if (type.isEnum() && m.getName().equals("valueOf")) {
      return true; // generated
    }
    if (type.isRecord() && m.getParameterCount() == 0) {
      return true; // accessors
    }
    return false;
  }

  private @Nullable String callWithNull(
      Executable entry, @Nullable Object receiver, Object[] args, String name, boolean onlyParameter) {
    Throwable thrown;
    try {
      if (entry instanceof Constructor<?> c) {
        c.newInstance(args);
      } else {
        Object result = ((Method) entry).invoke(receiver, args);
        if (result instanceof Stream<?> s) {
          s.close();
        } else if (result instanceof AutoCloseable c && result != receiver && !(result instanceof EventStore)) {
          opened.add(c);
        }
      }
      return "accepted null";
    } catch (InvocationTargetException e) {
      thrown = e.getCause();
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      // IllegalArgumentException here comes from reflection (the method's own is wrapped).
      return "could not call with " + Arrays.toString(args) + " on " + receiver + ": " + e;
    }
    if (!(thrown instanceof NullPointerException) && !(thrown instanceof IllegalArgumentException)) {
      return "threw " + thrown;
    }
    String message = thrown.getMessage();
    if (message != null && message.contains(" because \"")) {
      // The JVM's own message names a local variable somewhere inside: not a guard at the door.
      return "threw the JVM's " + thrown + " from inside instead of checking '" + name + "' first";
    }
    if (message == null || !(names(message, name) || onlyParameter && names(message, setting(entry)))) {
      return "threw " + thrown + ", whose message does not name '" + name + "'";
    }
    return null;
  }

  /** Whether {@code message} names {@code name}: "aggregate name" names aggregateName too. */
  private static boolean names(String message, String name) {
    return message.replace(" ", "").toLowerCase().contains(name.toLowerCase());
  }

  /**
   * What a one-parameter method sets, which names its argument as well as the parameter does:
   * {@code debounce(value)} is named by "debounce", {@code withTime(newTime)} by "time".
   */
  private static String setting(Executable entry) {
    String n = entry instanceof Constructor<?> ? entry.getDeclaringClass().getSimpleName() : entry.getName();
    return n.startsWith("with") && n.length() > 4 ? n.substring(4) : n;
  }

  private Object receiver(Class<?> type) {
    Supplier<?> s = receivers.get(type);
    if (s != null) {
      return s.get();
    }
    if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      throw new CannotMake("receiver for " + type.getName());
    }
    return make(type);
  }

  private Object[] arguments(Parameter[] params, int nullAt) {
    Object[] args = new Object[params.length];
    for (int i = 0; i < params.length; i++) {
      args[i] = i == nullAt ? null : make(params[i].getType());
    }
    return args;
  }

  /** An ordinary, valid value of {@code type}. */
  private Object make(Class<?> type) {
    if (type == boolean.class || type == Boolean.class) {
      return false;
    }
    if (type == int.class || type == Integer.class) {
      return 1;
    }
    if (type == long.class || type == Long.class) {
      return 1L;
    }
    if (type == double.class || type == Double.class) {
      return 1.0;
    }
    if (type == String.class || type == Object.class || type == CharSequence.class) {
      return "x";
    }
    if (type == UUID.class) {
      return ID;
    }
    if (type == Instant.class) {
      return Instant.EPOCH;
    }
    if (type == Duration.class) {
      return Duration.ofSeconds(1);
    }
    if (type == InstantSource.class) {
      return InstantSource.system();
    }
    if (type == Comparable.class) {
      return 1;
    }
    if (type == Class.class) {
      return String.class;
    }
    if (type == List.class || type == Collection.class || type == Iterable.class) {
      return List.of();
    }
    if (type == Set.class) {
      return Set.of("x");
    }
    if (type == Map.class) {
      return new HashMap<>(Map.of("k", "v"));
    }
    if (type.isAssignableFrom(RuntimeException.class)) {
      return new RuntimeException("x");
    }
    if (type.isArray()) {
      return Array.newInstance(type.getComponentType(), 0);
    }
    if (type.isEnum()) {
      return type.getEnumConstants()[0];
    }
    Object known = known(type);
    if (known != null) {
      return known;
    }
    if (receivers.containsKey(type)) {
      return receivers.get(type).get();
    }
    if (type.isInterface() && type.getName().startsWith("java.util.function.")
        || type.isInterface() && type.getPackageName().startsWith("dev.fabula")) {
      return doNothing(type);
    }
    throw new CannotMake(type.getName());
  }

  private static @Nullable Object known(Class<?> type) {
    if (type == Event.class) {
      return Event.create("x", "data");
    }
    if (type == Metadata.class) {
      return Metadata.empty();
    }
    if (type == EventQuery.class) {
      return EventQuery.all();
    }
    if (type == SnapshotQuery.class) {
      return SnapshotQuery.builder().build();
    }
    if (type == Snapshot.class) {
      return new Snapshot("x", ID, 1, Instant.EPOCH, "state");
    }
    if (type == AggregateRef.class) {
      return new AggregateRef("x", ID, 1);
    }
    if (type == AggregateSelector.class) {
      return AggregateSelector.anyId("x");
    }
    if (type == Range.class) {
      return new Range<>(1, 2);
    }
    if (type == SortOrder.class) {
      return SortOrder.asc(SortField.TIME);
    }
    if (type == History.class) {
      return new History("account", ID, List.of());
    }
    if (type == AggregateSelector.AnyId.class) {
      return new AggregateSelector.AnyId("x");
    }
    if (type == AggregateSelector.Exact.class) {
      return new AggregateSelector.Exact("x", ID);
    }
    if (type == AggregateTarget.class) {
      return new AggregateTarget("x", ID);
    }
    if (type == CommandError.class) {
      return CommandError.of(new RuntimeException("x"));
    }
    if (type == Command.class) {
      return Command.create("x", "payload");
    }
    if (type == RetryPolicy.class) {
      return RetryPolicy.defaults();
    }
    if (type == SubscriptionOptions.class) {
      return SubscriptionOptions.defaults();
    }
    if (type == CommandBusOptions.class) {
      return CommandBusOptions.defaults();
    }
    if (type == DispatchOptions.class || type == DispatchOptions.Sync.class) {
      return DispatchOptions.sync();
    }
    if (type == DispatchOptions.Async.class) {
      return DispatchOptions.async();
    }
    if (type == ScheduleOptions.class) {
      return ScheduleOptions.defaults();
    }
    if (type == TriggerOptions.class) {
      return TriggerOptions.defaults();
    }
    return null;
  }

  /** An implementation of {@code type} (an interface) whose methods do nothing. */
  private static Object doNothing(Class<?> type) {
    return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "do-nothing " + type.getSimpleName();
        default:
          break;
      }
      Class<?> r = method.getReturnType();
      if (r == boolean.class) {
        return false;
      }
      if (r.isPrimitive() && r != void.class) {
        return r == long.class ? 0L : 0;
      }
      return null;
    });
  }

  /** The public types of the API packages, from fabula-core's compiled classes. */
  private static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Path.of(FabulaException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    TreeSet<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
        String relative = root.relativize(p).toString();
        names.add(relative.substring(0, relative.length() - ".class".length()).replace('/', '.').replace('\\', '.'));
      });
    }
    List<Class<?>> types = new ArrayList<>();
    for (String name : names) {
      if (name.endsWith("package-info") || name.endsWith("module-info")) {
        continue;
      }
      Class<?> c = Class.forName(name, false, NullArgumentsTest.class.getClassLoader());
      if (!API_PACKAGES.contains(c.getPackageName())
          || c.isAnonymousClass()
          || c.isSynthetic()
          || Throwable.class.isAssignableFrom(c)
          || !isPublicAllTheWay(c)) {
        continue;
      }
      types.add(c);
    }
    return types;
  }

  private static boolean isPublicAllTheWay(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static final class CannotMake extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CannotMake(String what) {
      super(what, null, false, false);
    }
  }
}
