package dev.vmbackup.host.image;

import dev.vmbackup.host.process.ProcessRunner;
import java.nio.file.Path;
import java.util.List;

/** {@link ImageTool} over the {@code qemu-img} command, called with argument lists. */
public final class QemuImg implements ImageTool {
  private final ProcessRunner runner;

  public QemuImg(ProcessRunner runner) {
    this.runner = runner;
  }

  @Override
  public ImageInfo info(Path image) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public List<ImageInfo> backingChain(Path image) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public CheckResult check(Path image, String format) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void rebaseUnsafe(Path image, Path newBacking, String backingFormat) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void commit(Path overlay) {
    throw new UnsupportedOperationException("TODO");
  }
}
