package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Collection deletes what no backup needs, and nothing a running backup needs. */
class GarbageCollectorTest {
  private static final Duration GRACE = Duration.ofHours(1);

  @TempDir Path dir;
  private LocalBackend backend;
  private ChunkStore store;
  private Path image;

  @BeforeEach
  void setUp() throws Exception {
    backend = new LocalBackend(dir.resolve("store"));
    store = ChunkStore.init(backend, 64 << 10, null);
    image = Images.create(dir.resolve("vda.raw"), 8L << 20, 6);
  }

  @org.junit.jupiter.api.AfterEach
  void tearDown() {
    store.close();
  }

  /** Makes every chunk look older than the grace period, as if stored days ago. */
  private void ageChunks() throws Exception {
    for (ObjectInfo info : backend.list("")) {
      backend.setLastModified(info.key(), Instant.now().minus(Duration.ofDays(1)));
    }
  }

  private Manifest backup(String vm, String parent, List<Region> changed) throws Exception {
    try (BackupSession session = store.begin(vm, parent)) {
      Images.backup(session, "vda", image, changed);
      return session.commit();
    }
  }

  private void assertRestores(Manifest manifest, Path expected) throws Exception {
    Path restored = dir.resolve("restored-" + manifest.backupId());
    store.restore(manifest, "vda", restored);
    assertThat(Images.sameContent(restored, expected)).as("backup %s restores", manifest.backupId()).isTrue();
    Files.delete(restored);
  }

  @Test
  void aPrunedBackupsOwnChunksGoAndSharedOnesStay() throws Exception {
    Manifest a = backup("vm1", null, null);
    List<Region> changed = Images.write(image, new long[] {0, 2 << 20}, 4096, 1);
    Manifest b = backup("vm1", a.backupId(), changed);
    Path expectedB = Files.copy(image, dir.resolve("b.raw"));
    ageChunks();
    GarbageCollector.Report nothing = store.gc(GRACE);
    assertThat(nothing.deletedChunks()).isZero();
    store.prune(a.backupId());
    GarbageCollector.Report report = store.gc(GRACE);
    assertThat(report.deletedChunks()).as("the two chunks only A had").isEqualTo(2);
    assertThat(report.deletedIndexes()).isEqualTo(1);
    assertRestores(b, expectedB);
    assertThat(store.verify(1.0, 1).ok()).isTrue();
  }

  @Test
  void chunksWithinTheGracePeriodStay() throws Exception {
    Manifest a = backup("vm1", null, null);
    store.prune(a.backupId());
    GarbageCollector.Report report = store.gc(GRACE);
    assertThat(report.deletedChunks()).isZero();
    assertThat(report.keptYoung()).isEqualTo(backend.list("chunks/").size()).isPositive();
  }

  @Test
  void aParentPrunedAndCollectedDuringAnIncrementalKeepsWhatTheIncrementalReuses() throws Exception {
    Manifest a = backup("vm1", null, null);
    ageChunks();
    List<Region> changed = Images.write(image, new long[] {1 << 20}, 4096, 2);
    Manifest b;
    try (BackupSession session = store.begin("vm1", a.backupId())) {
      Images.backup(session, "vda", image, changed);
      store.prune(a.backupId());
      GarbageCollector.Report during = store.gc(GRACE);
      assertThat(during.deletedChunks()).as("the session's parent is still marked").isZero();
      b = session.commit();
    }
    assertRestores(b, image);
    // Once the session is over, the parent's chunks the child does not use may go.
    assertThat(store.gc(GRACE).deletedChunks()).isEqualTo(1);
    assertRestores(b, image);
  }

  @Test
  void anOldUnreferencedChunkThatANewBackupFindsIsTouchedAndKept() throws Exception {
    Manifest a = backup("vm1", null, null);
    store.prune(a.backupId());
    ageChunks();
    Manifest clone;
    try (BackupSession session = store.begin("vm2", null)) {
      Manifest.Item item = Images.backup(session, "vda", image, null);
      assertThat(item.newChunks()).as("every chunk was found already stored").isZero();
      assertThat(store.gc(GRACE).deletedChunks()).isZero();
      clone = session.commit();
    }
    assertRestores(clone, image);
  }

  @Test
  void backupsRunningWhileCollectionsLoopLoseNothing() throws Exception {
    Manifest base = backup("vm1", null, null);
    Manifest other = backup("vm2", null, null);
    store.prune(other.backupId());
    ageChunks();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger collections = new AtomicInteger();
    CompletableFuture<Void> collector = CompletableFuture.runAsync(() -> {
      while (!done.get()) {
        store.gc(GRACE);
        collections.incrementAndGet();
      }
    });
    List<Manifest> points = new ArrayList<>();
    List<Path> expected = new ArrayList<>();
    String parent = base.backupId();
    try {
      for (int point = 0; point < 6; point++) {
        List<Region> changed = Images.write(image, new long[] {point * 700_000L, (5L << 20) + point * 4096}, 4096, 10 + point);
        Manifest manifest = backup("vm1", parent, point % 3 == 2 ? null : changed);
        if (point % 2 == 1) {
          store.prune(parent);
        }
        parent = manifest.backupId();
        points.add(manifest);
        expected.add(Files.copy(image, dir.resolve("expected" + point)));
      }
    } finally {
      done.set(true);
      collector.get();
    }
    assertThat(collections.get()).isPositive();
    store.gc(GRACE);
    for (int i = 0; i < points.size(); i++) {
      if (store.backupIds().contains(points.get(i).backupId())) {
        assertRestores(points.get(i), expected.get(i));
      }
    }
    assertThat(store.verify(1.0, 2).ok()).isTrue();
  }
}
