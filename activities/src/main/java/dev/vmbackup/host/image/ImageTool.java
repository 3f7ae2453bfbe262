package dev.vmbackup.host.image;

import java.nio.file.Path;
import java.util.List;

/** The image operations vmbackup needs from {@code qemu-img}. */
public interface ImageTool {
  /**
   * Describes one image. Reads with shared locking ({@code -U}), so it works on images a running VM
   * holds open.
   */
  ImageInfo info(Path image);

  /** Describes the image and every image below it, top first. */
  List<ImageInfo> backingChain(Path image);

  /** Consistency check of a qcow2 image; raw images have nothing to check and pass. */
  CheckResult check(Path image, String format);

  /** Rewrites the image's backing reference without touching data ({@code qemu-img rebase -u}). */
  void rebaseUnsafe(Path image, Path newBacking, String backingFormat);

  /** Commits an overlay that no VM uses into its backing file ({@code qemu-img commit}). */
  void commit(Path overlay);

  /**
   * Writes the content the image shows, backing layers included, into a new standalone image
   * ({@code qemu-img convert}); holes stay holes.
   */
  void convert(Path image, Path destination, String format);
}
