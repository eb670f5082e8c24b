package dev.fabula.examples.shop;

/** A command broke one of the shop's business rules; nothing was changed. */
public final class ProductRuleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message which rule, in words a shop keeper understands */
  public ProductRuleException(String message) {
    super(message);
  }
}
