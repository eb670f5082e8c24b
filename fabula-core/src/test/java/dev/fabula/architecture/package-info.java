/** The architecture rules every Fabula module's tests check (shared through core's test jar). */
@NullMarked
package dev.fabula.architecture;

import org.jspecify.annotations.NullMarked;
