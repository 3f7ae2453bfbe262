package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract over a real versitygw S3 server, plus the server going away mid-upload. */
class S3StoreTest extends StoreContract {
  private static final AtomicInteger buckets = new AtomicInteger();
  private static Path scratch;
  private static VersityGw gw;

  @BeforeAll
  static void startServer() throws Exception {
    if (VersityGw.unavailable() != null) {
      return;
    }
    // Under /var/tmp rather than /tmp: versitygw keeps object metadata in extended attributes, which a
    // tmpfs may not offer.
    Path base = Path.of(System.getenv().getOrDefault("VMBACKUP_STORE_SCRATCH", "/var/tmp/store-scratch"));
    scratch = Files.createTempDirectory(Files.createDirectories(base), "s3-");
    gw = VersityGw.start(scratch);
  }

  /** Skips each test visibly, with the reason, where the server cannot run. */
  @org.junit.jupiter.api.BeforeEach
  void requireServer() {
    org.junit.jupiter.api.Assumptions.assumeTrue(gw != null, VersityGw::unavailable);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (scratch != null) {
      try (var paths = Files.walk(scratch)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Override
  Backend newBackend() throws Exception {
    return new S3Backend(gw.bucket("store-" + buckets.incrementAndGet(), scratch, Duration.ofSeconds(30)));
  }

  @Test
  void aServerStoppedMidUploadIsRetriedAndTheBackupCompletes() throws Exception {
    Path image = Images.create(dir.resolve("vda.raw"), 32L << 20, 7);
    try (Backend backend = newBackend(); ChunkStore store = ChunkStore.init(backend, CHUNK, null)) {
      CompletableFuture<Manifest> backup = CompletableFuture.supplyAsync(() -> {
        try (BackupSession session = store.begin("vm1", null)) {
          Images.backup(session, "vda", image, null);
          return session.commit();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      // Stop the server once some chunks are in, keep it down for a few seconds, then bring it back.
      while (backend.list("chunks/").size() < 20 && !backup.isDone()) {
        Thread.sleep(20);
      }
      assertThat(backup).as("the upload is still running when the server goes").isNotDone();
      gw.stop();
      try {
        Thread.sleep(3000);
      } finally {
        gw.startProcess();
      }
      Manifest manifest = backup.get(2, TimeUnit.MINUTES);
      Path restored = dir.resolve("restored.raw");
      store.restore(manifest, "vda", restored);
      assertThat(Images.sameContent(restored, image)).isTrue();
    }
  }

  @Test
  void aBackupThatGaveUpResumesWithoutUploadingStoredChunksAgain() throws Exception {
    Path image = Images.create(dir.resolve("vda.raw"), 16L << 20, 8);
    S3Settings settings = gw.bucket("resume-" + buckets.incrementAndGet(), scratch, Duration.ofSeconds(1));
    try (Backend backend = new S3Backend(settings); ChunkStore store = ChunkStore.init(backend, CHUNK, null)) {
      CompletableFuture<Manifest> first = CompletableFuture.supplyAsync(() -> {
        try (BackupSession session = store.begin("vm1", null)) {
          Images.backup(session, "vda", image, null);
          return session.commit();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      while (backend.list("chunks/").size() < 20 && !first.isDone()) {
        Thread.sleep(20);
      }
      gw.stop();
      try {
        assertThat(first).failsWithin(Duration.ofMinutes(1)).withThrowableThat()
            .havingCause().isInstanceOf(BackendException.class);
      } finally {
        gw.startProcess();
      }
      int stored = backend.list("chunks/").size();
      assertThat(stored).isGreaterThanOrEqualTo(20);
      try (BackupSession session = store.begin("vm1", null)) {
        Manifest.Item item = Images.backup(session, "vda", image, null);
        session.commit();
        assertThat(item.newChunks()).as("chunks stored before the failure are not uploaded again")
            .isLessThanOrEqualTo(item.chunks() - stored);
      }
    }
  }
}
