package dev.fabula;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaModifier;
import dev.fabula.architecture.FabulaArchitecture;
import org.junit.jupiter.api.Test;

/** Keeps the layering of DESIGN.md §1 honest as the code grows. */
class ArchitectureTest {
  private static final FabulaArchitecture CORE = FabulaArchitecture.ofThisModule();

  @Test
  void lowerLayersDoNotReachUp() {
    CORE.layersDoNotReachUp();
  }

  @Test
  void theApiDoesNotDependOnTheInMemoryDefaults() {
    noClasses().that().resideOutsideOfPackage("dev.fabula.memory..")
        .should().dependOnClassesThat().resideInAPackage("dev.fabula.memory..")
        .check(CORE.importedClasses());
  }

  @Test
  void packagesHaveNoCycles() {
    CORE.packagesHaveNoCycles();
  }

  @Test
  void theSpiIsUsedOnlyWhereItIsExported() {
    CORE.spiIsUsedOnlyWhereExported();
  }

  @Test
  void everyPackageIsNullMarked() {
    CORE.everyPackageIsNullMarked();
  }

  @Test
  void implementationsOfTheDefaultsStayPackagePrivate() {
    classes().that().resideInAPackage("dev.fabula.memory").and().haveSimpleNameStartingWith("Memory")
        .should().notBePublic()
        .check(CORE.importedClasses());
    classes().that().resideInAPackage("dev.fabula.memory").and().arePublic()
        .should().haveModifier(JavaModifier.FINAL)
        .check(CORE.importedClasses());
  }

  @Test
  void nothingUsesJavaSerialization() {
    noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectInputStream")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectOutputStream")
        .check(CORE.importedClasses());
  }
}
