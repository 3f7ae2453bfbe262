package dev.vmbackup.host.repository;

import dev.vmbackup.store.ChunkStore;

/**
 * Opens the store repositories this host configured, by name: the port through which the store steps and
 * the command line's store commands reach a store. The composition root hands one in; nothing else opens
 * a store.
 */
public interface Stores extends AutoCloseable {
  /**
   * The store named {@code name}, open and checked against its key. Stores are shared: the caller does
   * not close it.
   *
   * @throws IllegalArgumentException if the host defines no store of that name
   * @throws dev.vmbackup.store.StoreException if it cannot be opened (not created yet, wrong key, ...)
   */
  ChunkStore open(String name);

  /**
   * Creates the store named {@code name}, empty, with the default chunk size, encrypted when its
   * configuration names a key file; refuses a place that already holds a store. The key file is read
   * before anything is created, so that a missing or unreadable key changes nothing.
   */
  ChunkStore init(String name);

  /**
   * The name of the store whose staging directory is {@code directory}, if any: steps that are handed a
   * repository as a directory (listing and pruning backups) act on that store instead.
   */
  java.util.Optional<String> stagedIn(String directory);

  /** Stops every store this opened (their threads and connections); the stores are unusable after. */
  @Override
  void close();
}
