/** The shop example: a {@link dev.fabula.examples.shop.Product} aggregate and a runnable demo. */
@NullMarked
package dev.fabula.examples.shop;

import org.jspecify.annotations.NullMarked;
