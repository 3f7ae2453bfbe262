package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipelined copy's own guarantees: where its stages run, how it stops, what it skips. */
class SparseCopierPipelineTest {
  private static final int MIB = 1024 * 1024;
  private static final long INTERVAL = SparseCopier.CHECKPOINT_INTERVAL;

  @TempDir Path dir;

  @AfterEach
  void noStageOutlivesTheCall() {
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(thread -> thread.getName().startsWith("copy-") && thread.isAlive());
  }

  @Test
  void theFilesHolesAreFoundSoTheyNeedNotBeRead() throws IOException {
    Path file = dir.resolve("holey");
    SparseCopierTest.writeRandom(file, 10L * MIB, MIB, 1);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(20L * MIB);
    }

    try (NativeFiles.Handle handle = NativeFiles.open(file)) {
      assertThat(handle.nextData(0, 20L * MIB)).isEqualTo(10L * MIB);
      assertThat(handle.nextHole(10L * MIB, 20L * MIB)).isEqualTo(11L * MIB);
      assertThat(handle.nextData(11L * MIB, 20L * MIB)).as("only a hole follows").isEqualTo(20L * MIB);
    }
  }

  @Test
  void progressIsReportedOnTheCallingThreadOnly() throws IOException {
    Path source = largeSource();
    Thread caller = Thread.currentThread();
    List<Thread> reporters = new ArrayList<>();

    new SparseCopier().copy(source, dir.resolve("copy"), 0, offset -> reporters.add(Thread.currentThread()));

    assertThat(reporters).isNotEmpty().containsOnly(caller);
  }

  @Test
  void aCopyAbortedAtAnyCheckpointResumesToAnIdenticalCopy() throws IOException {
    Path source = largeSource();
    String expected = plainSha256(source);
    long size = Files.size(source);
    for (int abortAt = 1; abortAt <= size / INTERVAL; abortAt++) {
      Path destination = dir.resolve("copy-" + abortAt);
      List<Long> durable = new ArrayList<>();
      int calls = abortAt;
      assertThatThrownBy(() -> new SparseCopier().copy(source, destination, 0, offset -> {
        durable.add(offset);
        if (durable.size() == calls) {
          throw new IllegalStateException("cancelled");
        }
      })).hasMessage("cancelled");
      long resumeAt = durable.get(durable.size() - 1);
      assertThat(resumeAt).isEqualTo(abortAt * INTERVAL);
      assertThat(Files.size(destination)).as("the writer stops soon").isLessThanOrEqualTo(resumeAt + 2 * INTERVAL);

      SparseCopier.Copied copied = new SparseCopier().copy(source, destination, resumeAt, SparseCopier.NO_PROGRESS);

      assertThat(copied.sha256()).isEqualTo(expected);
      assertThat(plainSha256(destination)).isEqualTo(expected);
      Files.delete(destination);
    }
  }

  @Test
  void anInterruptedCopyThrowsAndResumesFromItsLastCheckpoint() throws Exception {
    Path source = largeSource();
    Path destination = dir.resolve("copy");
    AtomicReference<Long> lastDurable = new AtomicReference<>(0L);
    CountDownLatch firstCheckpoint = new CountDownLatch(1);
    // A bandwidth limit, so that the copy is still running when it is interrupted.
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread copier = new Thread(() -> {
      try {
        new SparseCopier(64L * MIB).copy(source, destination, 0, offset -> {
          lastDurable.set(offset);
          firstCheckpoint.countDown();
        });
        outcome.complete(null);
      } catch (Throwable e) {
        outcome.complete(e);
      }
    });
    copier.start();
    firstCheckpoint.await();
    copier.interrupt();
    copier.join();

    Throwable error = outcome.get();
    if (error != null) {
      assertThat(error).isInstanceOf(InterruptedIOException.class);
    }
    SparseCopier.Copied copied = new SparseCopier().copy(source, destination, lastDurable.get(), SparseCopier.NO_PROGRESS);
    assertThat(copied.sha256()).isEqualTo(plainSha256(source));
    assertThat(plainSha256(destination)).isEqualTo(plainSha256(source));
  }

  @Test
  void theBandwidthLimitIsHonoured() throws IOException {
    Path source = dir.resolve("source");
    SparseCopierTest.writeRandom(source, 0, 8 * MIB, 2);
    long started = System.nanoTime();

    new SparseCopier(16L * MIB).copy(source, dir.resolve("copy"), 0, SparseCopier.NO_PROGRESS);

    // A lower bound only: a busy machine makes the copy slower, never faster than its limit.
    assertThat((System.nanoTime() - started) / 1e9).isGreaterThanOrEqualTo(0.45);
  }

  @Test
  void theChecksumOfVerificationReadsEveryByteAndCallsBackOnTheCallingThread() throws IOException {
    Path file = largeSource();
    Thread caller = Thread.currentThread();
    List<Thread> ticks = new ArrayList<>();

    String sha256 = SparseCopier.sha256(file, () -> ticks.add(Thread.currentThread()));

    assertThat(sha256).isEqualTo(plainSha256(file));
    assertThat(ticks).hasSizeGreaterThanOrEqualTo((int) (Files.size(file) / SparseCopier.TICK_INTERVAL))
        .containsOnly(caller);
  }

  @Test
  void anExceptionOfTheChecksumsCallbackStopsItsReader() throws IOException {
    Path file = largeSource();
    RuntimeException cancelled = new IllegalStateException("cancelled");

    assertThatThrownBy(() -> SparseCopier.sha256(file, () -> {
      throw cancelled;
    })).isSameAs(cancelled);
  }

  /** Four checkpoint intervals and a bit, holes and data in turn, data across every checkpoint. */
  private Path largeSource() throws IOException {
    Path source = dir.resolve("large");
    for (int i = 0; i < 4; i++) {
      SparseCopierTest.writeRandom(source, i * INTERVAL + 5L * MIB, MIB, 10 + i);
      SparseCopierTest.writeRandom(source, (i + 1) * INTERVAL - MIB - 17, 2 * MIB, 20 + i);
    }
    SparseCopierTest.writeRandom(source, 4 * INTERVAL + MIB, 12_345, 30);
    return source;
  }



  /** SHA-256 the plain way, one thread and every byte read. */
  private static String plainSha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[MIB];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
