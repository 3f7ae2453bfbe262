package dev.vmbackup.store;

import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One backup being written: disks and blobs, then {@link #commit()}. Until the commit the backup does
 * not exist for readers; {@link #close()} without a commit leaves its chunks to the garbage collector.
 *
 * <p>While it is open, a session marker ({@code sessions/<backupId>}) names the parent, so that a
 * collection running meanwhile keeps every chunk of the parent's indexes even if the parent is pruned:
 * the new backup reuses them without reading or touching them.
 */
public final class BackupSession implements AutoCloseable {
  /**
   * The contents of a session marker. It is stored unencrypted, so it names ids and a time, never the
   * VM: an encrypted store reveals no VM names even while a backup runs.
   */
  record Marker(String backupId, String parent, Instant started) {
    static String key(String backupId) {
      return "sessions/" + backupId;
    }
  }

  private final ChunkStore store;
  private final ChunkWriter writer;
  private final String backupId;
  private final String vm;
  private final Manifest parent;
  private final List<Manifest.Item> disks = new ArrayList<>();
  private final List<Manifest.Item> blobs = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> found = new ConcurrentLinkedQueue<>();
  private boolean committed;

  /**
   * Writes the session marker, then reads the parent's manifest: in this order, a collection that did
   * not see the marker marked the parent's chunks, or the parent is gone and the session does not start
   * (see {@link GarbageCollector}).
   */
  BackupSession(ChunkStore store, ChunkWriter writer, String backupId, String vm, String parentBackupId) {
    this.store = store;
    this.writer = writer;
    this.backupId = backupId;
    this.vm = vm;
    // A marker of this id left by an attempt that died is replaced: the caller's fence guarantees that
    // attempt no longer runs, and the new marker is written before the parent is read, as below.
    store.backend().delete(Marker.key(backupId));
    store.putSealed(Marker.key(backupId), Json.write(new Marker(backupId, parentBackupId, Instant.now())), true);
    try {
      this.parent = parentBackupId == null ? null : store.manifest(parentBackupId);
    } catch (RuntimeException e) {
      store.backend().delete(Marker.key(backupId));
      throw e;
    }
  }

  public String backupId() {
    return backupId;
  }

  /**
   * Stores a disk image. With {@code changed} (in any order; overlaps are harmless) and a parent that has a disk of
   * this name and size, only chunks overlapping a changed region are read; the rest of the index is the
   * parent's. With {@code changed == null} every chunk is read (a full, or a re-read against drift).
   */
  public Manifest.Item writeDisk(String name, FileChannel image, long size, List<Region> changed) {
    return writeDisk(name, Source.of(image), size, changed);
  }

  /**
   * As {@link #writeDisk(String, FileChannel, long, List)}, reading from {@code source}; for a full read
   * the source is read in order from the calling thread, so it may report progress as it goes.
   */
  public Manifest.Item writeDisk(String name, Source source, long size, List<Region> changed) {
    DiskIndex parentIndex = null;
    if (parent != null) {
      Manifest.Item previous = parent.disks().stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
      if (previous != null) {
        parentIndex = store.index(previous);
      }
    }
    List<Region> sorted = changed == null ? null
        : changed.stream().sorted(java.util.Comparator.comparingLong(Region::offset)).toList();
    Manifest.Item item = write(name, source, size, sorted, parentIndex);
    disks.add(item);
    return item;
  }

  /** Stores a blob (memory state, domain XML, NVRAM) as a chunked image of its own. */
  public Manifest.Item writeBlob(String name, byte[] data) {
    Manifest.Item item = write(name, Source.of(data), data.length, null, null);
    blobs.add(item);
    return item;
  }

  /** Stores a blob read from a file (a memory state may be larger than an array can hold). */
  public Manifest.Item writeBlob(String name, FileChannel data, long size) {
    Manifest.Item item = write(name, Source.of(data), size, null, null);
    blobs.add(item);
    return item;
  }

  private Manifest.Item write(String name, Source source, long size, List<Region> changed, DiskIndex parentIndex) {
    if (name.isEmpty() || name.contains("/") || name.contains("..")) {
      throw new IllegalArgumentException("not a disk or blob name: " + name);
    }
    ChunkWriter.Stats stats = new ChunkWriter.Stats();
    DiskIndex index = writer.write(source, size, store.config().chunkSize(), changed, parentIndex, stats, found);
    store.backend().flush();
    String key = "indexes/" + backupId + "/" + name;
    store.putSealed(key, index.toBytes(), false);
    return new Manifest.Item(name, size, key, index.count(), (int) stats.newChunks.get(), stats.newBytes.get());
  }

  /**
   * Writes the manifest, after checking that every chunk this session found already stored is still
   * there (a collection that listed it as old just before this session touched it may have removed it);
   * a missing one fails the commit with {@link MissingObjectException}, and running the backup again
   * stores it anew.
   */
  public Manifest commit() {
    for (String key : found) {
      if (store.backend().stat(key).isEmpty()) {
        throw new MissingObjectException(key);
      }
    }
    Manifest manifest = new Manifest(backupId, vm, Instant.now(), parent == null ? null : parent.backupId(),
        disks, blobs);
    store.backend().flush();
    store.putSealed(Manifest.key(backupId), Json.write(manifest), false);
    store.backend().flush();
    committed = true;
    store.backend().delete(Marker.key(backupId));
    return manifest;
  }

  /** Ends the session; without a commit its chunks and indexes are left for the garbage collector. */
  @Override
  public void close() {
    if (!committed) {
      store.backend().delete(Marker.key(backupId));
    }
  }
}
