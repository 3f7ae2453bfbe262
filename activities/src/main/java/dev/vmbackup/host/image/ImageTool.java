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

  /**
   * Consistency check of an image's own metadata (a qcow2 image's backing file is not opened: it need
   * not exist); raw images have nothing to check and pass.
   */
  CheckResult check(Path image, String format);

  /** Rewrites the image's backing reference without touching data ({@code qemu-img rebase -u}). */
  void rebaseUnsafe(Path image, Path newBacking, String backingFormat);

  /** Commits an overlay that no VM uses into its backing file ({@code qemu-img commit}). */
  void commit(Path overlay);

  /**
   * Commits {@code top} and every layer between it and {@code base} into {@code base}, for images no VM
   * uses ({@code qemu-img commit -b}). The layers are left as they were, now redundant.
   */
  void commit(Path top, Path base);

  /**
   * Writes the content the image shows, backing layers included, into a new standalone image
   * ({@code qemu-img convert}); holes stay holes.
   */
  void convert(Path image, Path destination, String format);

  /**
   * As {@link #convert}, for a source that is a raw image: its format is given to qemu-img, never probed,
   * because a raw image holds guest data, and a guest that writes a qcow2 header at its disk's start
   * would otherwise have qemu-img read it as one, backing file on the host included.
   */
  void convertRaw(Path rawImage, Path destination, String format);

  /** Creates an empty qcow2 overlay backed by {@code backing} ({@code qemu-img create -b}). */
  void createOverlay(Path overlay, Path backing, String backingFormat);

  /**
   * Rebases an image no VM uses onto {@code newBacking} (null: no backing file) so that it shows the same
   * content: what the old chain holds and the new one does not is copied into it ({@code qemu-img rebase}).
   */
  void rebase(Path image, Path newBacking, String backingFormat);
}
