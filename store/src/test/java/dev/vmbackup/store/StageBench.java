package dev.vmbackup.store;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Times each stage of an ingest on its own, on one thread, in MB/s (10^6 bytes) per core:
 * {@code StageBench SCRATCH_DIR [MIB]}. Not a test: run by hand (see bench/results/store-ingest.md) to see
 * which stage bounds the pipeline on this machine. Each figure is the best of three rounds, because the
 * machine is shared and a round that another process preempted says nothing about the stage.
 */
public final class StageBench {
  private static final int CHUNK = 256 << 10;

  private StageBench() {}

  public static void main(String[] args) throws Exception {
    Path scratch = Path.of(args[0]);
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int chunks = mib * 4;
    Random random = new Random(1);
    byte[] randomData = new byte[CHUNK];
    random.nextBytes(randomData);
    // "Typical" is the test images' mix: half text, half random, so zstd saves about half.
    byte[] typical = randomData.clone();
    byte[] text = "block 17 of a test image; ".repeat(CHUNK / 20).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, typical, 0, CHUNK / 2);
    long total = (long) chunks * CHUNK;
    System.out.printf(Locale.ROOT, "load average: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());

    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    report("SHA-256 (heap array)", total, () -> {
      for (int i = 0; i < chunks; i++) {
        sha.update(randomData, 0, CHUNK);
        sha.digest();
      }
    });
    ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
    direct.put(randomData).flip();
    report("SHA-256 (direct buffer)", total, () -> {
      for (int i = 0; i < chunks; i++) {
        sha.update(direct.duplicate());
        sha.digest();
      }
    });
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    report("HMAC-SHA256", total, () -> {
      for (int i = 0; i < chunks; i++) {
        mac.update(randomData, 0, CHUNK);
        mac.doFinal();
      }
    });
    byte[] zeros = new byte[CHUNK];
    report("zero check (Arrays.mismatch)", total, () -> {
      for (int i = 0; i < chunks; i++) {
        if (Arrays.mismatch(randomData, 0, CHUNK, zeros, 0, CHUNK) < 0) {
          throw new AssertionError();
        }
      }
    });
    byte[] out = new byte[(int) Zstd.compressBound(CHUNK) + 64];
    for (int level : new int[] {1, 3}) {
      for (String kind : new String[] {"random", "typical"}) {
        byte[] in = kind.equals("random") ? randomData : typical;
        long[] size = new long[1];
        report("zstd level " + level + ", " + kind, total, () -> {
          for (int i = 0; i < chunks; i++) {
            size[0] = Zstd.compressByteArray(out, 0, out.length, in, 0, CHUNK, level);
          }
        });
        System.out.printf(Locale.ROOT, "    (compressed to %.1f %%)%n", 100.0 * size[0] / CHUNK);
      }
    }
    byte[] sampleOut = new byte[(int) Zstd.compressBound(16 << 10)];
    report("zstd level 1 on a 16 KiB sample, per chunk", total, () -> {
      for (int i = 0; i < chunks; i++) {
        Zstd.compressByteArray(sampleOut, 0, sampleOut.length, randomData, 0, 16 << 10, 1);
      }
    });
    SecretKeySpec aes = new SecretKeySpec(new byte[32], "AES");
    byte[] sealed = new byte[CHUNK + 16];
    report("AES-256-GCM encrypt", total, () -> {
      for (int i = 0; i < chunks; i++) {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] nonce = new byte[12];
        nonce[0] = (byte) i;
        nonce[1] = (byte) (i >> 8);
        cipher.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        cipher.doFinal(randomData, 0, CHUNK, sealed, 0);
      }
    });
    report("heap copy (System.arraycopy)", total, () -> {
      byte[] copy = new byte[CHUNK];
      for (int i = 0; i < chunks; i++) {
        System.arraycopy(randomData, 0, copy, 0, CHUNK);
      }
    });
    report("new byte[256 KiB] per chunk", total, () -> {
      long sum = 0;
      for (int i = 0; i < chunks; i++) {
        sum += new byte[CHUNK].length;
      }
      if (sum == 0) {
        throw new AssertionError();
      }
    });
    files(scratch, chunks, total, randomData);
  }

  /** File creation, write, rename and forcing, on the filesystem of {@code scratch}. */
  private static void files(Path scratch, int chunks, long total, byte[] data) throws Exception {
    Path image = scratch.resolve("stage-image");
    try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int i = 0; i < chunks; i++) {
        channel.write(ByteBuffer.wrap(data), (long) i * CHUNK);
      }
    }
    try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
      byte[] heap = new byte[CHUNK];
      report("read from page cache into a heap array", total, () -> {
        for (int i = 0; i < chunks; i++) {
          channel.read(ByteBuffer.wrap(heap), (long) i * CHUNK);
        }
      });
      ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
      report("read from page cache into a direct buffer", total, () -> {
        for (int i = 0; i < chunks; i++) {
          direct.clear();
          channel.read(direct, (long) i * CHUNK);
        }
      });
    }
    Files.delete(image);
    for (int round = 0; round < 2; round++) {
      Path dir = scratch.resolve("stage-files");
      deleteTree(dir);
      List<Path> dirs = new ArrayList<>();
      for (int d = 0; d < 256; d++) {
        dirs.add(Files.createDirectories(dir.resolve(String.format("%02x", d))));
      }
      List<Path> written = new ArrayList<>();
      ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
      direct.put(data).flip();
      long start = System.nanoTime();
      for (int i = 0; i < chunks; i++) {
        Path d = dirs.get(i & 255);
        Path temp = d.resolve(".tmp-" + i);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          channel.write(direct.duplicate());
        }
        Path target = d.resolve("chunk-" + i);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        written.add(target);
      }
      long created = System.nanoTime();
      ExecutorService forcers = Executors.newFixedThreadPool(16);
      List<Future<?>> futures = new ArrayList<>();
      for (Path p : written) {
        futures.add(forcers.submit(() -> force(p, StandardOpenOption.WRITE)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      long forced = System.nanoTime();
      futures.clear();
      for (Path d : dirs) {
        futures.add(forcers.submit(() -> force(d, StandardOpenOption.READ)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      long dirsForced = System.nanoTime();
      forcers.shutdown();
      System.out.printf(Locale.ROOT, "%-48s %7.0f MB/s  (%.2f s, %.0f files/s)%n", "create+write+rename, one thread",
          total / ((created - start) / 1e3), (created - start) / 1e9, chunks / ((created - start) / 1e9));
      System.out.printf(Locale.ROOT, "%-48s %7.0f MB/s  (%.2f s)%n", "fsync of those files, 16 threads",
          total / ((forced - created) / 1e3), (forced - created) / 1e9);
      System.out.printf(Locale.ROOT, "%-48s %7.2f s%n", "fsync of their 256 directories, 16 threads",
          (dirsForced - forced) / 1e9);
      deleteTree(dir);
    }
    System.out.printf(Locale.ROOT, "load average: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
  }

  private static void force(Path path, StandardOpenOption mode) {
    try (FileChannel channel = FileChannel.open(path, mode)) {
      channel.force(true);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }

  /** Runs {@code body} once to warm up, then three times; prints the best rate. */
  private static void report(String what, long bytes, Body body) throws Exception {
    body.run();
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      long start = System.nanoTime();
      body.run();
      best = Math.min(best, System.nanoTime() - start);
    }
    System.out.printf(Locale.ROOT, "%-48s %7.0f MB/s  (%.2f core-s per GiB)%n", what, bytes / (best / 1e3),
        best / 1e9 * (1L << 30) / bytes);
  }
}
