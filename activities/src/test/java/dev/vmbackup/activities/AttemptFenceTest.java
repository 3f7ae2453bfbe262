package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two attempts of one step never hold the fence at once. Across processes the kernel's lock does it
 * ({@code RollingUpgradeE2ETest} stops a worker mid-copy); here, two attempts in one worker.
 */
class AttemptFenceTest {
  @TempDir Path dir;

  @Test
  void aLaterAttemptWaitsUntilTheEarlierOneEndsAndHeartbeatsMeanwhile() throws Exception {
    Path lock = dir.resolve(".copy.lock");
    AtomicInteger beats = new AtomicInteger();
    CountDownLatch waiting = new CountDownLatch(2);
    CompletableFuture<AttemptFence> later;
    try (AttemptFence earlier = AttemptFence.acquire(lock, () -> { })) {
      later = CompletableFuture.supplyAsync(() -> {
        try {
          return AttemptFence.acquire(lock, () -> {
            beats.incrementAndGet();
            waiting.countDown();
          });
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // The later attempt is known to be waiting once it has heartbeaten twice, not after some time.
      assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(later).isNotDone();
    }
    try (AttemptFence acquired = later.get(30, TimeUnit.SECONDS)) {
      assertThat(beats.get()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void theFenceOfADeletedLockFileIsStillAcquiredOnceItsHolderEnds() throws Exception {
    Path lock = dir.resolve(".copy.lock");
    CompletableFuture<AttemptFence> later;
    CountDownLatch waiting = new CountDownLatch(1);
    try (AttemptFence earlier = AttemptFence.acquire(lock, () -> { })) {
      later = CompletableFuture.supplyAsync(() -> {
        try {
          return AttemptFence.acquire(lock, waiting::countDown);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
      // The publishing attempt deletes the lock file while it holds it.
      Files.delete(lock);
    }
    try (AttemptFence acquired = later.get(30, TimeUnit.SECONDS)) {
      assertThat(lock).doesNotExist();
    }
  }

  @Test
  void aMissingDirectoryIsReportedAsSuch() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AttemptFence.acquire(dir.resolve("published-meanwhile").resolve(".copy.lock"), () -> { }))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }
}
