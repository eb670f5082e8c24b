/** The README's first application: an account aggregate, its commands and a read model. */
@NullMarked
package dev.fabula.examples.firstapp;

import org.jspecify.annotations.NullMarked;
