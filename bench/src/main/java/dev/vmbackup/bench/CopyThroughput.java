package dev.vmbackup.bench;

import dev.vmbackup.host.repository.SparseCopier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Copy throughput of a full backup of a frozen qcow2 image with 60% random data, against
 * {@code cp --sparse=always} and {@code qemu-img convert -O qcow2} of the same image, in the same run;
 * then the restore direction (repository to a new disk) against {@code cp}.
 */
final class CopyThroughput {
  private CopyThroughput() {}

  static void run(Report report, Config config) throws IOException {
    Path dir = BenchHost.scratch("copy");
    try {
      long size = config.quick() ? 32L << 20 : 1L << 30;
      Path frozen = frozenImage(dir, size);
      long logical = Files.size(frozen);
      Samples vmbackup = new Samples();
      Samples cp = new Samples();
      Samples cpAndHash = new Samples();
      Samples convert = new Samples();
      Samples restore = new Samples();
      Samples restoreCp = new Samples();
      boolean cold = true;
      // One unmeasured round first, so that class loading and JIT compilation are not counted.
      new SparseCopier().copy(frozen, dir.resolve("warmup.qcow2"), 0, SparseCopier.NO_PROGRESS);
      Files.delete(dir.resolve("warmup.qcow2"));
      for (int run = 0; run < config.runs(); run++) {
        cold &= BenchHost.dropCaches();
        vmbackup.add(seconds(() -> new SparseCopier().copy(frozen, dir.resolve("backup.qcow2"), 0,
            SparseCopier.NO_PROGRESS)));
        BenchHost.dropCaches();
        cp.add(seconds(() -> BenchHost.ok("cp", "--sparse=always", frozen.toString(), dir.resolve("cp.qcow2").toString())));
        BenchHost.dropCaches();
        cpAndHash.add(seconds(() -> {
          BenchHost.ok("cp", "--sparse=always", frozen.toString(), dir.resolve("cp2.qcow2").toString());
          BenchHost.ok("sha256sum", dir.resolve("cp2.qcow2").toString());
        }));
        BenchHost.dropCaches();
        convert.add(seconds(() -> BenchHost.ok("qemu-img", "convert", "-O", "qcow2", frozen.toString(),
            dir.resolve("convert.qcow2").toString())));
        // Restore: out of the repository into a new disk (the checksum is checked on the way).
        BenchHost.dropCaches();
        restore.add(seconds(() -> new SparseCopier().copy(dir.resolve("backup.qcow2"), dir.resolve("restored.qcow2"), 0,
            SparseCopier.NO_PROGRESS)));
        BenchHost.dropCaches();
        restoreCp.add(seconds(() -> BenchHost.ok("cp", "--sparse=always", dir.resolve("backup.qcow2").toString(),
            dir.resolve("restored-cp.qcow2").toString())));
        for (String name : new String[] {"backup.qcow2", "cp.qcow2", "cp2.qcow2", "convert.qcow2", "restored.qcow2",
            "restored-cp.qcow2"}) {
          Files.deleteIfExists(dir.resolve(name));
        }
      }
      report.table("Copy throughput",
          String.format(Locale.ROOT, "A frozen qcow2 image of %d MiB virtual size with 60%% random data (%d MiB file),"
              + " %d runs, %s. Seconds, median (min–max); ratio = median time / median time of cp (lower is faster).",
              size >> 20, logical >> 20, config.runs(), cold ? "page cache dropped before each copy" : "warm page cache"),
          "Operation", "Seconds", "MiB/s", "Ratio to cp");
      row(report, "backup: vmbackup copy (sparse, SHA-256 while copying)", vmbackup, cp, logical);
      row(report, "baseline: cp --sparse=always", cp, cp, logical);
      row(report, "baseline: cp --sparse=always + sha256sum", cpAndHash, cp, logical);
      row(report, "baseline: qemu-img convert -O qcow2", convert, cp, logical);
      row(report, "restore: vmbackup copy out of the repository (checksum checked)", restore, restoreCp, logical);
      row(report, "restore baseline: cp --sparse=always", restoreCp, restoreCp, logical);
      report.endTable();
    } finally {
      BenchHost.delete(dir);
    }
  }

  private static void row(Report report, String name, Samples samples, Samples baseline, long bytes) {
    double mibPerSecond = (bytes / (double) (1 << 20)) / samples.median();
    String ratio = String.format(Locale.ROOT, "%.2f", samples.median() / baseline.median());
    report.row(name, samples.format(2), String.format(Locale.ROOT, "%.0f", mibPerSecond), ratio);
    report.csv("copy", name, "seconds", samples, ratio);
  }

  /** A raw disk of which 60% of the 1 MiB blocks hold random data, converted to qcow2 like a VM image. */
  private static Path frozenImage(Path dir, long size) throws IOException {
    Path raw = dir.resolve("source.raw");
    Random random = new Random(42);
    byte[] block = new byte[1 << 20];
    try (RandomAccessFile file = new RandomAccessFile(raw.toFile(), "rw")) {
      file.setLength(size);
      for (long offset = 0, index = 0; offset < size; offset += block.length, index++) {
        if ((index * 7) % 10 < 6) {
          random.nextBytes(block);
          file.seek(offset);
          file.write(block);
        }
      }
    }
    Path image = dir.resolve("frozen.qcow2");
    BenchHost.ok("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), image.toString());
    Files.delete(raw);
    return image;
  }

  @FunctionalInterface
  interface Action {
    void run() throws IOException;
  }

  static double seconds(Action action) {
    long start = System.nanoTime();
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
