package dev.fabula.console;

import dev.fabula.architecture.ModuleArchitectureTest;

/** The architecture rules every Fabula module keeps (DESIGN.md §1), on this module's classes. */
class ArchitectureTest extends ModuleArchitectureTest {}
