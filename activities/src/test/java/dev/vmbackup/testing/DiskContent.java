package dev.vmbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a disk image of the test guest holds, read offline: whether its ext4 journal needed replaying
 * (it does for a crash-consistent image, not for a quiesced one), whether the filesystem is then clean
 * ({@code e2fsck -fn}), and the records the guest wrote to it.
 */
public record DiskContent(boolean neededJournalReplay, boolean clean, String fsckReport, List<GuestRecord> records) {
  /**
   * Reads an image (qcow2 or raw, in use by a VM or not): converts it to a raw scratch file with shared
   * locking, replays the journal there as a mount would, checks it with {@code e2fsck -fn} and reads
   * {@code /records.log} with {@code debugfs}. The image itself is never written.
   */
  public static DiskContent read(Path image, String format) {
    Path raw = null;
    try {
      raw = Files.createTempFile(TestHost.SCRATCH, "read-", ".raw");
      Commands.ok("qemu-img", "convert", "-U", "-f", format, "-O", "raw", image.toString(), raw.toString());
      boolean replay = Commands.ok("dumpe2fs", "-h", raw.toString()).contains("needs_recovery");
      if (replay) {
        Commands.run("e2fsck", "-E", "journal_only", "-y", raw.toString());
      }
      var fsck = Commands.run("e2fsck", "-fn", raw.toString());
      String log = Commands.ok("debugfs", "-R", "cat /records.log", raw.toString());
      List<GuestRecord> records = new ArrayList<>();
      // A last line without its newline is a record the guest was writing at the snapshot instant.
      String[] lines = log.split("\n", -1);
      for (int i = 0; i < lines.length - 1; i++) {
        GuestRecord record = GuestRecord.parse(lines[i]);
        if (record != null) {
          records.add(record);
        }
      }
      return new DiskContent(replay, fsck.exitCode() == 0, fsck.stdout() + fsck.stderr(), List.copyOf(records));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (raw != null) {
        try {
          Files.deleteIfExists(raw);
        } catch (IOException ignored) {
          // scratch space is cleaned with the test directory anyway
        }
      }
    }
  }

  /** The filesystem is clean and the log has records with no gaps within each boot. */
  public DiskContent assertIntact() {
    assertThat(clean).as("e2fsck -fn reports a clean filesystem:%n%s", fsckReport).isTrue();
    assertThat(records).as("the guest wrote records").isNotEmpty();
    for (int i = 1; i < records.size(); i++) {
      GuestRecord previous = records.get(i - 1);
      GuestRecord current = records.get(i);
      if (current.boot().equals(previous.boot())) {
        assertThat(current.sequence()).as("record after %s", previous).isEqualTo(previous.sequence() + 1);
      } else {
        assertThat(current.sequence()).as("first record of boot %s", current.boot()).isEqualTo(1);
      }
    }
    return this;
  }

  public GuestRecord last() {
    return records.get(records.size() - 1);
  }
}
