package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunks that a local backend forces and renames behind the writer. */
class WriteBehindTest {
  @TempDir Path dir;

  @Test
  void aChunkIsReadableAsSoonAsItsPutReturns() {
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"))) {
      for (int i = 0; i < 200; i++) {
        String key = String.format("chunks/%02x/%02x%04d", i % 7, i % 7, i);
        byte[] data = {(byte) i, 1, 2};
        assertThat(backend.putIfAbsent(key, data)).isTrue();
        // No flush in between: the backend waits for the chunk on its way before it answers.
        assertThat(backend.putIfAbsent(key, data)).as("put-if-absent while on its way").isFalse();
        assertThat(backend.stat(key)).isPresent();
        assertThat(backend.get(key).orElseThrow()).containsExactly(data);
      }
      assertThat(backend.list("chunks/")).hasSize(200);
    }
  }

  @Test
  void concurrentPutsOfOneChunkLeaveOneCompleteObjectAndNoTemporaries() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"))) {
      byte[] data = new byte[100_000];
      new java.util.Random(5).nextBytes(data);
      List<Future<Boolean>> puts = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        puts.add(threads.submit(() -> backend.putIfAbsent("chunks/ab/abcd", data)));
      }
      int stored = 0;
      for (Future<Boolean> put : puts) {
        stored += put.get(1, TimeUnit.MINUTES) ? 1 : 0;
      }
      backend.flush();
      assertThat(stored).isPositive();
      assertThat(backend.get("chunks/ab/abcd").orElseThrow()).isEqualTo(data);
      assertThat(temporaries()).isEmpty();
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aChunkThatCannotBeFinishedFailsTheNextFlushAndIsAbsent() throws Exception {
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"))) {
      backend.putIfAbsent("chunks/aa/aa01", new byte[] {1});
      backend.flush();
      // A temporary file that vanished before it could be forced (as if a collection removed it): the
      // rename must not happen and the writer must learn of it before it writes an index.
      WriteBehind stage = new WriteBehind("test");
      Path target = dir.resolve("store/chunks/aa/aa02");
      assertThat(stage.submit(dir.resolve("store/chunks/aa/.tmp-gone"), target)).isTrue();
      stage.settleAll();
      List<WriteBehind.Failure> failures = stage.takeFailures();
      assertThat(failures).extracting(WriteBehind.Failure::target).containsExactly(target);
      assertThat(Files.exists(target)).isFalse();
      assertThat(stage.isPending(target)).isFalse();
      assertThat(stage.takeDirtyDirectories()).isEmpty();
      stage.close();
    }
  }

  @Test
  void flushReportsAFailedChunkOnceAsAStoreException() throws Exception {
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"))) {
      assertThat(backend.putIfAbsent("chunks/bb/bb02", new byte[] {2})).isTrue();
      // A chunk whose temporary file cannot be forced (it vanished): the failure must reach the writer at
      // the flush before its index, naming the chunk, and only once.
      Path chunks = dir.resolve("store/chunks/bb");
      assertThat(backend.writeBehind().submit(chunks.resolve(".tmp-vanished"), chunks.resolve("bb01"))).isTrue();
      assertThatThrownBy(backend::flush).isInstanceOf(StoreException.class).hasMessageContaining("chunks/bb/bb01");
      backend.flush();
      assertThat(backend.get("chunks/bb/bb02").orElseThrow()).containsExactly(2);
      assertThat(backend.stat("chunks/bb/bb01")).isEmpty();
      assertThat(temporaries()).isEmpty();
    }
  }

  @Test
  void aChunkAlreadyThereIsNotHandedOverAgain() throws Exception {
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"))) {
      assertThat(backend.putIfAbsent("chunks/cc/cc01", new byte[] {1})).isTrue();
      backend.flush();
      // As if a second writer of this process had looked before the first one's rename.
      Path temp = Files.write(dir.resolve("store/chunks/cc/.tmp-second"), new byte[] {1});
      assertThat(backend.writeBehind().submit(temp, dir.resolve("store/chunks/cc/cc01"))).isFalse();
      assertThat(backend.writeBehind().isPending(dir.resolve("store/chunks/cc/cc01"))).isFalse();
    }
  }

  private List<Path> temporaries() throws Exception {
    try (var files = Files.walk(dir.resolve("store"))) {
      return files.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
    }
  }
}
