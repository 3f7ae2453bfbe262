package dev.vmbackup.store;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Deletes what no backup needs, safely while backups run (mark and sweep with a grace period, as
 * Proxmox Backup Server's two-phase collection).
 *
 * <p>Mark: every chunk named by an index of a committed manifest, and by the parent's indexes of every
 * open backup session (a session reuses its parent's chunks without touching them, and the parent may
 * be pruned meanwhile). Sweep: a chunk that is not marked is deleted only if its time is older than the
 * collection's start minus the grace period, checked again just before the delete. A backup that finds a
 * chunk already stored touches it, and a chunk it uploads is new, so neither is old enough; the grace
 * period must exceed the longest backup. A backup's commit re-checks the chunks it found, which closes
 * the window between this sweep's check and its delete.
 *
 * <p>Indexes of backups that have no manifest and no open session (pruned, or abandoned by a crashed
 * writer) are swept under the same grace period; so are session markers older than
 * {@link #SESSION_TIMEOUT} and a local store's temporary files.
 */
public final class GarbageCollector {
  /** A session marker older than this is a crashed writer's and no longer protects anything. */
  public static final Duration SESSION_TIMEOUT = Duration.ofDays(2);

  /**
   * What one collection did.
   *
   * @param markedChunks chunks referenced
   * @param deletedChunks chunks deleted
   * @param deletedBytes their stored bytes
   * @param keptYoung unreferenced chunks kept because they are within the grace period
   * @param deletedIndexes indexes of pruned or abandoned backups deleted
   */
  public record Report(int markedChunks, int deletedChunks, long deletedBytes, int keptYoung, int deletedIndexes) {}

  private final ChunkStore store;
  private final Backend backend;

  GarbageCollector(ChunkStore store, ExecutorService pool) {
    this.store = store;
    this.backend = store.backend();
  }

  Report run(Duration grace) {
    Instant start = Instant.now();
    Instant cutoff = start.minus(grace);
    // Sessions are listed before and after the manifests. A session that began before the second listing
    // is seen there, and its parent's indexes are marked; one that began after it read its parent's
    // manifest after the manifests were marked (a session writes its marker before it reads the parent),
    // so that parent was either marked here or already gone, failing the session's start.
    Set<String> liveIds = new HashSet<>();
    Set<String> parents = new HashSet<>();
    listSessions(start, liveIds, parents);
    Set<String> marked = new HashSet<>();
    for (String id : store.backupIds()) {
      Progress.tick();
      liveIds.add(id);
      Manifest manifest;
      try {
        manifest = store.manifest(id);
      } catch (MissingObjectException prunedMeanwhile) {
        continue;
      }
      // Any other failure to read a manifest or an index ends the collection here, before the sweep:
      // deleting with an incomplete mark would delete chunks that a backup needs.
      for (Manifest.Item item : concat(manifest.disks(), manifest.blobs())) {
        mark(store.index(item), marked);
      }
    }
    listSessions(start, liveIds, parents);
    for (String parent : parents) {
      // The parent's manifest may be gone (pruned during the session); its indexes stay until no session
      // names it, so they are read directly.
      liveIds.add(parent);
      for (ObjectInfo info : backend.list("indexes/" + parent + "/")) {
        mark(DiskIndex.fromBytes(info.key(), store.openSealed(info.key())), marked);
      }
    }
    int deleted = 0;
    int young = 0;
    long bytes = 0;
    for (ObjectInfo info : backend.list("chunks/")) {
      Progress.tick();
      if (marked.contains(info.key())) {
        continue;
      }
      Optional<ObjectInfo> now = info.lastModified().isBefore(cutoff) ? backend.stat(info.key()) : Optional.of(info);
      if (now.isPresent() && now.get().lastModified().isBefore(cutoff)) {
        backend.delete(info.key());
        deleted++;
        bytes += info.size();
      } else if (now.isPresent()) {
        young++;
      }
    }
    int indexes = 0;
    for (ObjectInfo info : backend.list("indexes/")) {
      String id = info.key().split("/")[1];
      if (!liveIds.contains(id) && info.lastModified().isBefore(cutoff)) {
        backend.delete(info.key());
        indexes++;
      }
    }
    if (backend instanceof LocalBackend local) {
      local.removeStaleTemporaries(cutoff);
    }
    return new Report(marked.size(), deleted, bytes, young, indexes);
  }

  /** Adds the ids and parents of live session markers; deletes markers older than the session timeout. */
  private void listSessions(Instant start, Set<String> liveIds, Set<String> parents) {
    for (ObjectInfo info : backend.list("sessions/")) {
      String text = store.readMarker(info.key());
      if (text == null) {
        continue;
      }
      BackupSession.Marker marker = Json.read(info.key(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          BackupSession.Marker.class);
      if (marker.started().isBefore(start.minus(SESSION_TIMEOUT))) {
        backend.delete(info.key());
        continue;
      }
      liveIds.add(marker.backupId());
      if (marker.parent() != null) {
        parents.add(marker.parent());
      }
    }
  }

  private static void mark(DiskIndex index, Set<String> marked) {
    for (int i = 0; i < index.count(); i++) {
      if (!index.isZero(i)) {
        marked.add(Codec.chunkKey(index.digest(i)));
      }
    }
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
