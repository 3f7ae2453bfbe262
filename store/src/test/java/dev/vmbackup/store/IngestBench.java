package dev.vmbackup.store;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Measures a full backup of an image into a new local store: {@code IngestBench IMAGE STORE_DIR
 * [CHUNK_KIB] [plain|encrypt] [warm]}. Prints seconds and MB/s (10^6 bytes) of the image's size. Not a
 * test: run by hand (see bench/results/store-ingest.md) next to {@code cp --sparse=always} of the same
 * image.
 *
 * <p>By default the JVM is cold, as for a one-off command: class loading, the native zstd library and
 * the JIT compiler's work fall inside the measured time. With {@code warm}, the first 128 MiB of the image
 * are first backed up into a second store ({@code STORE_DIR-warmup}, left for the caller to remove, since
 * a deletion just before the next measurement would slow it), as a long-running worker that has backed up
 * before would be.
 */
public final class IngestBench {
  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    Path storeDir = Path.of(args[1]);
    int chunk = args.length > 2 ? Integer.parseInt(args[2]) << 10 : StoreConfig.DEFAULT_CHUNK_SIZE;
    StoreKey key = args.length > 3 && args[3].equals("encrypt") ? StoreKey.of(new byte[32]) : null;
    boolean warm = args.length > 4 && args[4].equals("warm");
    Path warmupDir = Path.of(storeDir + "-warmup");
    if (warm) {
      try (LocalBackend backend = new LocalBackend(warmupDir); ChunkStore store = ChunkStore.init(backend, chunk, key);
          BackupSession session = store.begin("warmup", null);
          FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
        session.writeDisk("vda", in, Math.min(in.size(), 128L << 20), null);
        session.commit();
      }
    }
    long start = System.nanoTime();
    Manifest.Item item;
    long[] flushNanos = new long[1];
    LocalBackend local = new LocalBackend(storeDir);
    try (Backend backend = new CountingBackend(local) {
          @Override
          public void flush() {
            long t = System.nanoTime();
            super.flush();
            flushNanos[0] += System.nanoTime() - t;
          }
        }; ChunkStore store = ChunkStore.init(backend, chunk, key);
        BackupSession session = store.begin("bench", null);
        FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
      item = session.writeDisk("vda", in, in.size(), null);
      session.commit();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "store ingest: %d bytes, chunk %d KiB, %s%s: %.2f s, %.0f MB/s (of which forcing to"
        + " disk %.2f s, waiting for the disk %.2f s), %d new chunks, %d stored bytes%n", Files.size(image), chunk >> 10,
        key == null ? "unencrypted" : "encrypted", warm ? ", warm JVM" : "", seconds, Files.size(image) / seconds / 1e6,
        flushNanos[0] / 1e9,
        local.writeBehind().stalledNanos() / 1e9,
        item.newChunks(), item.newBytes());
  }
}
