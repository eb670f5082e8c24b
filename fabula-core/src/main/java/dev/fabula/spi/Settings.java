package dev.fabula.spi;

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
}
