package dev.vmbackup.store;

import java.util.List;
import java.util.Optional;

/**
 * Where the store's objects live: a flat namespace of keys such as {@code chunks/ab/abcd…}. The store
 * only ever creates objects whole and never changes one in place, so a backend needs no more than these
 * operations. Every method is safe to call from several threads at once.
 *
 * <p>Failures are {@link StoreException}s: {@link RepositoryFullException} when there is no room,
 * {@link BackendException} for other I/O failures.
 */
public interface Backend extends AutoCloseable {
  /**
   * Stores {@code data} under {@code key} unless an object of that key exists; readers never see a
   * partial object. Returns whether this call wrote it.
   */
  boolean putIfAbsent(String key, byte[] data);

  /** The object's bytes, or empty when there is none. */
  Optional<byte[]> get(String key);

  /** The object's size and time, or empty when there is none. */
  Optional<ObjectInfo> stat(String key);

  /**
   * Sets the object's time to now, so that a garbage collection that started earlier treats it as young.
   * Used when a writer reuses a chunk it found already stored.
   */
  void touch(String key);

  /** Every object whose key starts with {@code prefix}, in no particular order. */
  List<ObjectInfo> list(String prefix);

  /** Deletes the object; deleting an absent object is not an error. */
  void delete(String key);

  /**
   * Makes every object this backend stored so far durable. The store calls it before it writes an index
   * (which names chunks) and before a manifest (which names indexes), so that a crash never leaves a
   * durable reference to an object that was lost; batching the forcing this way keeps a local store from
   * paying one journal commit per chunk.
   */
  void flush();

  /** How many requests this backend serves well at once (the writer's upload concurrency). */
  int concurrency();

  @Override
  void close();
}
