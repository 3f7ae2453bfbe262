package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A corrupted or missing chunk is found by verify and stops a restore before it writes anything. */
class CorruptionTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "encrypted={0}")
  @ValueSource(booleans = {false, true})
  void aFlippedByteIsFoundByVerifyAndStopsTheRestore(boolean encrypted) throws Exception {
    Path storeDir = dir.resolve("store");
    StoreKey key = encrypted ? StoreKey.create(dir.resolve("k")) : null;
    Path image = Images.create(dir.resolve("vda.raw"), 8L << 20, 4);
    try (LocalBackend backend = new LocalBackend(storeDir); ChunkStore store = ChunkStore.init(backend, 64 << 10, key)) {
      Manifest manifest;
      try (BackupSession session = store.begin("vm1", null)) {
        Images.backup(session, "vda", image, null);
        manifest = session.commit();
      }
      DiskIndex index = store.index(manifest.item("vda"));
      int victim = index.count() / 2;
      while (index.isZero(victim)) {
        victim++;
      }
      String key1 = Codec.chunkKey(index.digest(victim));
      Path file = storeDir.resolve(key1);
      byte[] bytes = Files.readAllBytes(file);
      bytes[bytes.length - 20] ^= 1;
      Files.write(file, bytes);

      Verifier.Report report = store.verify(1.0, 1);
      assertThat(report.ok()).isFalse();
      assertThat(report.bad()).extracting(Verifier.BadChunk::key).containsExactly(key1);
      assertThat(report.failedBackups()).containsExactly(manifest.backupId());

      Path target = dir.resolve("restored.raw");
      Files.writeString(target, "an earlier image the operator still has");
      assertThatThrownBy(() -> store.restore(manifest, "vda", target)).isInstanceOf(CorruptChunkException.class)
          .hasMessageContaining(key1);
      assertThat(Files.readString(target)).as("the existing target is untouched").isEqualTo("an earlier image the operator still has");
      assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).noneMatch(name -> name.endsWith(".partial"));
    }
  }

  @ParameterizedTest(name = "encrypted={0}")
  @ValueSource(booleans = {false, true})
  void aChunkSwappedForAnotherOrDeletedIsFound(boolean encrypted) throws Exception {
    Path storeDir = dir.resolve("store");
    StoreKey key = encrypted ? StoreKey.create(dir.resolve("k")) : null;
    Path image = Images.create(dir.resolve("vda.raw"), 8L << 20, 5);
    try (LocalBackend backend = new LocalBackend(storeDir); ChunkStore store = ChunkStore.init(backend, 64 << 10, key)) {
      Manifest manifest;
      try (BackupSession session = store.begin("vm1", null)) {
        Images.backup(session, "vda", image, null);
        manifest = session.commit();
      }
      List<ObjectInfo> chunks = backend.list("chunks/");
      String a = chunks.get(0).key();
      String b = chunks.get(1).key();
      String c = chunks.get(2).key();
      Files.copy(storeDir.resolve(b), storeDir.resolve(a), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.delete(storeDir.resolve(c));
      Verifier.Report report = store.verify(1.0, 1);
      assertThat(report.bad()).extracting(Verifier.BadChunk::key).containsExactlyInAnyOrder(a, c);
      assertThatThrownBy(() -> store.restore(manifest, "vda", dir.resolve("out.raw")))
          .isInstanceOfAny(CorruptChunkException.class, MissingObjectException.class);
      assertThat(dir.resolve("out.raw")).doesNotExist();
    }
  }
}
