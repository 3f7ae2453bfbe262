package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encryption and keys: a wrong or missing key is a clear error that reads nothing but store.json. */
class KeyTest {
  @TempDir Path dir;

  private Manifest backupOneDisk(ChunkStore store, Path image) throws Exception {
    try (BackupSession session = store.begin("vm1", null)) {
      Images.backup(session, "vda", image, null);
      return session.commit();
    }
  }

  @Test
  void aKeyFileInTheFormatOfVmbackupKeyCreateOpensTheStore() throws Exception {
    // The format PayloadKey.create writes: 32 random bytes, base64, one line, mode 0600.
    Path file = dir.resolve("payload.key");
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, Base64.getEncoder().encodeToString(new byte[32]) + "\n");
    StoreKey key = StoreKey.read(file);
    assertThat(key.fingerprint()).hasSize(16).isEqualTo(StoreKey.of(new byte[32]).fingerprint());
    assertThat(key.toString()).doesNotContain(Base64.getEncoder().encodeToString(new byte[32]));
  }

  @Test
  void aKeyFileOthersMayReadIsRefused() throws Exception {
    Path file = dir.resolve("open.key");
    Files.writeString(file, Base64.getEncoder().encodeToString(new byte[32]));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> StoreKey.read(file)).isInstanceOf(KeyMismatchException.class).hasMessageContaining("chmod 600");
  }

  @Test
  void aWrongOrMissingKeyIsRefusedBeforeAnythingButTheConfigurationIsRead() throws Exception {
    Path storeDir = dir.resolve("store");
    StoreKey right = StoreKey.create(dir.resolve("right.key"));
    StoreKey wrong = StoreKey.create(dir.resolve("wrong.key"));
    Path image = Images.create(dir.resolve("vda.raw"), 4L << 20, 3);
    try (ChunkStore store = ChunkStore.init(new LocalBackend(storeDir), 64 << 10, right)) {
      backupOneDisk(store, image);
    }
    CountingBackend counting = new CountingBackend(new LocalBackend(storeDir));
    assertThatThrownBy(() -> ChunkStore.open(counting, wrong)).isInstanceOf(KeyMismatchException.class)
        .hasMessageContaining("wrong key file").hasMessageContaining(right.fingerprint());
    assertThatThrownBy(() -> ChunkStore.open(counting, null)).isInstanceOf(KeyMismatchException.class)
        .hasMessageContaining("encrypted").hasMessageContaining("give its key file");
    assertThatThrownBy(() -> ChunkStore.open(counting, StoreKey.read(dir.resolve("absent.key"))))
        .isInstanceOf(KeyMismatchException.class).hasMessageContaining("no such file");
    assertThat(counting.read).containsOnly(ChunkStore.CONFIG_KEY);
    try (ChunkStore store = ChunkStore.open(counting, right)) {
      assertThat(store.backupIds()).hasSize(1);
    }
  }

  @Test
  void anEncryptedStoreHidesContentAndDigests() throws Exception {
    Path storeDir = dir.resolve("store");
    StoreKey key = StoreKey.create(dir.resolve("k"));
    Path image = dir.resolve("text.raw");
    byte[] text = "a secret line of a guest's disk\n".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    Files.write(image, text);
    try (Backend backend = new LocalBackend(storeDir); ChunkStore store = ChunkStore.init(backend, 64 << 10, key)) {
      Manifest manifest = backupOneDisk(store, image);
      String plainDigest = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(java.util.Arrays.copyOf(text, 64 << 10)));
      assertThat(backend.list("chunks/")).isNotEmpty().noneMatch(info -> info.key().contains(plainDigest));
      for (ObjectInfo info : backend.list("")) {
        assertThat(new String(backend.get(info.key()).orElseThrow(), StandardCharsets.ISO_8859_1))
            .as(info.key()).doesNotContain("secret", "vm1", "vda");
      }
      Path restored = dir.resolve("restored.raw");
      store.restore(manifest, "vda", restored);
      assertThat(Files.readAllBytes(restored)).isEqualTo(text);
    }
  }
}
