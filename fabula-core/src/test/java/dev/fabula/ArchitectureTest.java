package dev.fabula;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps the layering of DESIGN.md §1 honest as the code grows. */
class ArchitectureTest {
  private static final JavaClasses CORE =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.fabula");

  @Test
  void theApiDoesNotDependOnTheInMemoryDefaults() {
    noClasses().that().resideOutsideOfPackage("dev.fabula.memory..")
        .should().dependOnClassesThat().resideInAPackage("dev.fabula.memory..")
        .check(CORE);
  }

  @Test
  void lowerLayersDoNotReachUp() {
    noClasses().that().resideInAnyPackage("dev.fabula.event..", "dev.fabula.codec..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("dev.fabula.aggregate..", "dev.fabula.repository..", "dev.fabula.projection..", "dev.fabula.command..", "dev.fabula.snapshot..")
        .check(CORE);
    noClasses().that().resideInAnyPackage("dev.fabula.aggregate..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.fabula.repository..", "dev.fabula.projection..", "dev.fabula.command..")
        .check(CORE);
    noClasses().that().resideInAnyPackage("dev.fabula.repository..", "dev.fabula.snapshot..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.fabula.projection..", "dev.fabula.command..")
        .check(CORE);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.fabula.(*)..").should().beFreeOfCycles().check(CORE);
  }

  @Test
  void implementationsOfTheDefaultsStayPackagePrivate() {
    classes().that().resideInAPackage("dev.fabula.memory").and().haveSimpleNameStartingWith("Memory")
        .should().notBePublic()
        .check(CORE);
    classes().that().resideInAPackage("dev.fabula.memory").and().arePublic()
        .should().haveModifier(JavaModifier.FINAL)
        .check(CORE);
  }

  @Test
  void nothingUsesJavaSerialization() {
    noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectInputStream")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectOutputStream")
        .check(CORE);
  }
}
