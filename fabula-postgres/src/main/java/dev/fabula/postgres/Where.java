package dev.fabula.postgres;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Collects the conditions of one {@code WHERE} clause and their parameters in binding order, so
 * the event and snapshot queries write each kind of filter the same way, always parameterized.
 */
final class Where {
  private final List<String> and = new ArrayList<>();
  private final List<Object> params;

  /** A clause whose parameters are appended to {@code params}. */
  Where(List<Object> params) {
    this.params = params;
  }

  /** Adds {@code condition}, whose placeholders take {@code values} in order. */
  Where and(String condition, Object... values) {
    and.add(condition);
    params.addAll(List.of(values));
    return this;
  }

  /**
   * Adds {@code column = ANY(?::sqlType[])} with {@code values} as one array parameter of element
   * type {@code arrayType} (the name {@code Connection.createArrayOf} takes), unless there are none.
   */
  Where anyOf(String column, String sqlType, String arrayType, Collection<?> values) {
    return values.isEmpty()
        ? this
        : and(column + " = ANY(?::" + sqlType + "[])", new Pg.TypedArray(arrayType, values.toArray()));
  }

  /** Adds {@code condition} with {@code value}'s bound form as its parameter, if it is present. */
  <T> Where ifPresent(Optional<T> value, String condition, Function<? super T, ?> bound) {
    return value.isPresent() ? and(condition, bound.apply(value.get())) : this;
  }

  /**
   * Adds {@code (c1 OR c2 ...)}, unless there are none; the caller has appended their parameters,
   * in order, to the list this clause appends to.
   */
  Where anyCondition(List<String> conditions) {
    if (!conditions.isEmpty()) {
      and.add("(" + String.join(" OR ", conditions) + ")");
    }
    return this;
  }

  /** {@code " WHERE ..."}, or empty when there is no condition. */
  String sql() {
    return and.isEmpty() ? "" : " WHERE " + String.join(" AND ", and);
  }
}
