package dev.vmbackup.bench;

import dev.vmbackup.host.repository.SparseCopier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * A standalone measurement of {@link SparseCopier} against {@code cp --sparse=always} of the same file,
 * run alternately in the same process, on a file of random data and on a sparse file:
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.vmbackup.bench.CopyPipelineBench \
 *     [--dir DIR] [--runs N] [--mib SIZE] [--cold]
 * </pre>
 *
 * <p>It needs neither libvirt nor Temporal, so it can run beside other work. {@code --cold} drops the
 * page cache before each operation (root only, and it slows everything else on the machine down).
 * The output is a Markdown table for {@code bench/results/}.
 */
public final class CopyPipelineBench {
  private static final long MIB = 1 << 20;

  private CopyPipelineBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of("/var/tmp/speed-scratch");
    int runs = 3;
    long mib = 1024;
    boolean cold = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--mib" -> mib = Long.parseLong(args[++i]);
        case "--cold" -> cold = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path scratch = Files.createDirectories(dir).resolve("copy-pipeline-" + ProcessHandle.current().pid());
    Files.createDirectories(scratch);
    try {
      Path random = scratch.resolve("random.raw");
      writeRandom(random, mib * MIB, 1.0);
      Path sparse = scratch.resolve("sparse.raw");
      writeRandom(sparse, mib * MIB, 0.25);
      // One unmeasured copy first, so that class loading and JIT compilation are not counted.
      new SparseCopier().copy(random, scratch.resolve("warmup"), 0, SparseCopier.NO_PROGRESS);
      Files.delete(scratch.resolve("warmup"));
      System.out.printf(Locale.ROOT, "%s page cache, %d runs, median (min–max) seconds; ratio = vmbackup time / cp time"
          + " (lower is faster)%n%n", cold ? "cold" : "warm", runs);
      System.out.println("| File | Operation | Seconds | MB/s | Ratio to baseline |");
      System.out.println("| --- | --- | --- | --- | --- |");
      for (Path source : new Path[] {random, sparse}) {
        measure(source, scratch, runs, cold);
      }
    } finally {
      BenchHost.delete(scratch);
    }
  }

  private static void measure(Path source, Path scratch, int runs, boolean cold) throws IOException {
    Samples copy = new Samples();
    Samples cp = new Samples();
    Samples cpSync = new Samples();
    Samples hash = new Samples();
    Samples sha256sum = new Samples();
    Path target = scratch.resolve("copy");
    for (int run = 0; run < runs; run++) {
      settle(cold);
      copy.add(CopyThroughput.seconds(() -> new SparseCopier().copy(source, target, 0, SparseCopier.NO_PROGRESS)));
      Files.delete(target);
      settle(cold);
      cp.add(CopyThroughput.seconds(() -> BenchHost.ok("cp", "--sparse=always", source.toString(), target.toString())));
      Files.delete(target);
      settle(cold);
      // The copier makes its copy durable, plain cp does not: this is the fair comparison.
      cpSync.add(CopyThroughput.seconds(() -> {
        BenchHost.ok("cp", "--sparse=always", source.toString(), target.toString());
        BenchHost.ok("sync", target.toString());
      }));
      Files.delete(target);
      settle(cold);
      hash.add(CopyThroughput.seconds(() -> SparseCopier.sha256(source)));
      settle(cold);
      sha256sum.add(CopyThroughput.seconds(() -> BenchHost.ok("sha256sum", source.toString())));
    }
    long bytes = Files.size(source);
    String name = source.getFileName().toString();
    row(name, "vmbackup copy (SHA-256, zero detection, durable)", copy, cp, bytes);
    row(name, "cp --sparse=always", cp, cp, bytes);
    row(name, "cp --sparse=always; sync FILE", cpSync, cp, bytes);
    row(name, "vmbackup SparseCopier.sha256 (verification's read)", hash, sha256sum, bytes);
    row(name, "sha256sum", sha256sum, sha256sum, bytes);
  }

  private static void settle(boolean cold) {
    if (cold) {
      BenchHost.dropCaches();
    } else {
      BenchHost.ok("sync");
    }
  }

  private static void row(String file, String name, Samples samples, Samples baseline, long bytes) {
    System.out.printf(Locale.ROOT, "| %s | %s | %s | %.0f | %.2f |%n", file, name, samples.format(2),
        bytes / 1e6 / samples.median(), samples.median() / baseline.median());
  }

  /** A file of {@code size} bytes of which the given fraction of its 1 MiB blocks hold random data; the rest are holes. */
  private static void writeRandom(Path file, long size, double dataFraction) throws IOException {
    Random random = new Random(42);
    byte[] block = new byte[(int) MIB];
    try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
      out.setLength(size);
      for (long offset = 0, index = 0; offset < size; offset += MIB, index++) {
        if (dataFraction >= 1 || (index * 37 % 100) < dataFraction * 100) {
          random.nextBytes(block);
          out.seek(offset);
          out.write(block);
        }
      }
      out.getFD().sync();
    }
  }
}
