package dev.vmbackup.testing.fleet;

import dev.vmbackup.host.image.CheckResult;
import dev.vmbackup.host.image.ImageInfo;
import dev.vmbackup.host.image.ImageTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One simulated host's {@code qemu-img}: describes the simulation's images from their files (a name
 * ending {@code .qcow2} is qcow2, any other raw; no image has a backing file of its own), and checks a retained image in
 * {@link SimulatedDurations#check()}. A check below the host's repository ends the backup of the VM it
 * belongs to in the {@link ConcurrencyRecorder}: it is the last host step of a verified backup.
 * Operations that a full backup does not use are refused.
 */
public final class SimulatedImageTool implements ImageTool {
  private final String host;
  private final Path repository;
  private final SimulatedDurations durations;
  private final ConcurrencyRecorder recorder;

  /** @param repository the host's repository: its first path element below is the VM's name */
  public SimulatedImageTool(String host, Path repository, SimulatedDurations durations, ConcurrencyRecorder recorder) {
    this.host = host;
    this.repository = repository.toAbsolutePath();
    this.durations = durations;
    this.recorder = recorder;
  }

  @Override
  public ImageInfo info(Path image) {
    try {
      long size = Files.size(image);
      return new ImageInfo(image.toString(), SimulatedHypervisor.format(image.toString()), size, size,
          null, null, null, List.of());
    } catch (IOException e) {
      throw new UncheckedIOException("simulated qemu-img info " + image, e);
    }
  }

  @Override
  public List<ImageInfo> backingChain(Path image) {
    return List.of(info(image));
  }

  @Override
  public CheckResult check(Path image, String format) {
    SimulatedHypervisor.sleep(durations.check().toMillis());
    Path absolute = image.toAbsolutePath();
    if (absolute.startsWith(repository) && repository.relativize(absolute).getNameCount() > 1) {
      recorder.end(host, repository.relativize(absolute).getName(0).toString());
    }
    return new CheckResult(Files.isRegularFile(image), "simulated check of " + image.getFileName());
  }

  @Override
  public void rebaseUnsafe(Path image, Path newBacking, String backingFormat) {
    throw notSimulated("rebase -u");
  }

  @Override
  public void commit(Path overlay) {
    throw notSimulated("commit");
  }

  @Override
  public void commit(Path top, Path base) {
    throw notSimulated("commit -b");
  }

  @Override
  public void convert(Path image, Path destination, String format) {
    throw notSimulated("convert");
  }

  @Override
  public void convertRaw(Path rawImage, Path destination, String format) {
    throw notSimulated("convert -f raw");
  }

  @Override
  public void createOverlay(Path overlay, Path backing, String backingFormat) {
    throw notSimulated("create -b");
  }

  @Override
  public void rebase(Path image, Path newBacking, String backingFormat) {
    throw notSimulated("rebase");
  }

  private static UnsupportedOperationException notSimulated(String what) {
    return new UnsupportedOperationException("qemu-img " + what + " is not simulated: the fleet simulation runs full backups");
  }
}
