package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseCopierTest {
  private static final int MIB = 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final ProcessRunner runner = new ProcessRunner();
  private final SparseCopier copier = new SparseCopier();

  @TempDir Path dir;

  @Test
  void copiesContentAndChecksumExactly() throws IOException {
    Path source = dir.resolve("source");
    // Not a multiple of the block size, so that the last block is a short one.
    writeRandom(source, 0, 5 * MIB + 12_345, 1);
    Path destination = dir.resolve("destination");

    SparseCopier.Copied copied = copier.copy(source, destination, 0, SparseCopier.NO_PROGRESS);

    assertThat(copied.bytes()).isEqualTo(5 * MIB + 12_345);
    assertThat(copied.bytesWritten()).isEqualTo(5 * MIB + 12_345);
    assertThat(copied.sha256()).isEqualTo(sha256sum(source)).matches("[0-9a-f]{64}");
    assertIdentical(source, destination);
  }

  @Test
  void sha256MatchesSha256sum() throws IOException {
    Path file = dir.resolve("file");
    writeRandom(file, 0, 3 * MIB + 7, 2);

    assertThat(SparseCopier.sha256(file)).isEqualTo(sha256sum(file));
  }

  @Test
  void anEmptyFileCopiesToAnEmptyFile() throws IOException {
    Path source = Files.createFile(dir.resolve("empty"));
    Path destination = dir.resolve("copy");

    SparseCopier.Copied copied = copier.copy(source, destination, 0, SparseCopier.NO_PROGRESS);

    assertThat(copied).isEqualTo(new SparseCopier.Copied(
        0, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assertThat(Files.size(destination)).isZero();
  }

  @Test
  void aLargeHoleStaysAHole() throws IOException {
    Path source = dir.resolve("holey");
    writeRandom(source, 0, MIB, 3);
    writeRandom(source, 200L * MIB, MIB, 4);
    writeRandom(source, 300L * MIB, 3 * MIB, 5);
    Path destination = dir.resolve("copy");

    SparseCopier.Copied copied = copier.copy(source, destination, 0, SparseCopier.NO_PROGRESS);

    assertThat(copied.bytes()).isEqualTo(303L * MIB);
    assertThat(copied.bytesWritten()).isEqualTo(5L * MIB);
    assertThat(copied.sha256()).isEqualTo(sha256sum(source));
    assertIdentical(source, destination);
    assertThat(allocated(destination)).isLessThanOrEqualTo(allocated(source)).isLessThan(8L * MIB);
  }

  @Test
  void aTrailingHoleStaysAHoleAndTheLengthIsExact() throws IOException {
    Path source = dir.resolve("trailing");
    writeRandom(source, 0, 2 * MIB, 6);
    try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
      file.setLength(100L * MIB + 3);
    }
    Path destination = dir.resolve("copy");

    SparseCopier.Copied copied = copier.copy(source, destination, 0, SparseCopier.NO_PROGRESS);

    assertThat(Files.size(destination)).isEqualTo(100L * MIB + 3);
    assertThat(copied.bytesWritten()).isEqualTo(2L * MIB);
    assertThat(copied.sha256()).isEqualTo(sha256sum(source));
    assertIdentical(source, destination);
    assertThat(allocated(destination)).isLessThan(4L * MIB);
  }

  @Test
  void writtenZeroBlocksBecomeHoles() throws IOException {
    Path source = dir.resolve("zeros");
    writeRandom(source, 0, MIB, 7);
    try (FileChannel file = FileChannel.open(source, StandardOpenOption.WRITE)) {
      ByteBuffer zeros = ByteBuffer.allocate(16 * MIB);
      file.write(zeros, MIB);
      file.force(true);
    }
    writeRandom(source, 17L * MIB, MIB, 8);
    assertThat(allocated(source)).as("the source's zeros are allocated").isGreaterThanOrEqualTo(18L * MIB);
    Path destination = dir.resolve("copy");

    copier.copy(source, destination, 0, SparseCopier.NO_PROGRESS);

    assertIdentical(source, destination);
    assertThat(allocated(destination)).isLessThan(4L * MIB);
  }

  @Test
  void progressIsReportedAtIncreasingCheckpointsEndingWithTheSize() throws IOException {
    Path source = largeSparseSource();
    long size = Files.size(source);
    List<Long> checkpoints = new ArrayList<>();

    copier.copy(source, dir.resolve("copy"), 0, checkpoints::add);

    assertThat(checkpoints).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    assertThat(checkpoints).hasSizeGreaterThanOrEqualTo(3).last().isEqualTo(size);
    assertThat(checkpoints.get(0)).isEqualTo(SparseCopier.CHECKPOINT_INTERVAL);
  }

  @Test
  void anExceptionFromProgressAbortsTheCopyWhichThenResumes() throws IOException {
    Path source = largeSparseSource();
    Path destination = dir.resolve("copy");
    List<Long> durable = new ArrayList<>();
    RuntimeException cancelled = new IllegalStateException("activity cancelled");

    assertThatThrownBy(() -> copier.copy(source, destination, 0, offset -> {
      durable.add(offset);
      throw cancelled;
    })).isSameAs(cancelled);

    assertThat(durable).containsExactly(SparseCopier.CHECKPOINT_INTERVAL);
    assertThat(Files.size(destination)).isLessThan(Files.size(source));

    List<Long> resumed = new ArrayList<>();
    SparseCopier.Copied copied = copier.copy(source, destination, durable.get(0), resumed::add);

    // While it re-reads the durable prefix the copy reports the resume point, then real progress.
    assertThat(resumed).isSortedAccordingTo(Long::compare)
        .startsWith(SparseCopier.CHECKPOINT_INTERVAL, 2 * SparseCopier.CHECKPOINT_INTERVAL);
    assertThat(copied.bytes()).isEqualTo(Files.size(source));
    assertThat(copied.sha256()).isEqualTo(sha256sum(source));
    assertIdentical(source, destination);
  }

  @Test
  void resumingMidFileRebuildsTheChecksumAndDropsAStaleTail() throws IOException {
    Path source = dir.resolve("source");
    writeRandom(source, 0, 6 * MIB + 99, 9);
    try (FileChannel file = FileChannel.open(source, StandardOpenOption.WRITE)) {
      // Zeros after the resume point, a whole block of them whatever the block alignment: skipped
      // when copying, so they must not read as the stale data below.
      file.write(ByteBuffer.allocate(2 * MIB), 4L * MIB);
    }
    Path destination = dir.resolve("copy");
    long resumeAt = 3L * MIB + 4321;
    // An earlier attempt that got the first bytes right and left garbage after them, as an
    // interrupted copy does with writes that were made after its last checkpoint.
    try (FileChannel in = FileChannel.open(source);
        FileChannel out = FileChannel.open(destination, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      in.transferTo(0, resumeAt, out);
    }
    writeRandom(destination, resumeAt, 3 * MIB, 10);

    SparseCopier.Copied copied = copier.copy(source, destination, resumeAt, SparseCopier.NO_PROGRESS);

    assertThat(copied.sha256()).isEqualTo(sha256sum(source));
    assertThat(copied.bytesWritten()).isLessThan(copied.bytes() - resumeAt);
    assertIdentical(source, destination);
  }

  @Test
  void aFreshCopyOverAnOldFileLeavesNothingOfIt() throws IOException {
    Path source = dir.resolve("source");
    writeRandom(source, 0, MIB, 11);
    try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
      file.setLength(4L * MIB);
    }
    Path destination = dir.resolve("copy");
    writeRandom(destination, 0, 8 * MIB, 12);

    copier.copy(source, destination, 0, SparseCopier.NO_PROGRESS);

    assertIdentical(source, destination);
  }

  @Test
  void aDestinationShorterThanTheResumeOffsetIsCopiedFromTheStart() throws IOException {
    Path source = dir.resolve("source");
    writeRandom(source, 0, 3 * MIB, 13);
    Path destination = dir.resolve("copy");
    writeRandom(destination, 0, MIB, 14);

    SparseCopier.Copied copied = copier.copy(source, destination, 2L * MIB, SparseCopier.NO_PROGRESS);

    assertThat(copied.sha256()).isEqualTo(sha256sum(source));
    assertIdentical(source, destination);
  }

  @Test
  void aResumeOffsetPastTheSourceEndFails() throws IOException {
    Path source = dir.resolve("source");
    writeRandom(source, 0, MIB, 15);

    assertThatThrownBy(() -> copier.copy(source, dir.resolve("copy"), 2L * MIB, SparseCopier.NO_PROGRESS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot resume");
  }

  /** 130 MiB and a bit, mostly holes, with data around and across the 64 MiB checkpoints. */
  private Path largeSparseSource() throws IOException {
    Path source = dir.resolve("large");
    writeRandom(source, 0, MIB, 20);
    writeRandom(source, 63L * MIB + 100, 2 * MIB, 21);
    writeRandom(source, 127L * MIB, 3 * MIB + 777, 22);
    return source;
  }

  /** Writes {@code length} seeded random bytes at {@code offset}; shared with {@link SparseCopierPipelineTest}. */
  static void writeRandom(Path file, long offset, int length, long seed) throws IOException {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long at = offset;
      while (buffer.hasRemaining()) {
        at += channel.write(buffer, at);
      }
      channel.force(true);
    }
  }

  private String sha256sum(Path file) {
    return runner.runChecked(List.of("sha256sum", file.toString()), TIMEOUT).stdout().split(" ")[0];
  }

  private void assertIdentical(Path expected, Path actual) {
    CommandResult result = runner.run(List.of("cmp", expected.toString(), actual.toString()), TIMEOUT);
    assertThat(result.exitCode()).as("cmp: %s%s", result.stdout(), result.stderr()).isZero();
  }

  /** Bytes the filesystem has allocated to the file, as du counts them. */
  private long allocated(Path file) {
    String du = runner.runChecked(List.of("du", "--block-size=1", file.toString()), TIMEOUT).stdout();
    return Long.parseLong(du.split("\\s+")[0]);
  }
}
