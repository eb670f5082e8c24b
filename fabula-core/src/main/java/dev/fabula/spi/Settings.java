package dev.fabula.spi;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Refuses a builder setting that is made twice or that contradicts another, so that every
 * Fabula builder fails fast at the setter, with an {@link IllegalStateException} naming both
 * settings. For Fabula's own builders, not for application code.
 *
 * <p>The exceptions are returned, not thrown, so that a caller builds the message only when it
 * fails: {@code if (set) throw Settings.repeated(...)}.
 */
public final class Settings {
  private Settings() {}

  /**
   * Refuses a single-valued setting made a second time: {@code setting(earlier) was already set;
   * setting(attempt) would replace it}.
   *
   * @throws IllegalStateException when {@code alreadySet}
   */
  public static void requireUnset(
      boolean alreadySet, String setting, @Nullable Object earlier, @Nullable Object attempt) {
    if (alreadySet) {
      throw repeated(call(setting, earlier), call(setting, attempt));
    }
  }

  /** The failure of a second {@code attempt} at a setting (or key) {@code earlier} already made. */
  public static IllegalStateException repeated(String earlier, String attempt) {
    return new IllegalStateException(
        earlier + " was already set; " + attempt + " would replace it (each setting may be made once)");
  }

  /** The failure of a setting {@code attempt} that contradicts the setting {@code earlier}, because {@code why}. */
  public static IllegalStateException contradiction(String attempt, String earlier, String why) {
    return new IllegalStateException(attempt + " contradicts " + earlier + ": " + why);
  }

  /** A setting as its call reads, {@code name(arg, …)}: strings quoted, classes as {@code Name.class}. */
  public static String call(String name, @Nullable Object... args) {
    var b = new StringBuilder(name).append('(');
    for (int i = 0; i < args.length; i++) {
      if (i > 0) {
        b.append(", ");
      }
      Object arg = args[i];
      if (arg instanceof String s) {
        b.append('"').append(s).append('"');
      } else if (arg instanceof Class<?> c) {
        b.append(c.getName()).append(".class");
      } else {
        b.append(arg);
      }
    }
    return b.append(')').toString();
  }

  /**
   * Refuses {@code name} for {@code setting}, one of a {@code group} of name settings (tables,
   * collections) no two of which may share a name, when another setting of the group already made
   * on the builder ({@code made}) has it: {@code setting(name) contradicts other(name): two
   * <what> cannot share a name}. Settings of the group left at their defaults are compared by
   * {@link #requireDistinctNames} at build time, since they may still be set.
   *
   * @param nameOf the current name of a setting of the group
   * @throws IllegalStateException when another setting made has {@code name}
   */
  public static void requireUnsharedName(
      String setting, String name, List<String> group, Set<String> made, UnaryOperator<String> nameOf, String what) {
    for (String other : group) {
      if (!other.equals(setting) && made.contains(other) && nameOf.apply(other).equals(name)) {
        throw contradiction(call(setting, name), call(other, name), "two " + what + " cannot share a name");
      }
    }
  }

  /**
   * Refuses, at build time, two settings of {@code group} with one name, naming both (a setting
   * left at its default says so; two made on the builder were refused by {@link
   * #requireUnsharedName} already).
   *
   * @throws IllegalStateException when two settings of the group have one name
   */
  public static void requireDistinctNames(
      List<String> group, Set<String> made, UnaryOperator<String> nameOf, String what) {
    for (int i = 0; i < group.size(); i++) {
      for (int j = i + 1; j < group.size(); j++) {
        String first = group.get(i);
        String second = group.get(j);
        String name = nameOf.apply(first);
        if (name.equals(nameOf.apply(second))) {
          throw contradiction(
              nameSetting(second, name, made), nameSetting(first, name, made), "two " + what + " cannot share a name");
        }
      }
    }
  }

  private static String nameSetting(String setting, String name, Set<String> made) {
    return call(setting, name) + (made.contains(setting) ? "" : " (unset, so its default)");
  }
}
