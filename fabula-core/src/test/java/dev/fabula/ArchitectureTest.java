package dev.fabula;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaModifier;
import dev.fabula.architecture.FabulaArchitecture;
import dev.fabula.architecture.ModuleArchitectureTest;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layering of DESIGN.md §1 honest as the code grows: the rules every module keeps, and
 * core's own.
 */
class ArchitectureTest extends ModuleArchitectureTest {
  private final FabulaArchitecture core = module();

  @Test
  void theApiDoesNotDependOnTheInMemoryDefaults() {
    noClasses().that().resideOutsideOfPackage("dev.fabula.memory..")
        .should().dependOnClassesThat().resideInAPackage("dev.fabula.memory..")
        .check(core.importedClasses());
  }

  @Test
  void implementationsOfTheDefaultsStayPackagePrivate() {
    classes().that().resideInAPackage("dev.fabula.memory").and().haveSimpleNameStartingWith("Memory")
        .should().notBePublic()
        .check(core.importedClasses());
    classes().that().resideInAPackage("dev.fabula.memory").and().arePublic()
        .should().haveModifier(JavaModifier.FINAL)
        .check(core.importedClasses());
  }

  @Test
  void nothingUsesJavaSerialization() {
    noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectInputStream")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectOutputStream")
        .check(core.importedClasses());
  }
}
