package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreSync} from an encrypted local store into a target on each kind of backend: the same tests
 * run with a local directory and with a real S3 server as the target.
 */
abstract class SyncContract {
  static final int CHUNK = 64 * 1024;
  static final long DISK = 24L << 20;

  @TempDir Path dir;
  StoreKey key;
  Backend sourceBackend;
  ChunkStore source;
  Path image;

  /** A fresh, empty backend for a target store. */
  abstract Backend newBackend() throws Exception;

  @BeforeEach
  void sourceWithAKey() throws Exception {
    key = StoreKey.create(dir.resolve("key"));
    sourceBackend = new LocalBackend(dir.resolve("source"));
    source = ChunkStore.init(sourceBackend, CHUNK, key);
    image = Images.create(dir.resolve("vda.raw"), DISK, 1);
  }

  @AfterEach
  void closeSource() {
    source.close();
    sourceBackend.close();
  }

  Manifest backup(String vm, String parent, List<Region> changed) throws Exception {
    try (BackupSession session = source.begin(vm, parent)) {
      Images.backup(session, "vda", image, changed);
      session.writeBlob("domain.xml", ("<domain><name>" + vm + "</name></domain>").getBytes(StandardCharsets.UTF_8));
      return session.commit();
    }
  }

  /** Restores the target's copy of a backup and compares it with {@code expected}. */
  void assertRestores(ChunkStore target, String backupId, Path expected) throws Exception {
    Path restored = dir.resolve("restored-" + backupId);
    target.restore(target.manifest(backupId), "vda", restored);
    assertThat(Images.sameContent(restored, expected)).as("the copy of %s restores byte for byte", backupId).isTrue();
    Files.delete(restored);
  }

  static long count(Backend backend, String prefix) {
    return backend.list(prefix).size();
  }

  @Test
  void aSyncSendsOnlyTheChunksTheTargetLacksAndTheCopiesRestoreAndVerify() throws Exception {
    try (CountingBackend backend = new CountingBackend(newBackend());
        ChunkStore target = ChunkStore.init(backend, CHUNK, key)) {
      Manifest first = backup("vm1", null, null);
      Path expectedFirst = Files.copy(image, dir.resolve("expected-first"));

      StoreSync.Report full = source.syncTo(target, null);

      assertThat(full.backupsCopied()).isEqualTo(1);
      assertThat(full.copied()).containsExactly(first.backupId());
      assertThat(full.chunksSent()).isEqualTo(count(sourceBackend, "chunks/"));
      assertThat(full.bytesSent()).isEqualTo(Images.storedBytes(sourceBackend, "chunks/"));
      assertThat(full.chunksPresent()).isZero();

      List<Region> changed = Images.write(image, new long[] {4096, DISK / 2 + 70_000, DISK - 8192}, 4096, 2);
      Manifest second = backup("vm1", first.backupId(), changed);
      long newChunks = second.disks().get(0).newChunks() + second.blobs().get(0).newChunks();
      backend.read.clear();

      StoreSync.Report incremental = source.syncTo(target, null);

      assertThat(incremental.backupsCopied()).isEqualTo(1);
      assertThat(incremental.chunksSent()).as("only what the second backup added").isEqualTo(newChunks)
          .isLessThanOrEqualTo(3);
      assertThat(incremental.chunksPresent()).isPositive();
      assertThat(backend.read.stream().filter(read -> read.startsWith("chunks/")))
          .as("chunks equal to the parent's copy are not even looked up").hasSizeLessThanOrEqualTo(3);

      StoreSync.Report again = source.syncTo(target, null);

      assertThat(again.backupsCopied()).isZero();
      assertThat(again.chunksSent()).isZero();
      assertThat(again.bytesSent()).isZero();
      assertThat(target.backupIds()).containsExactlyInAnyOrder(first.backupId(), second.backupId());
      assertThat(target.manifest(second.backupId())).isEqualTo(source.manifest(second.backupId()));
      assertThat(count(backend, "sessions/")).as("no session marker is left").isZero();
      assertRestores(target, first.backupId(), expectedFirst);
      assertRestores(target, second.backupId(), image);
      assertThat(new String(target.readBlob(target.manifest(first.backupId()), "domain.xml"), StandardCharsets.UTF_8))
          .isEqualTo("<domain><name>vm1</name></domain>");
      assertThat(target.verify(1.0, 0).ok()).isTrue();
    }
  }

  @Test
  void anInterruptedSyncLeavesNoBackupAndARerunSendsOnlyWhatIsMissing() throws Exception {
    Manifest manifest = backup("vm1", null, null);
    long total = count(sourceBackend, "chunks/");
    // The marker and 60 chunks go through; the 62nd object fails, as if the connection were lost.
    try (FailingBackend backend = new FailingBackend(newBackend());
        ChunkStore target = ChunkStore.init(backend, CHUNK, key)) {
      backend.failAfter(61);
      assertThatThrownBy(() -> source.syncTo(target, null)).isInstanceOf(BackendException.class);

      long copied = count(backend, "chunks/");
      assertThat(copied).isBetween(1L, total - 1);
      assertThat(count(backend, "manifests/")).as("no backup without all its chunks").isZero();
      assertThat(target.backupIds()).isEmpty();
      assertThat(count(backend, "sessions/")).as("the marker goes with the failed sync").isZero();

      backend.heal();
      StoreSync.Report rerun = source.syncTo(target, null);

      assertThat(rerun.backupsCopied()).isEqualTo(1);
      assertThat(rerun.chunksSent()).as("what the first run copied is not sent again").isEqualTo(total - copied);
      assertThat(rerun.chunksPresent()).isEqualTo(copied);
      assertRestores(target, manifest.backupId(), image);
      assertThat(target.verify(1.0, 0).ok()).isTrue();
    }
  }

  @Test
  void aSyncInterruptedAtTheManifestResumesWithoutSendingAChunk() throws Exception {
    Manifest manifest = backup("vm1", null, null);
    long total = count(sourceBackend, "chunks/");
    try (FailingBackend backend = new FailingBackend(newBackend());
        ChunkStore target = ChunkStore.init(backend, CHUNK, key)) {
      // The marker, every chunk and both indexes go through; the manifest fails.
      backend.failAfter(1 + (int) total + 2);
      assertThatThrownBy(() -> source.syncTo(target, null)).isInstanceOf(BackendException.class)
          .hasMessageContaining("manifests/");
      assertThat(count(backend, "indexes/")).isEqualTo(2);
      assertThat(target.backupIds()).isEmpty();

      backend.heal();
      StoreSync.Report rerun = source.syncTo(target, null);

      assertThat(rerun.backupsCopied()).isEqualTo(1);
      assertThat(rerun.chunksSent()).isZero();
      assertThat(rerun.chunksPresent()).isEqualTo(total);
      assertRestores(target, manifest.backupId(), image);
      assertThat(target.verify(1.0, 0).ok()).isTrue();
    }
  }

  @Test
  void onlyTheNamedVmsBackupsAreCopied() throws Exception {
    try (Backend backend = newBackend(); ChunkStore target = ChunkStore.init(backend, CHUNK, key)) {
      Manifest wanted = backup("vm1", null, null);
      backup("vm2", null, null);

      StoreSync.Report report = source.syncTo(target, "vm1");

      assertThat(report.copied()).containsExactly(wanted.backupId());
      assertThat(target.backupIds()).containsExactly(wanted.backupId());
      assertThat(report.chunksSent()).as("vm2's backup shares the disk's chunks; only its domain.xml differs")
          .isEqualTo(count(sourceBackend, "chunks/") - 1);
    }
  }

  @Test
  void storesWithAnotherKeyOrChunkSizeAreRefusedAndNothingIsWritten() throws Exception {
    backup("vm1", null, null);
    StoreKey other = StoreKey.create(dir.resolve("other.key"));
    try (Backend otherKey = newBackend(); ChunkStore withOtherKey = ChunkStore.init(otherKey, CHUNK, other);
        Backend plain = newBackend(); ChunkStore unencrypted = ChunkStore.init(plain, CHUNK, null);
        Backend bigger = newBackend(); ChunkStore biggerChunks = ChunkStore.init(bigger, CHUNK * 4, key)) {
      assertThatThrownBy(() -> source.syncTo(withOtherKey, null)).isInstanceOf(StoreException.class)
          .hasMessageContaining("different keys").hasMessageContaining(key.fingerprint())
          .hasMessageContaining(other.fingerprint()).hasMessageContaining("same key file");
      assertThatThrownBy(() -> source.syncTo(unencrypted, null)).isInstanceOf(StoreException.class)
          .hasMessageContaining("different keys").hasMessageContaining("not encrypted");
      assertThatThrownBy(() -> source.syncTo(biggerChunks, null)).isInstanceOf(StoreException.class)
          .hasMessageContaining("different chunk sizes");
      for (Backend backend : List.of(otherKey, plain, bigger)) {
        assertThat(backend.list("")).extracting(ObjectInfo::key).containsExactly(ChunkStore.CONFIG_KEY);
      }
    }
  }
}
