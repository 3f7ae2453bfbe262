package dev.vmbackup.bench;

import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.host.repository.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Bytes stored by a {@code chain} and an {@code incremental} backup after the guest wrote N MiB, in
 * scattered 4 KiB writes and in large sequential writes, as a ratio to N.
 */
final class IncrementalSize {
  private IncrementalSize() {}

  private record Pattern(String name, String command) {}

  static void run(Report report, Config config, BenchTemporal temporal) throws Exception {
    int mib = config.quick() ? 1 : 8;
    int blocks = mib * 256;
    List<Pattern> patterns = List.of(
        new Pattern("scattered 4 KiB writes", "i=0; while [ $i -lt " + blocks + " ]; do dd if=/dev/urandom"
            + " of=/mnt/vda/scattered bs=4096 count=1 seek=$(( (i * 7919) % 16384 )) conv=notrunc 2>/dev/null;"
            + " i=$((i+1)); done; sync"),
        new Pattern("sequential 1 MiB writes", "dd if=/dev/urandom of=/mnt/vda/sequential bs=1048576 count=" + mib
            + " 2>/dev/null; sync"));
    report.table("Incremental size",
        "Bytes stored by the backup after the guest wrote " + mib + " MiB (median of " + config.runs() + " runs; a"
            + " quiet 128 MiB guest that also appends a record five times a second). Stored = allocated size of"
            + " the backup's image files.",
        "Strategy", "Writes", "Stored MiB", "Ratio to written", "Transferred MiB (manifest)");
    for (Strategy strategy : List.of(Strategy.CHAIN, Strategy.INCREMENTAL)) {
      for (Pattern pattern : patterns) {
        Samples stored = new Samples();
        Samples transferred = new Samples();
        for (int run = 0; run < config.runs(); run++) {
          try (BenchHost.Guest guest = new BenchHost.Guest("incr", 128,
              new TinyGuest.Disk("vda", "vda.qcow2", "qcow2", 256, 0), 0)) {
            backup(temporal, guest, strategy);
            GuestAgent.run(guest.name, pattern.command(), Duration.ofMinutes(10));
            BackupResult second = backup(temporal, guest, strategy);
            stored.add(allocatedMiB(Path.of(second.path()), second));
            Manifest manifest = Json.MAPPER.readValue(Path.of(second.path(), "manifest.json").toFile(), Manifest.class);
            if (manifest.bytesTransferred() != null) {
              transferred.add(manifest.bytesTransferred() / (double) (1 << 20));
            }
          }
        }
        String ratio = String.format(Locale.ROOT, "%.2f", stored.median() / mib);
        report.row(strategy.wireName(), pattern.name(), stored.format(1), ratio, transferred.format(1));
        report.csv("incremental", strategy.wireName() + " " + pattern.name(), "stored_mib", stored, ratio);
      }
    }
    report.endTable();
  }

  private static BackupResult backup(BenchTemporal temporal, BenchHost.Guest guest, Strategy strategy) {
    return temporal.vmbackup.backup(new BackupRequest(guest.name, BenchTemporal.HOST, CaptureMode.QUIESCE,
        temporal.repository.toString(), strategy));
  }

  /** Allocated bytes of the backup's disk images, as the repository's filesystem stores them. */
  private static double allocatedMiB(Path dir, BackupResult result) {
    long bytes = 0;
    for (var disk : result.disks()) {
      String du = BenchHost.ok("du", "--block-size=1", "--summarize", dir.resolve(disk.file()).toString());
      bytes += Long.parseLong(du.split("\\s+")[0]);
      for (var layer : disk.backing()) {
        bytes += Long.parseLong(BenchHost.ok("du", "--block-size=1", "--summarize",
            dir.resolve(layer.file()).toString()).split("\\s+")[0]);
      }
    }
    return bytes / (double) (1 << 20);
  }
}
