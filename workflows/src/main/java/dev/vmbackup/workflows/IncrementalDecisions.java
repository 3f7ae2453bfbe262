package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.CheckpointState;
import dev.vmbackup.workflows.model.DiskState;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDecision.PlannedDisk;
import dev.vmbackup.workflows.model.IncrementalFacts;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.Strategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a backup of strategy {@code incremental} or {@code differential} continues its chain: a
 * pure function of what the host reports ({@link IncrementalFacts}). The checkpoint activity calls it
 * on the host, so that its answer is recorded in the workflow's history and a later change of these
 * rules never changes a running workflow. Unlike {@link ChainDecisions}, whose input is a small
 * {@code ChainState}, these facts hold every manifest of the domain and every checkpoint's bitmaps:
 * deciding in the workflow would copy them into each history, where only names and paths belong, so
 * the history records the small decision instead.
 *
 * <p>A chain goes on only when everything an incremental's restore relies on holds: the parent's
 * checkpoint still exists in libvirt and tracks every disk, each disk still has that bitmap, the disks
 * are the ones the parent backed up, at the same sizes, and the parent and every backup below it are in
 * the repository, complete and verified. Anything else starts a new full backup, with the reason, and
 * every old checkpoint is deleted: an incremental that cannot be restored is never made.
 */
public final class IncrementalDecisions {
  /** Prefix of the checkpoints vmbackup creates; others are left alone. */
  public static final String CHECKPOINT_PREFIX = "vmbackup-";

  private IncrementalDecisions() {}

  /** The checkpoint (and bitmap) a backup creates. */
  public static String checkpointName(String backupId) {
    return CHECKPOINT_PREFIX + backupId;
  }

  public static boolean isVmbackupCheckpoint(String name) {
    return name != null && name.startsWith(CHECKPOINT_PREFIX);
  }

  /** A disk whose changes libvirt cannot track, when a full copy every time was not allowed. */
  public static final class UntrackableDisks extends RuntimeException {
    public UntrackableDisks(String message) {
      super(message);
    }
  }

  /**
   * @throws UntrackableDisks for a disk that is not qcow2 unless {@code allowFullFallback}
   */
  public static IncrementalDecision decide(
      IncrementalFacts facts, Strategy strategy, int fullEvery, boolean allowFullFallback) {
    if (strategy != Strategy.INCREMENTAL && strategy != Strategy.DIFFERENTIAL) {
      throw new IllegalArgumentException("strategy " + strategy + " does not use checkpoints");
    }
    String domain = facts.domain().name();
    List<String> existing = facts.checkpoints().stream().map(CheckpointState::name).toList();

    List<DiskState> untrackable = facts.disks().stream().filter(disk -> !"qcow2".equals(disk.format())).toList();
    if (!untrackable.isEmpty()) {
      String names = untrackable.stream()
          .map(disk -> disk.target() + " (" + disk.format() + " " + disk.source() + ")")
          .collect(Collectors.joining(", "));
      if (!allowFullFallback) {
        throw new UntrackableDisks("cannot back up " + domain + " incrementally: libvirt tracks changed blocks of"
            + " qcow2 disks only, and " + names + " is not; convert it to qcow2, or allow a full copy every time"
            + " (--allow-full-fallback)");
      }
      return full(facts, null, false, existing, List.of("every backup of " + domain + " is a full copy: libvirt"
          + " cannot track the changes of " + names + " (allowFullFallback)"));
    }

    List<Manifest> chained = facts.backups().stream()
        .filter(backup -> backup.strategy() == Strategy.INCREMENTAL || backup.strategy() == Strategy.DIFFERENTIAL)
        .toList();
    List<Manifest> mine = chained.stream().filter(backup -> facts.domain().uuid().equals(backup.uuid())).toList();
    Manifest parent = null;
    for (Manifest backup : mine) {
      boolean candidate = backup.checkpoint() != null
          && (strategy == Strategy.INCREMENTAL || backup.parentBackupId() == null);
      if (candidate) {
        parent = backup;
      }
    }
    if (parent == null) {
      String reason = mine.isEmpty() && !chained.isEmpty()
          ? "the earlier backups of " + domain + " were taken of a domain with another UUID" : null;
      return full(facts, reason, true, existing, List.of());
    }

    Map<String, Manifest> byId = new HashMap<>();
    facts.backups().forEach(backup -> byId.put(backup.backupId(), backup));
    List<Manifest> chain = new ArrayList<>();
    String problem = problem(facts, parent, byId, chain, existing);
    if (problem == null) {
      problem = fullEveryReached(strategy, fullEvery, parent, chain, mine);
    }
    if (problem != null) {
      return full(facts, problem, true, existing, List.of());
    }

    Manifest chainFull = chain.get(0);
    Set<String> keep = new HashSet<>();
    keep.add(parent.checkpoint());
    if (chainFull.checkpoint() != null) {
      keep.add(chainFull.checkpoint());
    }
    List<String> stale = unneededCheckpoints(facts).stream().filter(name -> !keep.contains(name)).toList();
    Map<String, String> parentFiles = new HashMap<>();
    parent.disks().forEach(disk -> parentFiles.put(disk.target(), disk.file()));
    List<PlannedDisk> disks = facts.disks().stream()
        .map(disk -> new PlannedDisk(disk.target(), disk.source(), disk.format(), disk.virtualSize(),
            parentFiles.get(disk.target())))
        .toList();
    return new IncrementalDecision(false, parent.backupId(), parent.checkpoint(), true, disks, null, stale, List.of());
  }

  /**
   * The vmbackup checkpoints no future backup needs: all but the newest backup's checkpoint (the next
   * incremental starts from it) and the newest full backup's (the next differential does). Call it
   * under the domain's lock, or it may take the checkpoint of a backup still running.
   */
  public static List<String> unneededCheckpoints(IncrementalFacts facts) {
    String newest = null;
    String newestFull = null;
    for (Manifest backup : facts.backups()) {
      if (backup.checkpoint() == null || !facts.domain().uuid().equals(backup.uuid())) {
        continue;
      }
      newest = backup.checkpoint();
      if (backup.parentBackupId() == null) {
        newestFull = backup.checkpoint();
      }
    }
    Set<String> keep = new LinkedHashSet<>();
    if (newest != null) {
      keep.add(newest);
    }
    if (newestFull != null) {
      keep.add(newestFull);
    }
    return facts.checkpoints().stream().map(CheckpointState::name).filter(name -> !keep.contains(name)).toList();
  }

  /**
   * What stops the chain from going on from {@code parent}, or null. Fills {@code chain} with the
   * backups a restore of the parent needs, the full one first.
   */
  private static String problem(
      IncrementalFacts facts, Manifest parent, Map<String, Manifest> byId, List<Manifest> chain, List<String> existing) {
    String checkpoint = parent.checkpoint();
    CheckpointState state = facts.checkpoints().stream()
        .filter(candidate -> candidate.name().equals(checkpoint)).findFirst().orElse(null);
    if (state == null || !existing.contains(checkpoint)) {
      return "checkpoint " + checkpoint + " of backup " + parent.backupId() + " no longer exists in libvirt";
    }
    Map<String, ManifestDisk> parentDisks = new HashMap<>();
    parent.disks().forEach(disk -> parentDisks.put(disk.target(), disk));
    for (DiskState disk : facts.disks()) {
      if (!parentDisks.containsKey(disk.target())) {
        return "disk " + disk.target() + " was added since backup " + parent.backupId();
      }
    }
    Set<String> now = facts.disks().stream().map(DiskState::target).collect(Collectors.toSet());
    for (ManifestDisk disk : parent.disks()) {
      if (!now.contains(disk.target())) {
        return "disk " + disk.target() + " was removed since backup " + parent.backupId();
      }
    }
    for (DiskState disk : facts.disks()) {
      long before = parentDisks.get(disk.target()).virtualSize();
      if (before != disk.virtualSize()) {
        return "disk " + disk.target() + " was resized since backup " + parent.backupId() + " (from " + before
            + " to " + disk.virtualSize() + " bytes)";
      }
    }
    for (DiskState disk : facts.disks()) {
      String bitmap = state.bitmaps().get(disk.target());
      if (bitmap == null) {
        return "checkpoint " + checkpoint + " does not track disk " + disk.target();
      }
      if (!disk.bitmaps().contains(bitmap)) {
        return "bitmap " + bitmap + " of checkpoint " + checkpoint + " is missing on disk " + disk.target() + " ("
            + disk.source() + ")";
      }
    }
    // The parent and everything below it must be restorable, or so would nothing built on it be.
    Manifest current = parent;
    while (current != null) {
      if (chain.contains(current) || chain.size() > 10_000) {
        return "the chain of backup " + parent.backupId() + " loops";
      }
      chain.add(0, current);
      String damage = damage(facts, current);
      if (damage != null) {
        return current == parent ? damage
            : damage + ", and backup " + parent.backupId() + " builds on it";
      }
      String below = current.parentBackupId();
      if (below == null) {
        break;
      }
      Manifest next = byId.get(below);
      if (next == null) {
        return "backup " + below + ", which backup " + current.backupId() + " builds on, is not in the repository";
      }
      current = next;
    }
    return null;
  }

  private static String damage(IncrementalFacts facts, Manifest backup) {
    String problem = facts.problems().get(backup.backupId());
    if (problem != null) {
      return "backup " + backup.backupId() + " is damaged (" + problem + ")";
    }
    if (backup.verified() == null) {
      return "backup " + backup.backupId() + " was never verified";
    }
    if (!backup.verified().ok()) {
      return "backup " + backup.backupId() + " failed verification";
    }
    return null;
  }

  private static String fullEveryReached(
      Strategy strategy, int fullEvery, Manifest parent, List<Manifest> chain, List<Manifest> mine) {
    Manifest full = chain.get(0);
    if (fullEvery <= 0) {
      return "fullEvery is " + fullEvery + ": every backup is a full one";
    }
    if (strategy == Strategy.INCREMENTAL) {
      int incrementals = chain.size() - 1;
      if (incrementals >= fullEvery) {
        return incrementals + " incrementals since full backup " + full.backupId() + " (fullEvery " + fullEvery + ")";
      }
      return null;
    }
    long differentials = mine.stream()
        .filter(backup -> backup.strategy() == Strategy.DIFFERENTIAL && full.backupId().equals(backup.parentBackupId()))
        .count();
    if (differentials >= fullEvery) {
      return differentials + " differentials since full backup " + parent.backupId() + " (fullEvery " + fullEvery + ")";
    }
    return null;
  }

  private static IncrementalDecision full(
      IncrementalFacts facts, String reason, boolean checkpoints, List<String> existing, List<String> warnings) {
    List<PlannedDisk> disks = facts.disks().stream()
        .map(disk -> new PlannedDisk(disk.target(), disk.source(), disk.format(), disk.virtualSize(), null))
        .toList();
    // A new chain starts: no checkpoint of an older one will ever be used again.
    return new IncrementalDecision(true, null, null, checkpoints, disks, reason, existing, warnings);
  }
}
