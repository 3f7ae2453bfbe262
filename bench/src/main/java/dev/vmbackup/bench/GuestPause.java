package dev.vmbackup.bench;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How long a backup stalls the guest, per capture mode and guest memory size: from libvirt's lifecycle
 * events (suspended to resumed) and from the guest's own output (the longest gap between its records,
 * printed five times a second, so 200 ms is "no stall"). Baseline: {@code virsh save} + {@code virsh restore}.
 */
final class GuestPause {
  private GuestPause() {}

  private record Mode(String name, Strategy strategy, CaptureMode capture, boolean virshNonLiveMemory,
      boolean saveRestore) {}

  static void run(Report report, Config config, BenchTemporal temporal, PauseEvents events) throws Exception {
    List<Mode> modes = List.of(
        new Mode("full, crash", Strategy.FULL, CaptureMode.CRASH, false, false),
        new Mode("full, quiesce", Strategy.FULL, CaptureMode.QUIESCE, false, false),
        new Mode("full, memory (live)", Strategy.FULL, CaptureMode.MEMORY, false, false),
        new Mode("full, saved-state", Strategy.FULL, CaptureMode.SAVED_STATE, false, false),
        new Mode("chain, quiesce", Strategy.CHAIN, CaptureMode.QUIESCE, false, false),
        new Mode("incremental, quiesce", Strategy.INCREMENTAL, CaptureMode.QUIESCE, false, false),
        new Mode("memory, non-live (virsh snapshot without --live)", null, null, true, false),
        new Mode("baseline: virsh save + virsh restore", null, null, false, true));
    int[] memories = config.quick() ? new int[] {128} : new int[] {128, 512};
    report.table("Guest pause",
        "Milliseconds, median (min–max) of " + config.runs() + " runs. libvirt: suspended→resumed events; guest:"
            + " the longest gap between the guest's records, which it prints every 200 ms.",
        "Strategy, capture", "Guest RAM", "Paused (libvirt)", "Longest gap seen by the guest");
    for (int memory : memories) {
      for (Mode mode : modes) {
        // A guest of its own for each mode: a chain leaves the VM on overlays, incrementals leave checkpoints.
        try (BenchHost.Guest guest = new BenchHost.Guest("pause" + memory, memory, 0, 0)) {
          Samples paused = new Samples();
          Samples gap = new Samples();
          for (int run = 0; run < config.runs(); run++) {
            events.reset(guest.name);
            try (Console console = Console.follow(guest)) {
              Thread.sleep(1000);
              if (mode.saveRestore()) {
                saveAndRestore(guest);
              } else if (mode.virshNonLiveMemory()) {
                nonLiveMemorySnapshot(guest);
              } else {
                temporal.vmbackup.backup(new BackupRequest(guest.name, BenchTemporal.HOST, mode.capture(),
                    temporal.repository.toString(), mode.strategy()));
              }
              Thread.sleep(1500);
              paused.add(events.pausedMillis(guest.name));
              gap.add(console.longestGapMillis());
            }
          }
          report.row(mode.name(), memory + " MiB", paused.format(0), gap.format(0));
          report.csv("pause", mode.name() + " " + memory + "MiB", "paused_ms", paused, null);
          report.csv("pause", mode.name() + " " + memory + "MiB", "guest_gap_ms", gap, null);
        }
      }
    }
    report.endTable();
  }

  private static void saveAndRestore(BenchHost.Guest guest) throws Exception {
    Path state = guest.dir.resolve("saved.state");
    BenchHost.virsh("save", guest.name, state.toString());
    BenchHost.virsh("restore", state.toString());
    Files.deleteIfExists(state);
  }

  /** The classic non-live memory snapshot, then the overlay committed back, as a script would. */
  private static void nonLiveMemorySnapshot(BenchHost.Guest guest) throws Exception {
    Path overlay = guest.dir.resolve("vda.nonlive.qcow2");
    Path memory = guest.dir.resolve("nonlive.memory");
    BenchHost.virsh("snapshot-create-as", guest.name, "--atomic", "--no-metadata",
        "--memspec", "file=" + memory + ",snapshot=external",
        "--diskspec", "vda,file=" + overlay + ",snapshot=external");
    BenchHost.virsh("blockcommit", guest.name, "vda", "--active", "--shallow", "--pivot", "--wait");
    Files.deleteIfExists(overlay);
    Files.deleteIfExists(memory);
  }


}
