package dev.fabula.mongodb;

/**
 * A database or collection name that MongoDB does not allow (empty, too long, holding {@code $},
 * NUL or a character forbidden in database names, or reserved). Thrown when the name is given,
 * before anything reaches the server.
 */
public final class MongoNameException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String kind;
  private final String name;

  MongoNameException(String kind, String name, String why) {
    super("'" + name.replace("\0", "\\0") + "' cannot be a MongoDB " + kind + " name: " + why);
    this.kind = kind;
    this.name = name;
  }

  /** What the name was for: {@code database} or {@code collection}. */
  public String kind() {
    return kind;
  }

  /** The name refused. */
  public String name() {
    return name;
  }
}
