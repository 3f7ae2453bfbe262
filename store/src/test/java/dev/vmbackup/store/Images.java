package dev.vmbackup.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test images: random data with holes, and writes into them that report their regions. */
final class Images {
  private Images() {}

  /**
   * A sparse image of {@code size} bytes: random data in most 1 MiB stretches, every fourth stretch left
   * a hole (zeros), and half of each data stretch compressible text, as a real disk has.
   */
  static Path create(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] block = new byte[1 << 20];
      for (long offset = 0, n = 0; offset < size; offset += block.length, n++) {
        if (n % 4 == 3) {
          continue;
        }
        random.nextBytes(block);
        byte[] text = ("block " + n + " of a test image; ").repeat(40000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, block, 0, block.length / 2);
        int length = (int) Math.min(block.length, size - offset);
        out.write(ByteBuffer.wrap(block, 0, length), offset);
      }
      if (out.size() < size) {
        out.truncate(size);
        out.write(ByteBuffer.allocate(1), size - 1);
      }
    }
    return file;
  }

  /** Writes {@code count} random blocks of {@code blockSize} at the given offsets; returns the regions, sorted. */
  static List<Region> write(Path file, long[] offsets, int blockSize, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] block = new byte[blockSize];
    List<Region> regions = new ArrayList<>();
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (long offset : offsets) {
        random.nextBytes(block);
        out.write(ByteBuffer.wrap(block), offset);
        regions.add(new Region(offset, blockSize));
      }
    }
    regions.sort(java.util.Comparator.comparingLong(Region::offset));
    return regions;
  }

  static Manifest.Item backup(BackupSession session, String disk, Path image, List<Region> changed) throws IOException {
    try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
      return session.writeDisk(disk, in, in.size(), changed);
    }
  }

  static long storedBytes(Backend backend, String prefix) {
    return backend.list(prefix).stream().mapToLong(ObjectInfo::size).sum();
  }

  static boolean sameContent(Path a, Path b) throws IOException {
    return Files.mismatch(a, b) == -1;
  }

  /** Bytes the filesystem allocated to a file (to check that holes stayed holes). */
  static long allocated(Path file) throws IOException {
    Process du = new ProcessBuilder("du", "--block-size=1", file.toString()).redirectErrorStream(true).start();
    String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return Long.parseLong(out.split("\\s+")[0]);
  }
}
