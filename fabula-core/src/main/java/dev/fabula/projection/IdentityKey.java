package dev.fabula.projection;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import org.jspecify.annotations.Nullable;

/**
 * A map key that stands for an object by identity (not {@code equals}) and holds it weakly, so an
 * entry can be removed once its object is garbage: the key is enqueued on {@code queue} then, and
 * a key whose object is gone equals only itself.
 */
class IdentityKey extends WeakReference<Object> {
  private final int hash;

  IdentityKey(Object referent, ReferenceQueue<Object> queue) {
    super(referent, queue);
    hash = System.identityHashCode(referent);
  }

  @Override
  public final int hashCode() {
    return hash;
  }

  @Override
  public final boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof IdentityKey k) || k.hash != hash) {
      return false;
    }
    Object mine = get();
    return mine != null && mine == k.get();
  }
}
