package dev.vmbackup.host.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@link ImageTool} over the {@code qemu-img} command, called with argument lists. */
public final class QemuImg implements ImageTool {
  /** {@code info} only reads headers, so it is quick even on large images. */
  static final Duration INFO_TIMEOUT = Duration.ofSeconds(60);
  /** {@code check}, {@code commit} and {@code rebase} may walk or copy a whole image of terabytes. */
  static final Duration LONG_TIMEOUT = Duration.ofHours(12);

  /** {@code qemu-img check} exit codes, from its manual page. */
  private static final int CHECK_OK = 0;
  private static final int CHECK_FAILED = 1;
  private static final int CHECK_CORRUPT = 2;
  private static final int CHECK_LEAKS = 3;
  private static final int CHECK_UNSUPPORTED = 63;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ProcessRunner runner;

  public QemuImg(ProcessRunner runner) {
    this.runner = runner;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The image is named by its absolute path, so qemu-img resolves a relative backing reference to an
   * absolute {@link ImageInfo#fullBackingFilename()}.
   */
  @Override
  public ImageInfo info(Path image) {
    List<String> command = List.of("qemu-img", "info", "--output=json", "-U", absolute(image));
    CommandResult result = runner.runChecked(command, INFO_TIMEOUT);
    return toImageInfo(parse(result), result);
  }

  @Override
  public List<ImageInfo> backingChain(Path image) {
    List<String> command =
        List.of("qemu-img", "info", "--output=json", "-U", "--backing-chain", absolute(image));
    CommandResult result = runner.runChecked(command, INFO_TIMEOUT);
    JsonNode chain = parse(result);
    if (!chain.isArray()) {
      throw unreadable(result, "expected a JSON array");
    }
    List<ImageInfo> images = new ArrayList<>();
    for (JsonNode node : chain) {
      images.add(toImageInfo(node, result));
    }
    return images;
  }

  @Override
  public CheckResult check(Path image, String format) {
    if ("raw".equals(format)) {
      return new CheckResult(true, "raw image, nothing to check");
    }
    List<String> command = "qcow2".equals(format)
        ? List.of("qemu-img", "check", "--output=json", "-U", withoutBacking(image))
        : List.of("qemu-img", "check", "--output=json", "-U", "-f", format, absolute(image));
    CommandResult result = runner.run(command, LONG_TIMEOUT);
    switch (result.exitCode()) {
      case CHECK_OK:
        return new CheckResult(true, "no errors");
      case CHECK_LEAKS:
        // Leaked clusters waste space but lose no data; qemu-img check -r leaks would reclaim them.
        return new CheckResult(true, countOf(result, "leaks") + " leaked clusters, no corruption");
      case CHECK_CORRUPT:
        return new CheckResult(false, countOf(result, "corruptions") + " corruptions found"
            + leaksAlso(result) + firstError(result));
      case CHECK_FAILED:
        return new CheckResult(false, "could not be checked: " + ProcessRunner.failureMessage(result));
      case CHECK_UNSUPPORTED:
        return new CheckResult(true, format + " image, qemu-img cannot check this format");
      default:
        throw new CommandFailedException(ProcessRunner.failureMessage(result), result);
    }
  }

  /**
   * A qcow2 image opened without its backing file: {@code check} examines only the image's own
   * metadata, and the layer of a chain backup still names the host's file it was frozen on top of,
   * which consolidation or an operator may have deleted since. Each layer is checked on its own.
   */
  private static String withoutBacking(Path image) {
    var options = JSON.createObjectNode();
    options.put("driver", "qcow2");
    options.putNull("backing");
    options.putObject("file").put("driver", "file").put("filename", absolute(image));
    return "json:" + options;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code newBacking} is written into the header as given: a relative path is resolved by qemu
   * relative to the directory of {@code image}, not to the current directory.
   */
  @Override
  public void rebaseUnsafe(Path image, Path newBacking, String backingFormat) {
    runner.runChecked(
        List.of("qemu-img", "rebase", "-u", "-f", "qcow2", "-F", backingFormat, "-b", newBacking.toString(),
            absolute(image)),
        LONG_TIMEOUT);
  }

  @Override
  public void commit(Path overlay) {
    runner.runChecked(List.of("qemu-img", "commit", "-q", absolute(overlay)), LONG_TIMEOUT);
  }

  @Override
  public void commit(Path top, Path base) {
    runner.runChecked(List.of("qemu-img", "commit", "-q", "-b", absolute(base), absolute(top)), LONG_TIMEOUT);
  }

  @Override
  public void convert(Path image, Path destination, String format) {
    runner.runChecked(
        List.of("qemu-img", "convert", "-q", "-O", format, absolute(image), absolute(destination)), LONG_TIMEOUT);
  }

  @Override
  public void convertRaw(Path rawImage, Path destination, String format) {
    runner.runChecked(List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", format, absolute(rawImage),
        absolute(destination)), LONG_TIMEOUT);
  }

  @Override
  public void createOverlay(Path overlay, Path backing, String backingFormat) {
    runner.runChecked(
        List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", absolute(backing), "-F", backingFormat,
            absolute(overlay)),
        INFO_TIMEOUT);
  }

  @Override
  public void rebase(Path image, Path newBacking, String backingFormat) {
    List<String> command = new ArrayList<>(List.of("qemu-img", "rebase", "-q", "-f", "qcow2"));
    if (newBacking == null) {
      command.addAll(List.of("-b", ""));
    } else {
      command.addAll(List.of("-F", backingFormat, "-b", absolute(newBacking)));
    }
    command.add(absolute(image));
    runner.runChecked(command, LONG_TIMEOUT);
  }

  private static String absolute(Path image) {
    return image.toAbsolutePath().toString();
  }

  private static JsonNode parse(CommandResult result) {
    try {
      return JSON.readTree(result.stdout());
    } catch (JsonProcessingException e) {
      throw unreadable(result, e.getOriginalMessage());
    }
  }

  private static ImageInfo toImageInfo(JsonNode node, CommandResult result) {
    if (!node.hasNonNull("filename") || !node.hasNonNull("format")) {
      throw unreadable(result, "an image without filename or format");
    }
    List<String> bitmaps = new ArrayList<>();
    JsonNode specific = node.path("format-specific");
    if ("qcow2".equals(specific.path("type").asText())) {
      for (JsonNode bitmap : specific.path("data").path("bitmaps")) {
        bitmaps.add(bitmap.path("name").asText());
      }
    }
    return new ImageInfo(
        node.get("filename").asText(),
        node.get("format").asText(),
        node.path("virtual-size").asLong(0),
        node.path("actual-size").asLong(0),
        textOrNull(node, "backing-filename"),
        textOrNull(node, "full-backing-filename"),
        textOrNull(node, "backing-filename-format"),
        bitmaps);
  }

  private static String textOrNull(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** A count from {@code qemu-img check --output=json}, which prints its report even when it finds errors. */
  private static long countOf(CommandResult result, String field) {
    try {
      return JSON.readTree(result.stdout()).path(field).asLong(0);
    } catch (JsonProcessingException e) {
      return 0;
    }
  }

  private static String leaksAlso(CommandResult result) {
    long leaks = countOf(result, "leaks");
    return leaks == 0 ? "" : " and " + leaks + " leaked clusters";
  }

  /** qemu-img lists each error on a line of stderr; the first names the kind of damage. */
  private static String firstError(CommandResult result) {
    return result.stderr().lines().filter(line -> !line.isBlank()).findFirst()
        .map(line -> ", first: " + line.strip())
        .orElse("");
  }

  private static CommandFailedException unreadable(CommandResult result, String why) {
    return new CommandFailedException(
        ProcessRunner.describe(result.command()) + " printed output that cannot be read: " + why, result);
  }
}
