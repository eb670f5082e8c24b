package dev.fabula.spi;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes time-ordered UUIDs (RFC 9562 version 7). Ids made by one generator are strictly
 * increasing, even when many are made within the same millisecond, so sorting events by id sorts
 * them by creation. Fabula gives events and commands their ids with it ({@code Event.create},
 * {@code Command.create}); applications that need an id of their own use {@link UUID}, since the
 * generator is not part of the API.
 */
public final class UuidV7 {
  private static final UuidV7 DEFAULT = new UuidV7(InstantSource.system());

  /**
   * Random longs fetched per call to {@link SecureRandom}. A call has a large fixed cost (its
   * locks, reading the OS source), so ids take their random bits from a buffer refilled this many
   * longs at a time; each byte is used once.
   */
  private static final int RANDOM_BATCH = 64;

  private final InstantSource clock;

  private final SecureRandom random = newRandom();
  private final ReentrantLock lock = new ReentrantLock();
  private final byte[] randomBytes = new byte[RANDOM_BATCH * Long.BYTES];
  private int randomOffset = randomBytes.length; // empty: filled on first use
  private long lastMillis;
  private long counter; // 12 bits of rand_a used as a sub-millisecond counter

  private UuidV7(InstantSource clock) {
    this.clock = clock;
  }

  /** A generator reading the given clock; {@link #next()} uses the system clock. */
  public static UuidV7 generator(InstantSource clock) {
    Objects.requireNonNull(clock, "clock");
    return new UuidV7(clock);
  }

  /**
   * The random source: the JDK's DRBG (NIST SP 800-90A Hash_DRBG, seeded from the operating
   * system) when the JDK has it. It is a CSPRNG like the platform default (NativePRNG on Linux),
   * which mixes every read of {@code /dev/urandom} with SHA1PRNG output under a lock and measured
   * about 2.5x slower per id here.
   */
  private static SecureRandom newRandom() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }

  /** A new version 7 UUID from the shared, system-clock generator. */
  public static UUID next() {
    return DEFAULT.generate();
  }

  /** A new version 7 UUID, greater than every id this generator returned before. */
  public UUID generate() {
    long millis;
    long seq;
    long rand;
    lock.lock();
    try {
      millis = Math.max(clock.millis(), lastMillis);
      if (millis == lastMillis) {
        counter++;
        if (counter > 0xFFF) { // counter exhausted: borrow the next millisecond
          millis++;
          counter = 0;
        }
      } else {
        counter = 0;
      }
      lastMillis = millis;
      seq = counter;
      rand = nextRandomLong();
    } finally {
      lock.unlock();
    }
    long msb = (millis << 16) | 0x7000L | seq;
    long lsb = (rand & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }

  /** The next 8 bytes of the buffered {@link SecureRandom} output; call with the lock held. */
  private long nextRandomLong() {
    if (randomOffset == randomBytes.length) {
      random.nextBytes(randomBytes);
      randomOffset = 0;
    }
    long r = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      r = (r << 8) | (randomBytes[randomOffset + i] & 0xFFL);
    }
    randomOffset += Long.BYTES;
    return r;
  }
}
