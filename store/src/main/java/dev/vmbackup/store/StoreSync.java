package dev.vmbackup.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Copies backups from one store to another (an off-site copy, say from a local store to an S3 one),
 * sending only the chunks the target lacks.
 *
 * <p>Objects are copied byte for byte, never opened and sealed again: a chunk's name is its digest under
 * the store key, and each envelope is authenticated together with its object key ({@link Codec}). Both
 * are valid in the target exactly when the target has the same key (the same key fingerprint, or both
 * unencrypted) and the same chunk size, since the keys ({@code chunks/…}, {@code indexes/<id>/<name>},
 * {@code manifests/<id>}) are the same in both stores. Stores that differ in either are refused before
 * anything is written to the target; re-encrypting for another key is not supported. Each chunk is
 * checked before it is sent (it authenticates, has the length its index expects, and its content has
 * the digest it is named by), so a damaged source chunk fails the sync instead of spreading.
 *
 * <p>Each backup is written to the target as a {@link BackupSession} writes one, and is safe against a
 * garbage collection running on the target meanwhile for the same reasons: a session marker naming the
 * backup's parent first; then, for each disk or blob, every chunk the target lacks (a chunk equal to the
 * parent's at the same position, when the target has the parent, is known to be there and protected by
 * the marker; any other is looked up, and one found is touched when older than
 * {@link ChunkWriter#TOUCH_AFTER}) followed by a flush and the index; then a check that every chunk found
 * and every index is still there, the manifest last, a flush, and the marker's removal. An interrupted
 * sync therefore leaves no backup in the target, and running it again sends only what is still missing.
 * The manifest is the source's, unchanged: its {@code newChunks} and {@code newBytes} describe what the
 * backup added to the source store.
 *
 * <p>One sync into a target at a time: two syncs copying the same backup at once may replace each other's
 * indexes (with the same bytes).
 */
public final class StoreSync {
  /**
   * What one sync did.
   *
   * @param backupsCopied backups the target did not have and now has
   * @param chunksSent chunks copied to the target
   * @param bytesSent their stored bytes (compressed, and encrypted when the stores are)
   * @param chunksPresent chunks of the copied backups that the target already had (looked up, or its copy
   *     of the parent's at the same position), so not sent
   * @param copied the ids of the copied backups, oldest first
   */
  public record Report(int backupsCopied, long chunksSent, long bytesSent, long chunksPresent, List<String> copied) {
    public Report {
      copied = List.copyOf(copied);
    }
  }

  private final ChunkStore source;
  private final ChunkStore target;
  private final Backend from;
  private final Backend to;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong present = new AtomicLong();

  /**
   * A sync from {@code source} to {@code target}, both open.
   *
   * @throws StoreException if the stores have different keys or chunk sizes
   */
  public StoreSync(ChunkStore source, ChunkStore target) {
    StoreConfig a = source.config();
    StoreConfig b = target.config();
    if (!Objects.equals(a.keyFingerprint(), b.keyFingerprint())) {
      throw new StoreException("the stores have different keys (source " + describe(a) + ", target " + describe(b)
          + "); sync copies encrypted objects unchanged and needs both stores created with the same key file");
    }
    if (a.chunkSize() != b.chunkSize()) {
      throw new StoreException("the stores have different chunk sizes (source " + a.chunkSize() + ", target "
          + b.chunkSize() + " bytes); sync copies chunks unchanged and needs the same chunk size");
    }
    this.source = source;
    this.target = target;
    this.from = source.backend();
    this.to = target.backend();
  }

  private static String describe(StoreConfig config) {
    return config.encrypted() ? "key fingerprint " + config.keyFingerprint() : "not encrypted";
  }

  /**
   * Copies every backup the source has and the target lacks, oldest first (so that a backup's parent is
   * usually there before it); only {@code vm}'s when {@code vm} is not null, only {@code backupId} when
   * that is not null.
   *
   * @throws StoreException if {@code backupId} is not a backup of the source, or a copy fails (the
   *     backups copied before it stay copied; running the sync again resumes)
   */
  public Report run(String vm, String backupId) {
    Set<String> there = new HashSet<>(target.backupIds());
    List<String> wanted;
    if (backupId != null) {
      if (source.findManifest(backupId).isEmpty()) {
        throw new StoreException("the source store has no backup " + backupId);
      }
      wanted = List.of(backupId);
    } else {
      wanted = source.backupIds();
    }
    List<Manifest> missing = wanted.stream()
        .filter(id -> !there.contains(id))
        .map(source::manifest)
        .filter(manifest -> vm == null || vm.equals(manifest.vm()))
        .sorted(Comparator.comparing(Manifest::created).thenComparing(Manifest::backupId))
        .toList();
    for (Manifest manifest : missing) {
      copy(manifest);
    }
    return new Report(missing.size(), sent.get(), bytes.get(), present.get(),
        missing.stream().map(Manifest::backupId).toList());
  }

  /** Copies one backup, manifest last; see the class comment for the order and why. */
  private void copy(Manifest manifest) {
    String id = manifest.backupId();
    String marker = BackupSession.Marker.key(id);
    // A marker left by a sync that died is replaced, as a backup session replaces its own; the new one is
    // written before the parent's manifest is read, which is what makes the parent's chunks safe to reuse
    // unread (see GarbageCollector).
    to.delete(marker);
    target.putSealed(marker, Json.write(new BackupSession.Marker(id, manifest.parent(), Instant.now())), true);
    try {
      Manifest parent = manifest.parent() == null ? null : target.findManifest(manifest.parent()).orElse(null);
      ConcurrentLinkedQueue<String> found = new ConcurrentLinkedQueue<>();
      List<Manifest.Item> items = Stream.concat(manifest.disks().stream(), manifest.blobs().stream()).toList();
      for (Manifest.Item item : items) {
        copyItem(item, parentIndex(parent, item), found);
      }
      // A collection that listed a found chunk as old just before it was touched may have deleted it since.
      // The indexes are checked too: a collection that listed an index an interrupted sync had left, before
      // this sync wrote it again, may have deleted it since.
      for (String key : Stream.concat(found.stream(), items.stream().map(Manifest.Item::index)).toList()) {
        if (to.stat(key).isEmpty()) {
          throw new MissingObjectException(key);
        }
      }
      to.flush();
      copyObject(Manifest.key(id));
      to.flush();
    } catch (RuntimeException | Error e) {
      try {
        to.delete(marker);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    to.delete(marker);
  }

  /** The target's index of the parent's disk or blob of the same name and chunk size, or null. */
  private DiskIndex parentIndex(Manifest parent, Manifest.Item item) {
    if (parent == null) {
      return null;
    }
    return Stream.concat(parent.disks().stream(), parent.blobs().stream())
        .filter(candidate -> candidate.name().equals(item.name()))
        .findFirst()
        .map(target::index)
        .orElse(null);
  }

  /** Copies the chunks one index names that the target lacks, then the index itself. */
  private void copyItem(Manifest.Item item, DiskIndex parent, ConcurrentLinkedQueue<String> found) {
    byte[] sealedIndex = from.get(item.index()).orElseThrow(() -> new MissingObjectException(item.index()));
    DiskIndex index = DiskIndex.fromBytes(item.index(), source.codec().open(item.index(), sealedIndex));
    int window = target.window();
    Semaphore inFlight = new Semaphore(window);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < index.count() && failure.get() == null; i++) {
      Progress.tick();
      if (index.isZero(i)) {
        continue;
      }
      byte[] digest = index.digest(i);
      if (parent != null && parent.chunkSize() == index.chunkSize() && i < parent.count()
          && Arrays.equals(digest, parent.digest(i))) {
        // The target's copy of the parent names this chunk, and the session marker names the parent, so a
        // collection keeps it: no request needed, as a backup reuses its parent's chunks.
        present.incrementAndGet();
        continue;
      }
      int length = index.length(i);
      inFlight.acquireUninterruptibly();
      target.pool().execute(() -> {
        try {
          if (failure.get() == null) {
            copyChunk(digest, length, found);
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          inFlight.release();
        }
      });
    }
    // Every task releases its permit last; taking them all waits for the tail.
    inFlight.acquireUninterruptibly(window);
    Throwable t = failure.get();
    if (t instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (t instanceof Error error) {
      throw error;
    }
    // The chunks are durable before the index that names them exists, as in a backup.
    to.flush();
    if (!to.putIfAbsent(item.index(), sealedIndex)) {
      // Left by an interrupted sync of this backup. It is written again rather than kept, so that its time
      // is new: a collection sweeps indexes without a manifest by their age alone, and an old one could go
      // between this check and the manifest.
      to.delete(item.index());
      if (!to.putIfAbsent(item.index(), sealedIndex)) {
        throw new StoreException(item.index() + " was written by someone else during the sync; run it again");
      }
    }
  }

  /** Sends one chunk unless the target has it; a chunk it has is touched when old, as a backup does. */
  private void copyChunk(byte[] digest, int length, ConcurrentLinkedQueue<String> found) {
    String key = Codec.chunkKey(digest);
    Optional<ObjectInfo> existing = to.stat(key);
    if (existing.isPresent()) {
      if (existing.get().lastModified().isBefore(Instant.now().minus(ChunkWriter.TOUCH_AFTER))) {
        to.touch(key);
      }
      found.add(key);
      present.incrementAndGet();
      return;
    }
    byte[] sealed = from.get(key).orElseThrow(() -> new MissingObjectException(key));
    check(key, sealed, digest, length);
    if (to.putIfAbsent(key, sealed)) {
      sent.incrementAndGet();
      bytes.addAndGet(sealed.length);
    } else {
      // Stored meanwhile by a backup into the target, or by this sync for an earlier position: as good as
      // found, and checked again before the manifest like any found chunk.
      found.add(key);
      present.incrementAndGet();
    }
  }

  /** Checks a source chunk as a restore would, so that a damaged one is not copied as if sound. */
  private void check(String key, byte[] sealed, byte[] digest, int length) {
    byte[] plain = source.codec().open(key, sealed);
    if (plain.length != length) {
      throw new CorruptChunkException(key, "holds " + plain.length + " bytes, the index expects " + length);
    }
    byte[] actual = source.codec().digest(plain, plain.length);
    if (!Arrays.equals(actual, digest)) {
      throw new CorruptChunkException(key, "content digest is " + HexFormat.of().formatHex(actual));
    }
  }

  /** Copies a sealed object (the manifest) unchanged; one already there is left as it is. */
  private void copyObject(String key) {
    byte[] bytes = from.get(key).orElseThrow(() -> new MissingObjectException(key));
    // Opened once to make sure what becomes the target's backup authenticates under its key name.
    source.codec().open(key, bytes);
    to.putIfAbsent(key, bytes);
  }
}
