package dev.fabula.projection;

/** Whether {@link Schedule#subscribe} runs a first job to catch up with the store. */
public enum CatchUp {
  /** No job until the first trigger. */
  NONE,
  /** {@code subscribe} returns after the catch-up job finished (and rethrows its failure). */
  BLOCKING,
  /** {@code subscribe} returns at once; the catch-up job is the subscription's first job. */
  ASYNC
}
