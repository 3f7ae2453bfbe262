package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
  @Test
  void neverHandsOneBufferToTwoHoldersAtOnce() throws Exception {
    BufferPool pool = new BufferPool(3, 64);
    // Who holds which buffer right now, by identity; a second holder of a held buffer is the bug.
    Map<byte[], Integer> holders = new IdentityHashMap<>();
    AtomicInteger doubleHanded = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int me = t;
        done.add(threads.submit(() -> {
          for (int i = 0; i < 2000; i++) {
            byte[] buffer = pool.take();
            synchronized (holders) {
              if (holders.put(buffer, me) != null) {
                doubleHanded.incrementAndGet();
              }
            }
            // Fill it with this holder's mark and check nobody wrote in between, as a chunk would be
            // corrupted if another chunk were read into its buffer.
            java.util.Arrays.fill(buffer, (byte) me);
            if (ThreadLocalRandom.current().nextInt(8) == 0) {
              Thread.yield();
            }
            for (byte b : buffer) {
              if (b != me) {
                doubleHanded.incrementAndGet();
              }
            }
            synchronized (holders) {
              holders.remove(buffer);
            }
            pool.give(buffer);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(1, TimeUnit.MINUTES);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(doubleHanded).hasValue(0);
    assertThat(pool.created()).as("never more buffers than its capacity").isLessThanOrEqualTo(3);
    assertThat(pool.inUse()).isZero();
  }

  @Test
  void takeWaitsWhileEveryBufferIsInUse() throws Exception {
    BufferPool pool = new BufferPool(2, 16);
    byte[] first = pool.take();
    byte[] second = pool.take();
    assertThat(first).isNotSameAs(second);
    CompletableFuture<byte[]> third = CompletableFuture.supplyAsync(pool::take);
    Thread.sleep(200);
    assertThat(third).as("a third chunk must wait for a buffer").isNotDone();
    pool.give(second);
    assertThat(third.get(1, TimeUnit.MINUTES)).isSameAs(second);
    assertThat(pool.created()).isEqualTo(2);
  }

  @Test
  void givingBackABufferTwiceOrAForeignOneFails() {
    BufferPool pool = new BufferPool(2, 16);
    byte[] buffer = pool.take();
    pool.give(buffer);
    assertThatThrownBy(() -> pool.give(buffer)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> pool.give(new byte[16])).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void awaitAllWaitsForTheTailAndLeavesThePoolUsable() throws Exception {
    BufferPool pool = new BufferPool(4, 16);
    byte[] held = pool.take();
    pool.give(pool.take());
    CompletableFuture<Void> all = CompletableFuture.runAsync(pool::awaitAll);
    Thread.sleep(200);
    assertThat(all).as("one buffer is still held").isNotDone();
    pool.give(held);
    all.get(1, TimeUnit.MINUTES);
    assertThat(pool.inUse()).isZero();
    assertThat(pool.take()).isNotNull();
  }
}
