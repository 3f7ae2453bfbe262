package dev.vmbackup.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Re-reads chunks and reports the bad ones with the backups that reference them (as benji's scrub). All
 * manifests and indexes are always read; chunks are sampled: each referenced chunk is checked with
 * probability {@code fraction}, decided by a seeded generator so a run can be repeated. A chunk is bad
 * when it is missing, fails authentication or decompression, or its digest differs from its name.
 */
public final class Verifier {
  /**
   * A chunk that failed.
   *
   * @param key its backend key
   * @param reason what failed
   */
  public record BadChunk(String key, String reason) {}

  /**
   * What a verification found.
   *
   * @param backups backups whose manifests were read
   * @param referencedChunks distinct chunks they reference
   * @param checkedChunks chunks re-read
   * @param bad the chunks that failed
   * @param failedBackups ids of the backups that reference a bad chunk, or whose manifest or index is bad
   */
  public record Report(int backups, int referencedChunks, int checkedChunks, List<BadChunk> bad,
      Set<String> failedBackups) {
    public Report {
      bad = List.copyOf(bad);
      failedBackups = Set.copyOf(failedBackups);
    }

    public boolean ok() {
      return bad.isEmpty() && failedBackups.isEmpty();
    }
  }

  private final ChunkStore store;
  private final ExecutorService pool;
  private final int window;

  Verifier(ChunkStore store, ExecutorService pool, int window) {
    this.store = store;
    this.pool = pool;
    this.window = window;
  }

  Report run(double fraction, long seed) {
    return run(store.backupIds(), fraction, seed);
  }

  /** Verifies the backups {@code ids} only: a backup that was just written, say. */
  Report run(List<String> ids, double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("the fraction to verify is in (0, 1], not " + fraction);
    }
    Map<String, List<String>> users = new HashMap<>();
    Set<String> failed = new TreeSet<>();
    List<BadChunk> bad = new ArrayList<>();
    for (String id : ids) {
      Progress.tick();
      try {
        Manifest manifest = store.manifest(id);
        for (Manifest.Item item : java.util.stream.Stream.concat(manifest.disks().stream(), manifest.blobs().stream())
            .toList()) {
          DiskIndex index = store.index(item);
          for (int i = 0; i < index.count(); i++) {
            if (!index.isZero(i)) {
              users.computeIfAbsent(Codec.chunkKey(index.digest(i)), k -> new ArrayList<>(1)).add(id);
            }
          }
        }
      } catch (CorruptChunkException | MissingObjectException e) {
        bad.add(new BadChunk(e instanceof CorruptChunkException c ? c.key() : ((MissingObjectException) e).key(),
            e.getMessage()));
        failed.add(id);
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    ConcurrentLinkedQueue<BadChunk> badChunks = new ConcurrentLinkedQueue<>();
    Semaphore inFlight = new Semaphore(window);
    AtomicInteger checked = new AtomicInteger();
    // Sorting makes the sample depend on the seed only, not on hash order.
    for (String key : new TreeSet<>(users.keySet())) {
      Progress.tick();
      if (fraction < 1 && random.nextDouble() >= fraction) {
        continue;
      }
      inFlight.acquireUninterruptibly();
      pool.execute(() -> {
        try {
          byte[] digest = HexFormat.of().parseHex(key.substring(key.lastIndexOf('/') + 1));
          byte[] sealed = store.backend().get(key).orElseThrow(() -> new MissingObjectException(key));
          byte[] data = store.codec().open(key, sealed);
          if (!java.util.Arrays.equals(store.codec().digest(data, data.length), digest)) {
            throw new CorruptChunkException(key, "content digest does not match its name");
          }
        } catch (CorruptChunkException | MissingObjectException e) {
          badChunks.add(new BadChunk(key, e.getMessage()));
        } catch (RuntimeException e) {
          badChunks.add(new BadChunk(key, "cannot read: " + e.getMessage()));
        } finally {
          checked.incrementAndGet();
          inFlight.release();
        }
      });
    }
    inFlight.acquireUninterruptibly(window);
    for (BadChunk chunk : badChunks) {
      bad.add(chunk);
      failed.addAll(users.getOrDefault(chunk.key(), List.of()));
    }
    return new Report(ids.size(), users.size(), checked.get(), bad, failed);
  }
}
