package dev.vmbackup.host.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code qemu-img} operations of incremental backups: target images for a backup job, what a job
 * wrote into one, and the persistent dirty bitmaps of a disk image.
 */
public final class BackupImages {
  private static final Duration TIMEOUT = Duration.ofMinutes(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ProcessRunner runner;

  public BackupImages(ProcessRunner runner) {
    this.runner = runner;
  }

  /**
   * Creates an empty image of the given size for a backup job to write into.
   *
   * @param backingFile a backing reference written into a qcow2 header as given (relative paths are
   *     resolved from the image's directory), or null; it is not opened
   */
  public void createTarget(Path file, String format, long virtualSize, String backingFile) {
    List<String> command = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", format));
    if (backingFile != null) {
      command.addAll(List.of("-u", "-b", backingFile, "-F", "qcow2"));
    }
    command.add(file.toAbsolutePath().toString());
    command.add(Long.toString(virtualSize));
    runner.runChecked(command, TIMEOUT);
  }

  /**
   * Bytes of data in the image's own clusters, whatever its backing file holds: for the image a backup
   * job wrote, the data it copied. Clusters the job only marked as zeros carry no data and are not
   * counted; neither are holes of a raw image.
   */
  public long dataBytes(Path image, String format) {
    ObjectNode spec = alone(image, format);
    CommandResult result = runner.runChecked(
        List.of("qemu-img", "map", "--output=json", "-U", "json:" + spec), TIMEOUT);
    long data = 0;
    for (JsonNode extent : parse(result)) {
      if (extent.path("depth").asInt() == 0 && extent.path("data").asBoolean()) {
        data += extent.path("length").asLong();
      }
    }
    return data;
  }

  /**
   * The persistent dirty bitmaps stored in a qcow2 image, name to flags ({@code auto}, {@code in-use},
   * ...). Read with shared locking, so it works on images a VM holds open; those list the bitmaps QEMU
   * loaded when it opened the image, not the ones created since.
   */
  public Map<String, List<String>> bitmaps(Path image) {
    CommandResult result =
        runner.runChecked(List.of("qemu-img", "info", "--output=json", "-U", image.toAbsolutePath().toString()), TIMEOUT);
    Map<String, List<String>> bitmaps = new LinkedHashMap<>();
    JsonNode specific = parse(result).path("format-specific");
    if ("qcow2".equals(specific.path("type").asText())) {
      for (JsonNode bitmap : specific.path("data").path("bitmaps")) {
        List<String> flags = new ArrayList<>();
        bitmap.path("flags").forEach(flag -> flags.add(flag.asText()));
        bitmaps.put(bitmap.path("name").asText(), flags);
      }
    }
    return bitmaps;
  }

  /**
   * Whether a process (QEMU) holds the image open for writing: its image lock stops another writer
   * and a consistent reader. libvirt reports a backup job finished a moment before QEMU closes the
   * job's target; only a closed image has all its clusters and metadata on disk.
   */
  public boolean inUse(Path image, String format) {
    CommandResult result = runner.run(List.of("qemu-img", "info", "--output=json", "json:" + alone(image, format)),
        TIMEOUT);
    if (result.exitCode() == 0) {
      return false;
    }
    if (result.stderr().contains("lock")) {
      return true;
    }
    throw new CommandFailedException(ProcessRunner.failureMessage(result), result);
  }

  /** Removes a bitmap from an image no VM has open. */
  public void removeBitmap(Path image, String bitmap) {
    runner.runChecked(List.of("qemu-img", "bitmap", "--remove", image.toAbsolutePath().toString(), bitmap), TIMEOUT);
  }

  /** The image opened by itself, without its backing file, as qemu-img's {@code json:} filename. */
  private static ObjectNode alone(Path image, String format) {
    ObjectNode spec = JSON.createObjectNode();
    spec.put("driver", format);
    ObjectNode file = spec.putObject("file");
    file.put("driver", "file");
    file.put("filename", image.toAbsolutePath().toString());
    if ("qcow2".equals(format)) {
      spec.putNull("backing");
    }
    return spec;
  }

  private static JsonNode parse(CommandResult result) {
    try {
      return JSON.readTree(result.stdout());
    } catch (JsonProcessingException e) {
      throw new CommandFailedException(
          ProcessRunner.describe(result.command()) + " printed output that cannot be read: " + e.getOriginalMessage(),
          result);
    }
  }
}
