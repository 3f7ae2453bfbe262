package dev.vmbackup.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deduplicating, compressed and optionally encrypted store of VM backups on a {@link Backend}; the
 * format is described in {@code docs/store-format.md}.
 *
 * <p>Open one with {@link #open} (or create one with {@link #init}); the key is checked against
 * {@code store.json} before anything else is read, so a wrong or missing key is a
 * {@link KeyMismatchException} and nothing more. Thread-safe: backups, restores, collections and
 * verifications may run at once, from this process or others.
 */
public final class ChunkStore implements AutoCloseable {
  /** Key of the store's configuration object. */
  public static final String CONFIG_KEY = "store.json";

  private final Backend backend;
  private final StoreConfig config;
  private final Codec codec;
  private final ExecutorService pool;
  private final int threads;

  private ChunkStore(Backend backend, StoreConfig config, StoreKey key) {
    this.backend = backend;
    this.config = config;
    this.codec = new Codec(key, config.compressionLevel());
    // CPU threads for hashing, compressing and encrypting, plus the backend's own concurrency so that
    // waiting on uploads does not leave a core idle.
    this.threads = Runtime.getRuntime().availableProcessors() + backend.concurrency();
    AtomicInteger counter = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, runnable -> {
      Thread thread = new Thread(runnable, "store-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Creates a store on an empty backend. {@code key} is null for an unencrypted store. Refuses a backend
   * that already holds a store.
   */
  public static ChunkStore init(Backend backend, int chunkSize, StoreKey key) {
    StoreConfig config = StoreConfig.of(chunkSize, key);
    if (!backend.putIfAbsent(CONFIG_KEY, Json.write(config))) {
      throw new StoreException("a store already exists here (" + CONFIG_KEY + " is present); open it instead");
    }
    backend.flush();
    return new ChunkStore(backend, config, key);
  }

  /**
   * Opens an existing store, with its key ({@code null} for an unencrypted one). Reads {@code store.json}
   * only, and refuses a missing key, a wrong key, or a key for an unencrypted store.
   */
  public static ChunkStore open(Backend backend, StoreKey key) {
    byte[] bytes = backend.get(CONFIG_KEY)
        .orElseThrow(() -> new StoreException("no store here (" + CONFIG_KEY + " is missing); create one first"));
    StoreConfig config = Json.read(CONFIG_KEY, bytes, StoreConfig.class);
    if (config.formatVersion() != StoreConfig.FORMAT_VERSION) {
      throw new StoreException("store format " + config.formatVersion() + " is not known to this version (it knows "
          + StoreConfig.FORMAT_VERSION + ")");
    }
    if (config.encrypted() && key == null) {
      throw new KeyMismatchException("the store is encrypted (key fingerprint " + config.keyFingerprint()
          + "): give its key file");
    }
    if (!config.encrypted() && key != null) {
      throw new KeyMismatchException("the store is not encrypted, but a key file was given: give none");
    }
    if (key != null && !key.fingerprint().equals(config.keyFingerprint())) {
      throw new KeyMismatchException("the key file has fingerprint " + key.fingerprint() + ", the store expects "
          + config.keyFingerprint() + ": wrong key file");
    }
    return new ChunkStore(backend, config, key);
  }

  public StoreConfig config() {
    return config;
  }

  public Backend backend() {
    return backend;
  }

  Codec codec() {
    return codec;
  }

  /** The store's threads, shared by its writers, readers and syncs. */
  ExecutorService pool() {
    return pool;
  }

  /** How many chunks one writer, reader or sync keeps in flight on {@link #pool()}. */
  int window() {
    return threads * 2;
  }

  /** Starts a backup of {@code vm}; {@code parentBackupId} (or null) is the backup an incremental builds on. */
  public BackupSession begin(String vm, String parentBackupId) {
    return begin(vm, parentBackupId, UUID.randomUUID().toString());
  }

  /**
   * Starts a backup under an id the caller chose, so that a retried step writes the same backup: a caller
   * first looks for the id's manifest ({@link #findManifest}) and begins only when there is none.
   */
  public BackupSession begin(String vm, String parentBackupId, String backupId) {
    return new BackupSession(this, new ChunkWriter(backend, codec, pool, threads * 2), backupId, vm, parentBackupId);
  }

  /** The manifest of a committed backup, or empty when no backup has this id. */
  public java.util.Optional<Manifest> findManifest(String backupId) {
    if (backend.stat(Manifest.key(backupId)).isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(manifest(backupId));
  }

  /** Ids of every committed backup. */
  public List<String> backupIds() {
    return backend.list("manifests/").stream().map(info -> info.key().substring("manifests/".length())).toList();
  }

  /** The manifest of a committed backup. */
  public Manifest manifest(String backupId) {
    String key = Manifest.key(backupId);
    return Json.read(key, openSealed(key), Manifest.class);
  }

  /** The index of a disk or blob. */
  public DiskIndex index(Manifest.Item item) {
    return DiskIndex.fromBytes(item.index(), openSealed(item.index()));
  }

  /** Restores a disk of a backup to a raw, sparse image file at {@code target}. */
  public Restorer.Result restore(Manifest manifest, String disk, Path target) {
    return new Restorer(backend, codec, pool, threads * 2).restore(index(manifest.item(disk)), target);
  }

  /** Restores a blob of a backup to a file at {@code target}, as {@link #restore} does a disk. */
  public Restorer.Result restoreBlob(Manifest manifest, String name, Path target) {
    return new Restorer(backend, codec, pool, threads * 2).restore(index(manifest.item(name)), target);
  }

  /** The bytes of a blob of a backup, each chunk checked. */
  public byte[] readBlob(Manifest manifest, String name) {
    DiskIndex index = index(manifest.item(name));
    Restorer restorer = new Restorer(backend, codec, pool, threads * 2);
    byte[] data = new byte[Math.toIntExact(index.size())];
    for (int i = 0; i < index.count(); i++) {
      if (!index.isZero(i)) {
        byte[] chunk = restorer.fetch(index.digest(i), index.length(i), new java.util.concurrent.atomic.AtomicLong());
        System.arraycopy(chunk, 0, data, i * index.chunkSize(), chunk.length);
      }
    }
    return data;
  }

  /**
   * Removes a backup from the list of backups by deleting its manifest; its indexes and chunks go at the
   * next collection that finds nothing else referring to them.
   */
  public void prune(String backupId) {
    backend.delete(Manifest.key(backupId));
  }

  /** Deletes unreferenced chunks older than {@code grace}; see {@link GarbageCollector}. */
  public GarbageCollector.Report gc(Duration grace) {
    return new GarbageCollector(this, pool).run(grace);
  }

  /**
   * Copies the backups this store has and {@code target} lacks (all, or only {@code vm}'s when it is not
   * null); see {@link StoreSync}.
   */
  public StoreSync.Report syncTo(ChunkStore target, String vm) {
    return new StoreSync(this, target).run(vm, null);
  }

  /** Re-reads every chunk of the backups {@code backupIds}; see {@link Verifier}. */
  public Verifier.Report verify(List<String> backupIds) {
    return new Verifier(this, pool, threads * 2).run(backupIds, 1.0, 0);
  }

  /** Re-reads a share ({@code 0 < fraction ≤ 1}) of the referenced chunks; see {@link Verifier}. */
  public Verifier.Report verify(double fraction, long seed) {
    return new Verifier(this, pool, threads * 2).run(fraction, seed);
  }

  /** Seals and stores an index, manifest or marker (unencrypted for markers, which hold no content). */
  void putSealed(String key, byte[] plain, boolean marker) {
    byte[] bytes = marker ? plain : codec.seal(key, plain, plain.length);
    if (!backend.putIfAbsent(key, bytes)) {
      throw new StoreException(key + " already exists; backup ids are never reused");
    }
  }

  /** Reads and opens a sealed object. */
  byte[] openSealed(String key) {
    return codec.open(key, backend.get(key).orElseThrow(() -> new MissingObjectException(key)));
  }

  /** Reads a plain marker object, or null when it is gone. */
  String readMarker(String key) {
    return backend.get(key).map(bytes -> new String(bytes, StandardCharsets.UTF_8)).orElse(null);
  }

  /** Stops the store's threads; the backend is closed by its owner. */
  @Override
  public void close() {
    pool.shutdownNow();
  }
}
