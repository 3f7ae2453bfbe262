package dev.vmbackup.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** {@link StoreSync} from a local store into a store on a real versitygw S3 server. */
class S3SyncTest extends SyncContract {
  private static final AtomicInteger buckets = new AtomicInteger();
  private static Path scratch;
  private static VersityGw gw;

  @BeforeAll
  static void startServer() throws Exception {
    if (VersityGw.unavailable() != null) {
      return;
    }
    // Under /var/tmp rather than /tmp, as in S3StoreTest: versitygw keeps metadata in extended attributes.
    Path base = Path.of(System.getenv().getOrDefault("VMBACKUP_STORE_SCRATCH", "/var/tmp/store-scratch"));
    scratch = Files.createTempDirectory(Files.createDirectories(base), "s3-sync-");
    gw = VersityGw.start(scratch);
  }

  @BeforeEach
  void requireServer() {
    Assumptions.assumeTrue(gw != null, VersityGw::unavailable);
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
    return new S3Backend(gw.bucket("sync-" + buckets.incrementAndGet(), scratch, Duration.ofSeconds(30)));
  }
}
