package dev.fabula.cli;

import dev.fabula.architecture.ModuleArchitectureTest;

/**
 * The architecture rules every Fabula module keeps (DESIGN.md §1), on this module's classes. The
 * module has no descriptor (ADR 0024: an application run from a shaded jar on the class path), so
 * it has no ModuleDescriptorTest.
 */
class ArchitectureTest extends ModuleArchitectureTest {}
