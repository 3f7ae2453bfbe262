package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every backend must give the store: the same tests run over a local directory and over a
 * real S3 server.
 */
abstract class StoreContract {
  static final int CHUNK = 64 * 1024;
  static final long DISK = 24L << 20;

  @TempDir Path dir;

  /** A fresh, empty backend. */
  abstract Backend newBackend() throws Exception;

  @Test
  void fullAndForeverIncrementalPointsRestoreByteForByte() throws Exception {
    StoreKey key = StoreKey.create(dir.resolve("key"));
    try (Backend backend = newBackend(); ChunkStore store = ChunkStore.init(backend, CHUNK, key)) {
      Path image = Images.create(dir.resolve("vda.raw"), DISK, 1);
      Path[] expected = new Path[4];
      String[] ids = new String[4];
      try (BackupSession session = store.begin("vm1", null)) {
        Images.backup(session, "vda", image, null);
        session.writeBlob("domain.xml", "<domain><name>vm1</name></domain>".getBytes(StandardCharsets.UTF_8));
        ids[0] = session.commit().backupId();
      }
      expected[0] = Files.copy(image, dir.resolve("expected0"));
      for (int point = 1; point < 4; point++) {
        long[] offsets = {point * 4096L * 3, (DISK / 2) + point * 70_000L, DISK - 8192};
        List<Region> changed = Images.write(image, offsets, 4096, point);
        try (BackupSession session = store.begin("vm1", ids[point - 1])) {
          Manifest.Item item = Images.backup(session, "vda", image, changed);
          assertThat(item.newChunks()).as("an incremental stores only the chunks its writes touched").isLessThanOrEqualTo(3);
          ids[point] = session.commit().backupId();
        }
        expected[point] = Files.copy(image, dir.resolve("expected" + point));
      }
      for (int point = 0; point < 4; point++) {
        Path restored = dir.resolve("restored" + point);
        store.restore(store.manifest(ids[point]), "vda", restored);
        assertThat(Images.sameContent(restored, expected[point])).as("point %d restores byte for byte", point).isTrue();
        // A quarter of the image is holes; the restore leaves zero chunks as holes too.
        assertThat(Images.allocated(restored)).as("zero chunks stay holes").isLessThan(DISK * 7 / 8);
      }
      assertThat(new String(store.readBlob(store.manifest(ids[0]), "domain.xml"), StandardCharsets.UTF_8))
          .isEqualTo("<domain><name>vm1</name></domain>");
      assertThat(store.verify(1.0, 1).ok()).isTrue();
      Verifier.Report sample = store.verify(0.25, 7);
      assertThat(sample.ok()).isTrue();
      assertThat(sample.checkedChunks()).as("a quarter sample checks about a quarter")
          .isBetween(sample.referencedChunks() / 8, sample.referencedChunks() / 2);
    }
  }

  @Test
  void twoVmsClonedFromATemplateShareTheirChunks() throws Exception {
    try (Backend backend = newBackend(); ChunkStore store = ChunkStore.init(backend, CHUNK, null)) {
      Path template = Images.create(dir.resolve("template.raw"), DISK, 2);
      Path vm1 = Files.copy(template, dir.resolve("vm1.raw"));
      Path vm2 = Files.copy(template, dir.resolve("vm2.raw"));
      Images.write(vm1, new long[] {0, 5 << 20}, 4096, 11);
      Images.write(vm2, new long[] {4096 * 7, 9 << 20}, 4096, 12);
      Manifest.Item first;
      Manifest.Item second;
      try (BackupSession session = store.begin("vm1", null)) {
        first = Images.backup(session, "vda", vm1, null);
        session.commit();
      }
      long afterOne = Images.storedBytes(backend, "chunks/");
      try (BackupSession session = store.begin("vm2", null)) {
        second = Images.backup(session, "vda", vm2, null);
        session.commit();
      }
      long afterTwo = Images.storedBytes(backend, "chunks/");
      // vm2 differs from vm1 in chunk 0 (both wrote there), in its own write and in vm1's (template bytes
      // that vm1 overwrote before its backup).
      assertThat(second.newChunks()).as("the clone stores only the chunks that differ").isLessThanOrEqualTo(3);
      assertThat(afterTwo).as("two clones store far less than twice one").isLessThan(afterOne * 11 / 10);
      assertThat(first.newChunks()).isGreaterThan(100);
    }
  }

  @Test
  void touchingAnObjectRenewsItsTime() throws Exception {
    try (Backend backend = newBackend()) {
      assertThat(backend.putIfAbsent("chunks/aa/aa01", new byte[] {1, 2, 3})).isTrue();
      assertThat(backend.putIfAbsent("chunks/aa/aa01", new byte[] {1, 2, 3})).as("put-if-absent").isFalse();
      java.time.Instant before = backend.stat("chunks/aa/aa01").orElseThrow().lastModified();
      Thread.sleep(1100);
      backend.touch("chunks/aa/aa01");
      assertThat(backend.stat("chunks/aa/aa01").orElseThrow().lastModified()).isAfter(before);
      assertThat(backend.get("chunks/aa/aa01").orElseThrow()).containsExactly(1, 2, 3);
      assertThat(backend.list("chunks/")).extracting(ObjectInfo::key).containsExactly("chunks/aa/aa01");
      backend.delete("chunks/aa/aa01");
      assertThat(backend.get("chunks/aa/aa01")).isEmpty();
      assertThat(backend.stat("chunks/aa/aa01")).isEmpty();
    }
  }

  @Test
  void collectionAfterPruneDeletesOnlyWhatNoBackupNeeds() throws Exception {
    try (Backend backend = newBackend(); ChunkStore store = ChunkStore.init(backend, CHUNK, null)) {
      Path image = Images.create(dir.resolve("vda.raw"), 4L << 20, 3);
      Manifest a;
      try (BackupSession session = store.begin("vm1", null)) {
        Images.backup(session, "vda", image, null);
        a = session.commit();
      }
      List<Region> changed = Images.write(image, new long[] {0, 1 << 20}, 4096, 4);
      Manifest b;
      try (BackupSession session = store.begin("vm1", a.backupId())) {
        Images.backup(session, "vda", image, changed);
        b = session.commit();
      }
      store.prune(a.backupId());
      // No backup runs, so a zero grace period is safe here; the pause puts every object's time (whole
      // seconds on S3) before the collection's start.
      Thread.sleep(1100);
      GarbageCollector.Report report = store.gc(java.time.Duration.ZERO);
      assertThat(report.deletedChunks()).isEqualTo(2);
      assertThat(report.deletedIndexes()).isEqualTo(1);
      Path restored = dir.resolve("b.raw");
      store.restore(b, "vda", restored);
      assertThat(Images.sameContent(restored, image)).isTrue();
      assertThat(store.verify(1.0, 3).ok()).isTrue();
      assertThat(store.backupIds()).containsExactly(b.backupId());
    }
  }
}
