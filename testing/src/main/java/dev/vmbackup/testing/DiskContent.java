package dev.vmbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.GuestDisk;
import dev.vmbackup.host.process.ProcessRunner;
import java.nio.file.Path;
import java.util.List;

/**
 * What a disk image of the test guest holds, read offline (see {@link GuestDisk}), with the checks the
 * tests make of it.
 */
public record DiskContent(boolean neededJournalReplay, boolean clean, String fsckReport, List<GuestRecord> records) {
  public static DiskContent read(Path image, String format) {
    GuestDisk.Content content = GuestDisk.read(new ProcessRunner(), image, format, TestHost.scratchRoot());
    return new DiskContent(content.neededJournalReplay(), content.clean(), content.fsckReport(),
        content.records().stream().map(r -> new GuestRecord(r.boot(), r.sequence())).toList());
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
