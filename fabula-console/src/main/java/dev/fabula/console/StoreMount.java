package dev.fabula.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a store's console is served among the console's stores: every store's name (each under
 * {@code stores/{name}/}) and which of them this one is. A single-store console has none.
 */
record StoreMount(List<String> names, @Nullable String current) {
  StoreMount {
    names = List.copyOf(names);
  }

  static StoreMount single() {
    return new StoreMount(List.of(), null);
  }

  /** The path of store {@code name}'s console, relative to the console's root. */
  static String path(String name) {
    return "stores/" + name + "/";
  }

  /** The answer of {@code api/stores}. */
  ObjectNode answer() {
    ObjectNode n = Json.NODES.objectNode();
    ArrayNode list = n.putArray("stores");
    names.forEach(name -> list.addObject().put("name", name).put("path", path(name)));
    n.put("current", current);
    return n;
  }
}
