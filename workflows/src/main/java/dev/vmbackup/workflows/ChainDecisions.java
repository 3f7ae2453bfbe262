package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainRecord.ChainTop;
import dev.vmbackup.workflows.model.ChainRecord;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SnapshotRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The decisions of strategy {@code chain}, as pure functions of what inspection and the repository say:
 * whether a run continues the chain or starts a new one (and why), whether the running chain must be
 * consolidated first, where the new overlays go and what the manifest records for the next run.
 */
final class ChainDecisions {

  private ChainDecisions() {}

  /**
   * What a chain run does.
   *
   * @param parent the backup this run builds on, or null for a new chain (a full copy)
   * @param newChainReason why an existing chain is not continued; null when it is, or when there was none
   * @param consolidate the disks whose running chain is consolidated before the snapshot
   */
  record Decision(Manifest parent, String newChainReason, List<ConsolidateRequest.Disk> consolidate) {
    boolean continues() {
      return parent != null;
    }

    /** The same run, starting a new chain for {@code reason} instead. */
    Decision newChain(String reason) {
      return new Decision(null, reason, consolidate);
    }
  }

  /**
   * Whether a run continues the chain, before {@link #fullEveryReached} (which the workflow applies to a
   * decision that continues).
   *
   * @param repairs what was repaired on the running chains before inspection; any repair starts a new
   *     chain: the next backup copies the repaired chain whole instead of building on layers the VM
   *     no longer runs on
   */
  static Decision decide(DomainInfo domain, ChainState state, int maxChainLength, List<String> repairs) {
    Manifest head = state.head();
    String reason = head == null ? null
        : !repairs.isEmpty() ? "the running chain was repaired: " + String.join("; ", repairs)
        : whyNotContinue(domain, state);
    Manifest parent = head != null && reason == null ? head : null;
    return new Decision(parent, reason, consolidation(domain, maxChainLength));
  }

  /**
   * Why the head backup cannot be built on, or null if it can. An incremental copies only the overlay
   * the VM wrote to since the head's snapshot; it restores correctly only if that overlay is the VM's
   * active image now, on the same disks of the same size, and the head's chain in the repository is
   * whole. Any other change (a layer committed or deleted by hand, a disk's source changed, a disk added
   * or resized) starts a new chain rather than risking an incremental that cannot be restored.
   */
  static String whyNotContinue(DomainInfo domain, ChainState state) {
    Manifest head = state.head();
    String id = head.backupId();
    if (!state.headProblems().isEmpty()) {
      return "the chain of backup " + id + " in the repository cannot be built on: "
          + String.join("; ", state.headProblems());
    }
    if (head.chain() == null) {
      return "backup " + id + " records no chain";
    }
    if (head.verified() == null || !head.verified().ok()) {
      return "backup " + id + " was never verified successfully";
    }
    if (!Objects.equals(head.uuid(), domain.uuid())) {
      return "domain " + domain.name() + " now has UUID " + domain.uuid() + ", backup " + id + " was taken of "
          + head.uuid();
    }
    Map<String, ChainTop> tops = new LinkedHashMap<>();
    head.chain().disks().forEach(top -> tops.put(top.target(), top));
    TreeSet<String> now = new TreeSet<>();
    domain.disks().forEach(disk -> now.add(disk.target()));
    if (!now.equals(new TreeSet<>(tops.keySet()))) {
      return "the disks changed: backup " + id + " has " + new TreeSet<>(tops.keySet()) + ", the domain now has " + now;
    }
    for (DiskInfo disk : domain.disks()) {
      ChainTop top = tops.get(disk.target());
      if (!top.overlay().equals(disk.source())) {
        return "disk " + disk.target() + " runs on " + disk.source() + ", not on " + top.overlay()
            + " where backup " + id + " left it (changed outside vmbackup)";
      }
      List<String> below = disk.backingChain().stream().map(ImageLayer::path).toList();
      if (!below.equals(top.backing()) && !below.equals(withoutOverlays(top.backing()))) {
        return "the layers below disk " + disk.target() + "'s overlay changed outside vmbackup: " + below
            + " instead of " + top.backing();
      }
      Long size = state.virtualSizes().get(disk.target());
      long then = head.disks().stream().filter(d -> d.target().equals(disk.target()))
          .mapToLong(ManifestDisk::virtualSize).findFirst().orElse(-1);
      if (size == null || size != then) {
        return "disk " + disk.target() + " was resized from " + then + " to " + size + " bytes";
      }
    }
    return null;
  }

  /**
   * Why the chain is long enough to start a new one, or null if it may grow.
   *
   * @param fullEvery how many incrementals a chain in the repository may hold before a run starts a new
   *     one, so that restores stay short and retention can delete whole old chains
   */
  static String fullEveryReached(ChainState state, int fullEvery) {
    if (fullEvery <= 0) {
      return "fullEvery is " + fullEvery + ": every backup starts a new chain";
    }
    int incrementals = state.backupsInChain() - 1;
    if (incrementals >= fullEvery) {
      return incrementals + (incrementals == 1 ? " incremental" : " incrementals") + " since the chain's full copy"
          + " (fullEvery " + fullEvery + ")";
    }
    return null;
  }

  /**
   * The disks whose running chain holds so many chain overlays that one more would exceed the limit:
   * every chain overlay below the active one is committed into the image below them (the VM's own
   * image), leaving the active overlay on it.
   */
  static List<ConsolidateRequest.Disk> consolidation(DomainInfo domain, int maxChainLength) {
    List<ConsolidateRequest.Disk> disks = new ArrayList<>();
    for (DiskInfo disk : domain.disks()) {
      List<ImageLayer> chain = disk.chain();
      int overlays = 0;
      while (overlays < chain.size() && isOverlay(chain.get(overlays).path())) {
        overlays++;
      }
      if (overlays + 1 <= maxChainLength || overlays < 2 || overlays == chain.size()) {
        continue;
      }
      List<String> layers = chain.subList(1, overlays).stream().map(ImageLayer::path).toList();
      disks.add(new ConsolidateRequest.Disk(disk.target(), disk.source(), layers, chain.get(overlays).path()));
    }
    return disks;
  }

  /** The running chain after consolidation: the chain overlays at its top are gone. */
  static List<String> withoutOverlays(List<String> backing) {
    int first = 0;
    while (first < backing.size() && isOverlay(backing.get(first))) {
      first++;
    }
    return backing.subList(first, backing.size());
  }

  static boolean isOverlay(String path) {
    return BackupLayout.isChainOverlay(path);
  }

  /** The next overlay of a disk: named after the VM's own image, whatever overlay it runs on now. */
  static String overlayPath(String activeImage, String backupId) {
    return BackupLayout.chainOverlay(activeImage, backupId);
  }

  /** The active images after consolidation (consolidation never changes them). */
  static SnapshotRequest snapshotRequest(DomainInfo domain, PreparedBackup prepared, CaptureMode capture) {
    List<DiskOverlay> overlays = domain.disks().stream()
        .map(disk -> new DiskOverlay(
            disk.target(), disk.source(), disk.format(), overlayPath(disk.source(), prepared.backupId())))
        .toList();
    String memoryFile = capture == CaptureMode.MEMORY ? BackupLayout.memoryFile(prepared.partialDir()) : null;
    return new SnapshotRequest(domain.name(), prepared.backupId(), capture, domain.agentAvailable(), overlays,
        prepared.partialDir(), memoryFile, domain.state());
  }

  /** Capture saved-state on a chain: the image stays where it is, the chain's next overlay goes on it. */
  static SavedStateRequest savedStateRequest(DomainInfo domain, PreparedBackup prepared) {
    List<SavedStateRequest.Disk> disks = domain.disks().stream()
        .map(disk -> new SavedStateRequest.Disk(disk.target(), disk.source(), disk.format(), disk.source(),
            overlayPath(disk.source(), prepared.backupId())))
        .toList();
    return new SavedStateRequest(domain.name(), prepared.backupId(), BackupLayout.memoryFile(prepared.partialDir()),
        prepared.partialDir(), disks, domain.state());
  }

  /** What the run copies: on a continued chain only the layer just frozen, else every frozen layer. */
  static List<DiskInfo> disksToCopy(DomainInfo domain, Decision decision) {
    if (!decision.continues()) {
      return domain.disks();
    }
    return domain.disks().stream()
        .map(disk -> new DiskInfo(disk.target(), disk.source(), disk.format(), List.of()))
        .toList();
  }

  /** Where the VM runs after this backup, for the next run to check. */
  static ChainRecord record(DomainInfo domain, SnapshotRequest plan, Decision decision) {
    Map<String, ConsolidateRequest.Disk> consolidated = new LinkedHashMap<>();
    decision.consolidate().forEach(disk -> consolidated.put(disk.target(), disk));
    List<ChainTop> tops = new ArrayList<>();
    for (DiskInfo disk : domain.disks()) {
      DiskOverlay overlay = plan.overlays().stream().filter(o -> o.target().equals(disk.target())).findFirst()
          .orElseThrow();
      List<String> backing = new ArrayList<>();
      backing.add(disk.source());
      List<String> below = disk.backingChain().stream().map(ImageLayer::path).toList();
      backing.addAll(consolidated.containsKey(disk.target()) ? withoutOverlays(below) : below);
      tops.add(new ChainTop(disk.target(), overlay.overlay(), backing));
    }
    return new ChainRecord(tops);
  }
}
