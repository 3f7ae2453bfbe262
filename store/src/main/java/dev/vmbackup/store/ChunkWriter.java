package dev.vmbackup.store;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cuts one image into chunks and stores the ones the store lacks, producing its index.
 *
 * <p>The calling thread reads chunks in order (so that the source sees one sequential stream, as
 * {@code cp} would); each chunk then goes to the store's pool, which checks for zeros, digests, looks the
 * digest up, and compresses, encrypts and uploads only chunks that are new. Chunks are read into a
 * {@link BufferPool} of {@code window} arrays, which both bounds the chunks in flight (memory stays at a
 * few chunks per thread whatever the disk's size) and saves allocating and zeroing an array per chunk;
 * several threads keep both cores busy and hide the backend's latency.
 *
 * <p>For a forever-incremental backup the writer reads only chunks that overlap a changed region and
 * takes every other digest from the parent's index unread. A chunk found already stored (another VM's,
 * or one left by an interrupted run of this backup) is touched, so that a garbage collection running
 * now keeps it, and remembered, so that {@link BackupSession#commit()} can check it is still there.
 */
final class ChunkWriter {
  /** Found chunks older than this are touched (see docs/store-format.md, garbage collection). */
  static final java.time.Duration TOUCH_AFTER = java.time.Duration.ofHours(1);

  private final Backend backend;
  private final Codec codec;
  private final ExecutorService pool;
  private final int window;

  ChunkWriter(Backend backend, Codec codec, ExecutorService pool, int window) {
    this.backend = backend;
    this.codec = codec;
    this.pool = pool;
    this.window = window;
  }

  /** Counters of one write. */
  static final class Stats {
    final AtomicLong read = new AtomicLong();
    final AtomicLong newChunks = new AtomicLong();
    final AtomicLong newBytes = new AtomicLong();
    final AtomicLong reused = new AtomicLong();
    final AtomicLong zero = new AtomicLong();
    final AtomicLong dedup = new AtomicLong();
  }

  /**
   * Writes {@code size} bytes of {@code source}.
   *
   * @param changed the regions that changed since {@code parent}, or null to read everything
   * @param parent the parent's index of this disk, or null
   * @param found receives the keys of chunks this write found already stored
   */
  DiskIndex write(Source source, long size, int chunkSize, List<Region> changed, DiskIndex parent, Stats stats,
      ConcurrentLinkedQueue<String> found) {
    boolean incremental = changed != null && parent != null && parent.size() == size
        && parent.chunkSize() == chunkSize;
    int count = DiskIndex.chunks(size, chunkSize);
    byte[] digests = new byte[count * Codec.DIGEST_BYTES];
    BufferPool buffers = new BufferPool(window, (int) Math.min(chunkSize, Math.max(size, 0)));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int cursor = 0; // the next changed region that may overlap the current chunk
    for (int i = 0; i < count && failure.get() == null; i++) {
      Progress.tick();
      long start = (long) i * chunkSize;
      int length = (int) Math.min(chunkSize, size - start);
      if (incremental) {
        while (cursor < changed.size() && changed.get(cursor).offset() + changed.get(cursor).length() <= start) {
          cursor++;
        }
        if (cursor >= changed.size() || !changed.get(cursor).overlaps(start, start + length)) {
          System.arraycopy(parent.digest(i), 0, digests, i * Codec.DIGEST_BYTES, Codec.DIGEST_BYTES);
          stats.reused.incrementAndGet();
          continue;
        }
      }
      byte[] data = buffers.take();
      try {
        source.read(start, data, length);
      } catch (IOException e) {
        buffers.give(data);
        failure.compareAndSet(null, new BackendException("cannot read the source at offset " + start + ": "
            + e.getMessage(), e));
        break;
      }
      stats.read.addAndGet(length);
      byte[] parentDigest = parent != null && parent.chunkSize() == chunkSize && i < parent.count()
          ? parent.digest(i) : null;
      int slot = i;
      Runnable task = () -> {
        try {
          if (failure.get() == null) {
            byte[] digest = store(data, length, parentDigest, stats, found);
            System.arraycopy(digest, 0, digests, slot * Codec.DIGEST_BYTES, Codec.DIGEST_BYTES);
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          // Last, after the digest is written and the sealed copy handed to the backend: the next chunk
          // read into this array must not change bytes this chunk still uses.
          buffers.give(data);
        }
      };
      try {
        pool.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // The store was closed under the writer: without this the buffer would never come back and the
        // wait for the tail below would never end.
        buffers.give(data);
        failure.compareAndSet(null, new StoreException("the store was closed during a backup", closed));
        break;
      }
    }
    // Every task gives its buffer back last, after writing its digest; taking them all back waits for the
    // tail and publishes the digests to this thread.
    buffers.awaitAll();
    Throwable t = failure.get();
    if (t != null) {
      // A local backend finishes writing chunks behind the writer; settling it before the failure reaches
      // the caller means no temporary file of this write is still being renamed when the caller looks.
      try {
        backend.flush();
      } catch (RuntimeException settling) {
        t.addSuppressed(settling);
      }
    }
    if (t instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (t instanceof Error error) {
      throw error;
    }
    return new DiskIndex(chunkSize, size, digests);
  }

  /** Stores one chunk unless it is zeros or already stored; returns its digest or the zero marker. */
  private byte[] store(byte[] data, int length, byte[] parentDigest, Stats stats,
      ConcurrentLinkedQueue<String> found) {
    if (isZero(data, length)) {
      stats.zero.incrementAndGet();
      return DiskIndex.zeroMarker();
    }
    byte[] digest = codec.digest(data, length);
    if (parentDigest != null && Arrays.equals(digest, parentDigest)) {
      // Unchanged although read (a full re-read, or a dirty granule rewritten with the same bytes): the
      // parent's manifest, or the session marker naming the parent, keeps it from collection.
      stats.reused.incrementAndGet();
      return digest;
    }
    String key = Codec.chunkKey(digest);
    Optional<ObjectInfo> existing = backend.stat(key);
    if (existing.isPresent()) {
      // A chunk stored within the last hour is younger than the cutoff of any collection whose grace
      // period exceeds the longest backup by an hour; touching it would cost a request for nothing.
      if (existing.get().lastModified().isBefore(java.time.Instant.now().minus(TOUCH_AFTER))) {
        backend.touch(key);
      }
      found.add(key);
      stats.dedup.incrementAndGet();
      return digest;
    }
    // seal returns a new array, so the pooled buffer is free again once this method returns.
    byte[] sealed = codec.seal(key, data, length);
    if (backend.putIfAbsent(key, sealed)) {
      stats.newChunks.incrementAndGet();
      stats.newBytes.addAndGet(sealed.length);
    } else {
      stats.dedup.incrementAndGet();
    }
    return digest;
  }

  private static final byte[] ZEROS = new byte[4 << 20];

  private static boolean isZero(byte[] data, int length) {
    // Arrays.mismatch is a vectorized intrinsic: a fraction of the cost of SHA-256 on the same bytes.
    return Arrays.mismatch(data, 0, length, ZEROS, 0, length) < 0;
  }
}
