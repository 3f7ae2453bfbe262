package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link StoreSync} into a local store, and a collection of the target running during a sync. */
class LocalSyncTest extends SyncContract {
  @Override
  Backend newBackend() {
    return new LocalBackend(dir.resolve("target-" + System.nanoTime()));
  }

  /** Runs {@code hook} once, just before the first index is stored. */
  private static final class HookBackend extends CountingBackend {
    private final AtomicReference<Runnable> hook = new AtomicReference<>();

    HookBackend(Backend inner) {
      super(inner);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) {
      Runnable run = key.startsWith("indexes/") ? hook.getAndSet(null) : null;
      if (run != null) {
        run.run();
      }
      return super.putIfAbsent(key, data);
    }
  }

  @Test
  void aCollectionOfTheTargetDuringTheSyncKeepsTheOldChunksTheSyncFound() throws Exception {
    Manifest manifest = backup("vm1", null, null);
    LocalBackend local = (LocalBackend) newBackend();
    HookBackend backend = new HookBackend(local);
    try (backend; ChunkStore target = ChunkStore.init(backend, CHUNK, key)) {
      source.syncTo(target, null);
      // The target's copy is pruned and everything it left is a day old: unreferenced chunks a collection
      // with a grace period of an hour deletes, unless the sync that finds them touches them.
      target.prune(manifest.backupId());
      for (ObjectInfo info : local.list("")) {
        local.setLastModified(info.key(), Instant.now().minus(Duration.ofDays(1)));
      }
      AtomicReference<GarbageCollector.Report> collected = new AtomicReference<>();
      backend.hook.set(() -> collected.set(target.gc(Duration.ofHours(1))));

      StoreSync.Report report = source.syncTo(target, null);

      assertThat(collected.get()).as("the collection ran during the sync").isNotNull();
      assertThat(collected.get().keptYoung()).as("the disk's chunks, found and touched")
          .isEqualTo(target.manifest(manifest.backupId()).disks().get(0).newChunks());
      assertThat(report.backupsCopied()).isEqualTo(1);
      assertThat(report.chunksSent()).as("only domain.xml's chunk, found after the collection deleted it").isEqualTo(1);
      assertRestores(target, manifest.backupId(), image);
      assertThat(target.verify(1.0, 0).ok()).isTrue();
    }
  }
}
