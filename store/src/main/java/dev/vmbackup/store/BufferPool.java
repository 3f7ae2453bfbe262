package dev.vmbackup.store;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A fixed number of equal byte arrays that the writer reads chunks into and its workers hand back once a
 * chunk is stored. It replaces one new array per chunk: allocating and zeroing 256 KiB per chunk cost
 * about as much as reading it from the page cache, and the garbage made the collector run throughout an
 * ingest. Because {@link #take()} blocks while every array is in use, the pool is also the bound on the
 * chunks in flight that a semaphore used to be.
 *
 * <p>Arrays are created on demand up to the capacity, so a small blob never allocates a full window of
 * chunk-sized arrays. The pool checks that an array is never handed out while in use and never given
 * back twice: a chunk whose buffer another chunk overwrote would be stored under the wrong digest, so
 * such a mistake must fail loudly rather than corrupt a backup.
 */
final class BufferPool {
  private final int capacity;
  private final int size;
  private final BlockingQueue<byte[]> free;
  private final Set<byte[]> inUse = Collections.newSetFromMap(new IdentityHashMap<>());
  private int created;

  BufferPool(int capacity, int size) {
    if (capacity < 1 || size < 0) {
      throw new IllegalArgumentException("a pool needs at least one buffer and a non-negative size");
    }
    this.capacity = capacity;
    this.size = size;
    this.free = new ArrayBlockingQueue<>(capacity);
  }

  /** A buffer no one else holds, waiting for one to be given back when all are in use. */
  byte[] take() {
    byte[] buffer = free.poll();
    if (buffer == null) {
      synchronized (this) {
        if (created < capacity) {
          created++;
          buffer = new byte[size];
        }
      }
    }
    if (buffer == null) {
      // Uninterruptibly, as the semaphore this replaces was: the chunks in flight must finish either way.
      buffer = awaitUninterruptibly();
    }
    synchronized (this) {
      if (!inUse.add(buffer)) {
        throw new IllegalStateException("a buffer was handed out while still in use");
      }
    }
    return buffer;
  }

  /** Gives back a buffer from {@link #take()}; the caller must not touch it afterwards. */
  void give(byte[] buffer) {
    synchronized (this) {
      if (!inUse.remove(buffer)) {
        throw new IllegalStateException("a buffer was given back that is not in use");
      }
    }
    free.add(buffer);
  }

  /**
   * Waits until every buffer is back. The queue's hand-over makes whatever a worker wrote before giving
   * its buffer back visible to the caller, which is how the writer collects the tail's digests.
   */
  void awaitAll() {
    int outstanding;
    synchronized (this) {
      outstanding = created;
    }
    byte[][] held = new byte[outstanding][];
    for (int i = 0; i < outstanding; i++) {
      held[i] = awaitUninterruptibly();
    }
    for (byte[] buffer : held) {
      free.add(buffer);
    }
  }

  /** Buffers handed out and not given back (for tests). */
  synchronized int inUse() {
    return inUse.size();
  }

  /** Buffers created so far (for tests). */
  synchronized int created() {
    return created;
  }

  private byte[] awaitUninterruptibly() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return free.take();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
