package dev.vmbackup.host.guest;

import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a disk image of the tiny guest offline: whether its ext4 journal needed replaying (it does for
 * a crash-consistent image, not for a quiesced one), whether the filesystem is then clean
 * ({@code e2fsck -fn}), and the records the guest wrote to {@code /records.log}.
 */
public final class GuestDisk {
  /** One line of {@code records.log}: the guest's boot id and its counter, which starts at 1 on every boot. */
  public record Record(String boot, long sequence) {
    static Record parse(String line) {
      String[] parts = line.trim().split(" ");
      if (parts.length != 2) {
        return null;
      }
      try {
        return new Record(parts[0], Long.parseLong(parts[1]));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** What the image holds. */
  public record Content(boolean neededJournalReplay, boolean clean, String fsckReport, List<Record> records) {
    public Content {
      records = List.copyOf(records);
    }
  }

  private GuestDisk() {}

  /**
   * Converts the image (qcow2 or raw, in use by a VM or not) to a raw scratch file in {@code scratchDir}
   * with shared locking, replays the journal there as a mount would, checks it and reads the records.
   * The image itself is never written.
   */
  public static Content read(ProcessRunner runner, Path image, String format, Path scratchDir) {
    Duration timeout = Duration.ofMinutes(10);
    Path raw = null;
    try {
      raw = Files.createTempFile(scratchDir, "read-", ".raw");
      runner.runChecked(List.of("qemu-img", "convert", "-U", "-f", format, "-O", "raw", image.toString(),
          raw.toString()), timeout);
      boolean replay = runner.runChecked(List.of("dumpe2fs", "-h", raw.toString()), timeout).stdout()
          .contains("needs_recovery");
      if (replay) {
        runner.run(List.of("e2fsck", "-E", "journal_only", "-y", raw.toString()), timeout);
      }
      CommandResult fsck = runner.run(List.of("e2fsck", "-fn", raw.toString()), timeout);
      String log = runner.runChecked(List.of("debugfs", "-R", "cat /records.log", raw.toString()), timeout).stdout();
      List<Record> records = new ArrayList<>();
      // A last line without its newline is a record the guest was writing at the snapshot instant.
      String[] lines = log.split("\n", -1);
      for (int i = 0; i < lines.length - 1; i++) {
        Record record = Record.parse(lines[i]);
        if (record != null) {
          records.add(record);
        }
      }
      return new Content(replay, fsck.exitCode() == 0, fsck.stdout() + fsck.stderr(), records);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (raw != null) {
        try {
          Files.deleteIfExists(raw);
        } catch (IOException ignored) {
          // A scratch file; its directory is cleaned up with the rest.
        }
      }
    }
  }
}
