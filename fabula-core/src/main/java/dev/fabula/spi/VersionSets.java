package dev.fabula.spi;

import dev.fabula.event.Range;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Keeps a query's exact versions and version ranges as plain {@code int} arrays, so that {@link
 * QueryPlan#matches} tests an event's version without boxing it: the exact versions sorted, the
 * ranges as their ends in pairs ({@code from} at {@code 2i}, {@code to} at {@code 2i + 1}).
 */
final class VersionSets {
  /** Shared by every query without exact versions or without ranges. */
  private static final int[] NONE = new int[0];
  /** Up to this many exact versions a loop is as quick as a binary search. */
  private static final int LINEAR = 8;

  private VersionSets() {}

  /** {@code versions}, sorted ascending. */
  static int[] sorted(Set<Integer> versions) {
    if (versions.isEmpty()) {
      return NONE;
    }
    int[] out = new int[versions.size()];
    int i = 0;
    for (int v : versions) {
      out[i++] = v;
    }
    Arrays.sort(out);
    return out;
  }

  /** The ends of {@code ranges}, in pairs. */
  static int[] rangeEnds(List<Range<Integer>> ranges) {
    if (ranges.isEmpty()) {
      return NONE;
    }
    int[] ends = new int[ranges.size() * 2];
    for (int i = 0; i < ranges.size(); i++) {
      ends[2 * i] = ranges.get(i).from();
      ends[2 * i + 1] = ranges.get(i).to();
    }
    return ends;
  }

  /** Whether {@code sorted} (from {@link #sorted}) holds {@code v}. */
  static boolean contains(int[] sorted, int v) {
    if (sorted.length > LINEAR) {
      return Arrays.binarySearch(sorted, v) >= 0;
    }
    for (int x : sorted) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code v} lies within any of the ranges whose {@code ends} (from {@link #rangeEnds}) are given. */
  static boolean inAnyRange(int[] ends, int v) {
    for (int i = 0; i < ends.length; i += 2) {
      if (ends[i] <= v && v <= ends[i + 1]) {
        return true;
      }
    }
    return false;
  }
}
