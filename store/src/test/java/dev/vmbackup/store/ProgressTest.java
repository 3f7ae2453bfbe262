package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long store operation reports progress on its caller's thread, and a report that throws (an activity's
 * heartbeat that learns of a cancellation) stops it. The backend here answers every read slowly, as a
 * distant object store does, so that a verification lasts several report intervals.
 */
class ProgressTest {
  @TempDir Path dir;

  private static final class SlowReads extends CountingBackend {
    SlowReads(Backend inner) {
      super(inner);
    }

    @Override
    public Optional<byte[]> get(String key) {
      try {
        Thread.sleep(40);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return super.get(key);
    }
  }

  @Test
  void aLongVerificationReportsOnItsCallersThreadAndAThrowingReportStopsIt() throws Exception {
    Path image = Images.create(dir.resolve("vda.raw"), 24L << 20, 3);
    try (Backend backend = new SlowReads(new LocalBackend(dir.resolve("store")));
        ChunkStore store = ChunkStore.init(backend, 64 << 10, null)) {
      String id;
      try (BackupSession session = store.begin("vm", null);
          FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
        session.writeDisk("vda", in, in.size(), null);
        id = session.commit().backupId();
      }
      Thread caller = Thread.currentThread();
      AtomicInteger reports = new AtomicInteger();
      Verifier.Report report = Progress.reporting(() -> {
        assertThat(Thread.currentThread()).isSameAs(caller);
        reports.incrementAndGet();
      }, () -> store.verify(List.of(id)));
      assertThat(report.ok()).isTrue();
      // Hundreds of chunks at 40 ms each, a few at a time: the verification outlasts several intervals.
      assertThat(reports.get()).isPositive();

      Throwable stopped = catchThrowable(() -> Progress.reporting(() -> {
        throw new CancellationException("cancelled");
      }, () -> store.verify(List.of(id))));
      assertThat(stopped).isInstanceOf(CancellationException.class);
      // Outside reporting, nothing is reported and nothing throws.
      assertThat(store.verify(List.of(id)).ok()).isTrue();
    }
  }
}
