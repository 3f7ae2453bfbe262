package dev.vmbackup.host.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real qemu-img and qemu-io on small images in a temporary directory. */
class QemuImgTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final long SIZE = 4L * 1024 * 1024;

  private final ProcessRunner runner = new ProcessRunner();
  private final QemuImg qemuImg = new QemuImg(runner);

  @TempDir Path dir;

  @BeforeAll
  static void qemuToolsAreInstalled() {
    ProcessRunner runner = new ProcessRunner();
    for (String tool : List.of("qemu-img", "qemu-io")) {
      boolean found;
      try {
        found = runner.run(List.of(tool, "--version"), TIMEOUT).succeeded();
      } catch (CommandFailedException e) {
        found = false;
      }
      Assumptions.assumeTrue(found, tool + " is not installed");
    }
  }

  @Test
  void infoDescribesAQcow2OverlayWithItsBackingFileAndBitmaps() {
    Path base = createRaw("base.raw");
    Path top = createOverlay("top.qcow2", "base.raw", "raw");
    run("qemu-img", "bitmap", "--add", top.toString(), "daily");

    ImageInfo info = qemuImg.info(top);

    assertThat(info.filename()).isEqualTo(top.toString());
    assertThat(info.format()).isEqualTo("qcow2");
    assertThat(info.virtualSize()).isEqualTo(SIZE);
    assertThat(info.actualSize()).isPositive();
    // The header holds the reference as written; qemu-img resolves it against the overlay's directory.
    assertThat(info.backingFilename()).isEqualTo("base.raw");
    assertThat(info.fullBackingFilename()).isEqualTo(base.toString());
    assertThat(info.backingFormat()).isEqualTo("raw");
    assertThat(info.bitmaps()).containsExactly("daily");
  }

  @Test
  void infoOfARawImageHasNoBackingFile() {
    Path base = createRaw("base.raw");

    ImageInfo info = qemuImg.info(base);

    assertThat(info.format()).isEqualTo("raw");
    assertThat(info.virtualSize()).isEqualTo(SIZE);
    assertThat(info.backingFilename()).isNull();
    assertThat(info.fullBackingFilename()).isNull();
    assertThat(info.backingFormat()).isNull();
    assertThat(info.bitmaps()).isEmpty();
  }

  @Test
  void infoOfAMissingImageFailsWithQemuImgsReason() {
    Path missing = dir.resolve("missing.qcow2");

    assertThatThrownBy(() -> qemuImg.info(missing))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageStartingWith("qemu-img info --output=json -U " + missing + " failed (exit 1): ")
        .hasMessageContaining("No such file or directory");
  }

  @Test
  void backingChainListsEveryImageTopFirst() {
    Path base = createRaw("base.raw");
    Path middle = createOverlay("middle.qcow2", base.toString(), "raw");
    Path top = createOverlay("top.qcow2", "middle.qcow2", "qcow2");

    List<ImageInfo> chain = qemuImg.backingChain(top);

    assertThat(chain).extracting(ImageInfo::filename)
        .containsExactly(top.toString(), middle.toString(), base.toString());
    assertThat(chain).extracting(ImageInfo::format).containsExactly("qcow2", "qcow2", "raw");
    assertThat(chain).extracting(ImageInfo::backingFilename)
        .containsExactly("middle.qcow2", base.toString(), null);
    assertThat(chain).extracting(ImageInfo::fullBackingFilename)
        .containsExactly(middle.toString(), base.toString(), null);
    assertThat(chain).extracting(ImageInfo::backingFormat).containsExactly("qcow2", "raw", null);
  }

  @Test
  void backingChainOfAStandaloneImageHasOneEntry() {
    Path image = createQcow2("alone.qcow2");

    assertThat(qemuImg.backingChain(image)).extracting(ImageInfo::filename).containsExactly(image.toString());
  }

  @Test
  void checkPassesOnAHealthyImage() {
    Path image = createQcow2("healthy.qcow2");
    write(image, "qcow2", 0xab, 0, "1M");

    CheckResult result = qemuImg.check(image, "qcow2");

    assertThat(result.ok()).isTrue();
    assertThat(result.summary()).isEqualTo("no errors");
  }

  @Test
  void checkFailsOnACorruptedImage() throws IOException {
    Path image = createQcow2("corrupt.qcow2");
    write(image, "qcow2", 0xab, 0, "1M");
    // Zeroing the first refcount block makes every cluster in use look free: qemu-img check reports
    // each of them as a corruption (exit code 2).
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      Qcow2Header header = Qcow2Header.read(file);
      long refcountBlock = readLong(file, header.refcountTableOffset());
      file.write(ByteBuffer.allocate(header.clusterSize()), refcountBlock);
    }

    CheckResult result = qemuImg.check(image, "qcow2");

    assertThat(result.ok()).isFalse();
    assertThat(result.summary()).containsPattern("^\\d+ corruptions found, first: ERROR ");
  }

  @Test
  void checkPassesWhenClustersLeakedOnly() throws IOException {
    Path image = createQcow2("leaky.qcow2");
    write(image, "qcow2", 0xab, 0, "1M");
    // A cluster appended to the file and counted as in use, but referenced by nothing, is a leak
    // (exit code 3): wasted space, not lost data.
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      Qcow2Header header = Qcow2Header.read(file);
      long clusters = file.size() / header.clusterSize();
      file.write(ByteBuffer.allocate(header.clusterSize()), clusters * header.clusterSize());
      long refcountBlock = readLong(file, header.refcountTableOffset());
      // The default 16-bit refcounts: entry n is two bytes at offset 2n of the block.
      file.write(ByteBuffer.allocate(2).putShort(0, (short) 1), refcountBlock + 2 * clusters);
    }

    CheckResult result = qemuImg.check(image, "qcow2");

    assertThat(result.ok()).isTrue();
    assertThat(result.summary()).isEqualTo("1 leaked clusters, no corruption");
  }

  @Test
  void checkOfALayerWhoseBackingFileIsGoneLooksAtTheLayerOnly() throws IOException {
    // A chain backup's layer still names the host file it was frozen on, which may be deleted since;
    // a comma in the name must not be taken for an option separator either.
    Path base = createQcow2("gone, soon.qcow2");
    Path layer = createOverlay("layer,1.qcow2", base.toString(), "qcow2");
    write(layer, "qcow2", 0xcd, 0, "1M");
    Files.delete(base);

    CheckResult result = qemuImg.check(layer, "qcow2");

    assertThat(result).isEqualTo(new CheckResult(true, "no errors"));
  }

  @Test
  void checkFailsWhenTheImageCannotBeChecked() {
    Path raw = createRaw("not-a.qcow2");

    CheckResult result = qemuImg.check(raw, "qcow2");

    assertThat(result.ok()).isFalse();
    assertThat(result.summary()).startsWith("could not be checked: ").contains("qcow2");
  }

  @Test
  void checkOfARawImageHasNothingToDo() {
    CheckResult result = qemuImg.check(dir.resolve("does-not-even-exist.raw"), "raw");

    assertThat(result).isEqualTo(new CheckResult(true, "raw image, nothing to check"));
  }

  @Test
  void rebaseUnsafeRewritesTheBackingReferenceOnly() throws IOException {
    Path original = createQcow2("original.qcow2");
    write(original, "qcow2", 0x11, 0, "1M");
    Path top = createOverlay("top.qcow2", original.toString(), "qcow2");
    write(top, "qcow2", 0x22, "1M", "1M");
    Path moved = Files.createDirectory(dir.resolve("moved")).resolve("copy.raw");
    run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", original.toString(), moved.toString());

    qemuImg.rebaseUnsafe(top, moved, "raw");

    ImageInfo info = qemuImg.info(top);
    assertThat(info.backingFilename()).isEqualTo(moved.toString());
    assertThat(info.fullBackingFilename()).isEqualTo(moved.toString());
    assertThat(info.backingFormat()).isEqualTo("raw");
    // Unsafe rebase copies no data: the overlay's own cluster and the backing data read as before.
    verify(top, "qcow2", 0x11, 0, "1M");
    verify(top, "qcow2", 0x22, "1M", "1M");
  }

  @Test
  void rebaseUnsafeWritesARelativeReferenceAsGiven() {
    createQcow2("base.qcow2");
    Path top = createOverlay("top.qcow2", "base.qcow2", "qcow2");
    Path other = createRaw("other.raw");

    qemuImg.rebaseUnsafe(top, Path.of("other.raw"), "raw");

    ImageInfo info = qemuImg.info(top);
    assertThat(info.backingFilename()).isEqualTo("other.raw");
    assertThat(info.fullBackingFilename()).isEqualTo(other.toString());
  }

  @Test
  void commitFoldsAnOverlayIntoItsBackingFile() {
    Path base = createQcow2("base.qcow2");
    write(base, "qcow2", 0xab, 0, "2M");
    Path overlay = createOverlay("overlay.qcow2", base.toString(), "qcow2");
    write(overlay, "qcow2", 0xcd, "1M", "1M");

    qemuImg.commit(overlay);

    // Read the base alone: the overlay's data must now be in it, and the rest unchanged.
    verify(base, "qcow2", 0xab, 0, "1M");
    verify(base, "qcow2", 0xcd, "1M", "1M");
    verify(base, "qcow2", 0x00, "2M", "2M");
    assertThat(qemuImg.check(base, "qcow2").ok()).isTrue();
  }

  @Test
  void commitOfAnImageWithoutBackingFileFails() {
    Path image = createQcow2("alone.qcow2");

    assertThatThrownBy(() -> qemuImg.commit(image))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageStartingWith("qemu-img commit -q " + image + " failed (exit 1): ");
  }

  @Test
  void convertRawReadsARawImageThatLooksLikeQcow2AsRaw() throws IOException {
    // A guest can write anything onto its disk, a qcow2 header naming a host file as backing file included.
    Path secret = Files.writeString(dir.resolve("secret"), "host data");
    Path disguised = dir.resolve("guest-disk");
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", secret.toString(), "-F", "raw", disguised.toString(),
        Long.toString(SIZE));
    long rawSize = Files.size(disguised);
    Path out = dir.resolve("out.qcow2");

    qemuImg.convertRaw(disguised, out, "qcow2");

    ImageInfo info = qemuImg.info(out);
    assertThat(info.format()).isEqualTo("qcow2");
    // The file's own bytes (qcow2 rounds a size up to whole sectors), not the virtual disk its header describes.
    assertThat(info.virtualSize()).isEqualTo((rawSize + 511) / 512 * 512).isNotEqualTo(SIZE);
    assertThat(info.backingFilename()).isNull();
    run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", disguised.toString(), out.toString());
  }

  private Path createRaw(String name) {
    Path image = dir.resolve(name);
    run("qemu-img", "create", "-q", "-f", "raw", image.toString(), Long.toString(SIZE));
    return image;
  }

  private Path createQcow2(String name) {
    Path image = dir.resolve(name);
    run("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), Long.toString(SIZE));
    return image;
  }

  private Path createOverlay(String name, String backing, String backingFormat) {
    Path image = dir.resolve(name);
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, image.toString());
    return image;
  }

  private void write(Path image, String format, int pattern, Object offset, String length) {
    run("qemu-io", "-f", format, "-c", "write -P " + pattern + " " + offset + " " + length, image.toString());
  }

  /** qemu-io exits 1 when a read does not match the pattern. */
  private void verify(Path image, String format, int pattern, Object offset, String length) {
    CommandResult result =
        run("qemu-io", "-f", format, "-c", "read -P " + pattern + " " + offset + " " + length, image.toString());
    assertThat(result.stdout()).doesNotContain("Pattern verification failed");
  }

  private CommandResult run(String... command) {
    return runner.runChecked(List.of(command), TIMEOUT);
  }

  private static long readLong(FileChannel file, long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8);
    file.read(buffer, position);
    return buffer.getLong(0);
  }

  /** The fields of a qcow2 header the tests need, from the big-endian header at offset 0. */
  private record Qcow2Header(int clusterSize, long refcountTableOffset) {
    static Qcow2Header read(FileChannel file) throws IOException {
      ByteBuffer header = ByteBuffer.allocate(72);
      file.read(header, 0);
      assertThat(header.getInt(0)).as("qcow2 magic").isEqualTo(0x514649fb);
      return new Qcow2Header(1 << header.getInt(20), header.getLong(48));
    }
  }
}
