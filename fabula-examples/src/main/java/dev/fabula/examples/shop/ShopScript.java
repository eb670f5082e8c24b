package dev.fabula.examples.shop;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.DispatchOptions;
import dev.fabula.examples.shop.ProductCommands.ChangePrice;
import dev.fabula.examples.shop.ProductCommands.CreateProduct;
import dev.fabula.examples.shop.ProductCommands.RenameProduct;
import java.util.List;
import java.util.UUID;

/**
 * What the one-JVM shop ({@link ShopExample}) and the client of the shop in three processes ({@link
 * ShopProcess}) do alike: the commands they send, in order, how they send one, and how a price
 * reads.
 */
final class ShopScript {
  /** The product a step is for. */
  enum Target {
    MOUSE,
    PAD
  }

  /**
   * One command of the script.
   *
   * @param target the product it is for
   * @param name the command's name
   * @param payload its payload
   * @param breaksARule whether the product must reject it
   */
  record Step(Target target, String name, Object payload, boolean breaksARule) {
    /** The id of the step's product: {@code mouse} or {@code pad}. */
    UUID product(UUID mouse, UUID pad) {
      return target == Target.MOUSE ? mouse : pad;
    }
  }

  /** The shop's story: a mouse created, repriced, renamed, refused a negative price; a pad created. */
  static final List<Step> STEPS = List.of(
      new Step(Target.MOUSE, ProductCommands.CREATE, new CreateProduct("Wireless Mouse", 2999), false),
      new Step(Target.MOUSE, ProductCommands.CHANGE_PRICE, new ChangePrice(2499), false),
      new Step(Target.MOUSE, ProductCommands.RENAME, new RenameProduct("Wireless Mouse M2"), false),
      new Step(Target.MOUSE, ProductCommands.CHANGE_PRICE, new ChangePrice(-100), true),
      new Step(Target.PAD, ProductCommands.CREATE, new CreateProduct("Mouse Pad", 999), false));

  private ShopScript() {}

  /**
   * Dispatches a command to a product and waits until it was executed.
   *
   * @throws dev.fabula.command.CommandExecutionException when the product rejected it (or the
   *     handler failed)
   */
  static void send(CommandBus commands, UUID product, String name, Object payload) {
    commands.dispatch(Command.create(name, payload).forAggregate(Product.NAME, product), DispatchOptions.sync());
  }

  /** A price as the shop prints it: {@code EUR 24.99}. */
  static String euros(long cents) {
    return String.format("EUR %d.%02d", cents / 100, cents % 100);
  }
}
