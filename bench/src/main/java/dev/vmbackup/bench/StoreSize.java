package dev.vmbackup.bench;

import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.Manifest;
import dev.vmbackup.worker.WorkerAssembly;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the store saves: two VMs cloned from one template, each backed up N times with the guest writing
 * between, into a store (strategy full every time: every point a complete image) and, side by side in
 * the same run, into repositories of kind files with strategy incremental and with strategy full.
 * Reports the bytes each repository takes on disk, and the time to restore the last point of the store
 * against the first (every store point is one index, so the last should cost no more than the first).
 */
final class StoreSize {
  private StoreSize() {}

  static void run(Report report, Config config, BenchTemporal temporal) throws Exception {
    int rounds = config.quick() ? 2 : 7;
    int ballast = config.quick() ? 16 : 192;
    int writeMib = config.quick() ? 1 : 8;
    Path scratch = BenchHost.scratch("store-size");
    try {
      TinyGuest.Disk disk = new TinyGuest.Disk("vda", "vda.qcow2", "qcow2", 512, ballast);
      Path templateDir = Files.createDirectories(scratch.resolve("template"));
      TinyGuest.makeDisk(BenchHost.RUNNER, templateDir, disk);
      Path template = templateDir.resolve(disk.fileName());
      Path incremental = scratch.resolve("files-incremental");
      Path full = scratch.resolve("files-full");
      List<String> storePoints = new ArrayList<>();
      try (BenchHost.Guest first = new BenchHost.Guest("tmpl-a", 128, disk, 0, template);
          BenchHost.Guest second = new BenchHost.Guest("tmpl-b", 128, disk, 0, template)) {
        for (int round = 0; round < rounds; round++) {
          for (BenchHost.Guest guest : List.of(first, second)) {
            if (round > 0) {
              GuestAgent.run(guest.name, "dd if=/dev/urandom of=/mnt/vda/round" + round + " bs=1048576 count="
                  + writeMib + " 2>/dev/null; sync", Duration.ofMinutes(5));
            }
            BackupResult stored = backup(temporal.vmbackup, guest, BenchTemporal.STORE, Strategy.FULL);
            storePoints.add(stored.path().substring(stored.path().lastIndexOf('/') + 1));
            backup(temporal.vmbackup, guest, incremental.toString(), Strategy.INCREMENTAL);
            backup(temporal.vmbackup, guest, full.toString(), Strategy.FULL);
          }
        }
      }
      double storeMib = du(temporal.store);
      double incrementalMib = du(incremental);
      double fullMib = du(full);
      report.table("Store: bytes stored",
          "2 VMs cloned from one template (a " + ballast + " MiB random ballast in a 512 MiB disk), each backed up "
              + rounds + " times, the guest writing " + writeMib + " MiB of new random data before each backup after"
              + " the first; the same backups, side by side in one run, into a store (strategy full, zstd, 256 KiB"
              + " chunks, not encrypted) and into repositories of kind files. Bytes = du of each repository.",
          "Repository", "Stored MiB", "Store / this");
      report.row("store, strategy full", fmt(storeMib), "1.00");
      report.row("files, strategy incremental", fmt(incrementalMib), fmt2(storeMib / incrementalMib));
      report.row("files, strategy full", fmt(fullMib), fmt2(storeMib / fullMib));
      report.endTable();
      Samples storeSamples = new Samples();
      storeSamples.add(storeMib);
      report.csv("store", "two clones x " + rounds + " backups", "stored_mib_vs_files_incremental", storeSamples,
          fmt2(storeMib / incrementalMib));
      restoreTimes(report, config, temporal, storePoints, scratch);
    } finally {
      BenchHost.delete(scratch);
    }
  }

  /** Restores the first and the last point of the first VM from the store, alternately. */
  private static void restoreTimes(Report report, Config config, BenchTemporal temporal, List<String> points,
      Path scratch) {
    Samples firstPoint = new Samples();
    Samples lastPoint = new Samples();
    try (Stores stores = WorkerAssembly.stores(temporal.settings)) {
      ChunkStore store = stores.open(BenchTemporal.STORE);
      Manifest oldest = store.findManifest(points.get(0)).orElseThrow();
      // Points alternate between the two VMs: the first VM's last point is the one before the last.
      Manifest newest = store.findManifest(points.get(points.size() - 2)).orElseThrow();
      for (int run = 0; run < Math.max(3, config.runs()); run++) {
        firstPoint.add(restoreSeconds(store, oldest, scratch));
        lastPoint.add(restoreSeconds(store, newest, scratch));
      }
    }
    report.table("Store: restore of the last point against the first",
        "The first VM's disk restored from the store to a raw image (page cache warm), alternately, "
            + Math.max(3, config.runs()) + " times each.",
        "Point", "Seconds", "Ratio to the first");
    report.row("first (backup 1)", firstPoint.format(2), "1.00");
    report.row("last", lastPoint.format(2), fmt2(lastPoint.median() / firstPoint.median()));
    report.endTable();
    report.csv("store", "restore last point", "seconds", lastPoint, fmt2(lastPoint.median() / firstPoint.median()));
  }

  private static double restoreSeconds(ChunkStore store, Manifest point, Path scratch) {
    Path target = scratch.resolve("restored.raw");
    long start = System.nanoTime();
    store.restore(point, BackupLayout.storeDisk("vda"), target);
    double seconds = (System.nanoTime() - start) / 1e9;
    BenchHost.run("rm", "-f", target.toString());
    return seconds;
  }

  private static BackupResult backup(VmBackupClient vmbackup, BenchHost.Guest guest, String repository,
      Strategy strategy) {
    return vmbackup.backup(new BackupRequest(guest.name, BenchTemporal.HOST, CaptureMode.CRASH, repository, strategy));
  }

  private static double du(Path dir) {
    return Long.parseLong(BenchHost.ok("du", "--block-size=1", "--summarize", dir.toString()).split("\\s+")[0])
        / (double) (1 << 20);
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  private static String fmt2(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
