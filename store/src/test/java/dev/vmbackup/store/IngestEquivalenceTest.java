package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipelined writer (pooled buffers, chunks forced and renamed behind it) produces exactly the index
 * a straightforward computation gives: chunk by chunk, the zero marker for zeros, else SHA-256 (or
 * HMAC-SHA256 under the digest key), and stores each distinct chunk once, readable under its digest.
 */
class IngestEquivalenceTest {
  private static final int CHUNK = 64 << 10;

  @TempDir Path dir;

  /**
   * An image with holes, chunks repeated at several offsets (dedup within one image), compressible and
   * incompressible chunks, a chunk that is zero but for its last byte, and a short last chunk.
   */
  private Path image() throws Exception {
    Path file = dir.resolve("image.raw");
    Random random = new Random(42);
    byte[] repeated = new byte[CHUNK];
    random.nextBytes(repeated);
    int chunks = 150;
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int i = 0; i < chunks; i++) {
        byte[] data = new byte[CHUNK];
        switch (i % 6) {
          case 0 -> { } // a hole
          case 1 -> data = repeated;
          case 2 -> random.nextBytes(data);
          case 3 -> Arrays.fill(data, (byte) ('a' + i % 3)); // compressible, repeated every 18 chunks
          case 4 -> data[CHUNK - 1] = 1; // all but zero: must be stored, not taken for a hole
          default -> {
            random.nextBytes(data);
            Arrays.fill(data, 0, CHUNK / 2, (byte) 0);
          }
        }
        if (i % 6 != 0) {
          out.write(ByteBuffer.wrap(data), (long) i * CHUNK);
        }
      }
      byte[] tail = new byte[1000];
      random.nextBytes(tail);
      out.write(ByteBuffer.wrap(tail), (long) chunks * CHUNK);
    }
    return file;
  }

  /** The reference index, computed one chunk at a time with no pipeline at all. */
  private static byte[][] reference(Path image, StoreKey key) throws Exception {
    byte[] bytes = Files.readAllBytes(image);
    int count = (bytes.length + CHUNK - 1) / CHUNK;
    byte[][] digests = new byte[count][];
    for (int i = 0; i < count; i++) {
      byte[] chunk = Arrays.copyOfRange(bytes, i * CHUNK, Math.min(bytes.length, (i + 1) * CHUNK));
      boolean zero = true;
      for (byte b : chunk) {
        zero &= b == 0;
      }
      if (zero) {
        digests[i] = new byte[Codec.DIGEST_BYTES];
      } else if (key == null) {
        digests[i] = MessageDigest.getInstance("SHA-256").digest(chunk);
      } else {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key.digestKey());
        digests[i] = mac.doFinal(chunk);
      }
    }
    return digests;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theStoreWritesTheReferenceIndexAndEachDistinctChunkOnce(boolean encrypted) throws Exception {
    Path image = image();
    StoreKey key = encrypted ? StoreKey.of(new byte[32]) : null;
    byte[][] expected = reference(image, key);
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"));
        ChunkStore store = ChunkStore.init(backend, CHUNK, key);
        BackupSession session = store.begin("vm1", null)) {
      Manifest.Item item = Images.backup(session, "vda", image, null);
      session.commit();
      DiskIndex index = store.index(item);
      check(index, expected, backend, store.codec(), item.newChunks(), image);
    }
  }

  /**
   * The writer alone with a window of two buffers and more threads than buffers, so that every buffer
   * is reused many times while other chunks are in flight: a buffer handed out twice would show as a
   * wrong digest here.
   */
  @Test
  void aSmallWindowReusesBuffersWithoutMixingChunks() throws Exception {
    Path image = image();
    byte[][] expected = reference(image, null);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (LocalBackend backend = new LocalBackend(dir.resolve("store"));
        FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
      Codec codec = new Codec(null, 3);
      ChunkWriter.Stats stats = new ChunkWriter.Stats();
      DiskIndex index = new ChunkWriter(backend, codec, pool, 2)
          .write(Source.of(in), in.size(), CHUNK, null, null, stats, new ConcurrentLinkedQueue<>());
      backend.flush();
      check(index, expected, backend, codec, (int) stats.newChunks.get(), image);
      assertThat(stats.zero.get()).isEqualTo(Arrays.stream(expected).filter(d -> Arrays.equals(d, new byte[32])).count());
    } finally {
      pool.shutdownNow();
    }
  }

  private void check(DiskIndex index, byte[][] expected, Backend backend, Codec codec, int newChunks, Path image)
      throws Exception {
    assertThat(index.count()).isEqualTo(expected.length);
    assertThat(index.size()).isEqualTo(Files.size(image));
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < expected.length; i++) {
      assertThat(index.digest(i)).as("digest of chunk %d", i).isEqualTo(expected[i]);
      if (!index.isZero(i)) {
        distinct.add(HexFormat.of().formatHex(expected[i]));
      }
    }
    assertThat(newChunks).as("each distinct chunk stored once").isEqualTo(distinct.size());
    assertThat(backend.list("chunks/")).hasSize(distinct.size());
    byte[] bytes = Files.readAllBytes(image);
    for (int i = 0; i < expected.length; i++) {
      if (!index.isZero(i)) {
        String key = Codec.chunkKey(expected[i]);
        byte[] plain = codec.open(key, backend.get(key).orElseThrow());
        assertThat(plain).as("chunk %d under its digest", i)
            .isEqualTo(Arrays.copyOfRange(bytes, i * CHUNK, Math.min(bytes.length, (i + 1) * CHUNK)));
      }
    }
    try (var files = Files.walk(dir.resolve("store"))) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith(".tmp-")))
          .as("no temporary file outlives a flush").isEmpty();
    }
  }
}
