package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.FilePlacement;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestImage;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where a restore puts each retained file: pure functions of the manifest and the request. */
final class RestoreDecisions {
  private RestoreDecisions() {}

  /** A new domain's files from one standalone backup. */
  static List<DiskPlacement> asNewDomain(Manifest manifest, String newName, String targetDir) {
    return asNewDomain(List.of(manifest), newName, targetDir);
  }

  /**
   * A new domain's files from a backup and the backups it builds on (oldest first, the restored one
   * last): {@code <targetDir>/<name>-<target>.<format>} for each active image and
   * {@code <name>-<target>-backing<N>.<format>} for the layers below it, nearest first. Each backup
   * contributes its layer of the disk (and any backing layers it retained itself); its parent's
   * layers come below.
   */
  static List<DiskPlacement> asNewDomain(List<Manifest> chain, String newName, String targetDir) {
    return asNewDomain(chain, newName, targetDir, chain.get(chain.size() - 1).backupId());
  }

  /**
   * Disks restored to other points than the rest, as the user asked: each named disk's files come from
   * the chain of its own point (oldest first, that point last) instead; every file of a backup other
   * than {@code restoredId} names the backup it comes from.
   */
  static List<DiskPlacement> withDiskPoints(List<DiskPlacement> placements, Map<String, List<Manifest>> pointChains,
      String newName, String targetDir, String restoredId) {
    List<DiskPlacement> result = new ArrayList<>();
    for (DiskPlacement disk : placements) {
      List<Manifest> other = pointChains.get(disk.target());
      if (other == null) {
        result.add(disk);
        continue;
      }
      result.add(asNewDomain(other, newName, targetDir, restoredId).stream()
          .filter(placement -> placement.target().equals(disk.target())).findFirst()
          .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
              "backup " + other.get(other.size() - 1).backupId() + " has no disk " + disk.target(),
              FailureType.INVALID_INPUT.name())));
    }
    return result;
  }

  private static List<DiskPlacement> asNewDomain(
      List<Manifest> chain, String newName, String targetDir, String restoredId) {
    return placements(chain, restoredId,
        (disk, depth, format) -> BackupLayout.restoredImage(targetDir, newName, disk.target(), depth, format));
  }

  /**
   * In place, a point that builds on earlier backups: each disk's layers are copied beside the image it
   * was backed up from ({@code <image>.vmbackup-restoring-<N>.<format>}), then flattened into that
   * image; the copies of the layers are deleted by the flattening.
   */
  static List<DiskPlacement> inPlaceFlattened(List<Manifest> chain) {
    return placements(chain, chain.get(chain.size() - 1).backupId(), (disk, depth, format) -> depth == 0
        ? disk.sourcePath()
        : BackupLayout.restoringLayer(disk.sourcePath(), depth, format));
  }

  /** Where the layer at {@code depth} (0: the active image) of a restored disk goes. */
  private interface Destinations {
    String of(ManifestDisk restoredDisk, int depth, String format);
  }

  private static List<DiskPlacement> placements(List<Manifest> chain, String restoredId, Destinations destinations) {
    Manifest restored = chain.get(chain.size() - 1);
    List<DiskPlacement> placements = new ArrayList<>();
    for (ManifestDisk disk : restored.disks()) {
      List<FilePlacement> files = new ArrayList<>();
      for (int index = chain.size() - 1; index >= 0; index--) {
        Manifest backup = chain.get(index);
        String from = backup.backupId().equals(restoredId) ? null : backup.backupId();
        ManifestDisk layer = backup.disks().stream().filter(d -> d.target().equals(disk.target())).findFirst()
            .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "backup " + backup.backupId() + " has no disk " + disk.target() + " although "
                    + restored.backupId() + " builds on it", FailureType.VERIFICATION_FAILED.name()));
        files.add(new FilePlacement(layer.file(), destinations.of(disk, files.size(), layer.format()),
            layer.format(), layer.bytes(), layer.sha256(), from));
        for (ManifestImage below : layer.backing()) {
          files.add(new FilePlacement(below.file(), destinations.of(disk, files.size(), below.format()),
              below.format(), below.bytes(), below.sha256(), from));
        }
      }
      placements.add(new DiskPlacement(disk.target(), files));
    }
    return placements;
  }

  /** In place: every file goes back to the path it was backed up from. */
  static List<DiskPlacement> inPlace(Manifest manifest) {
    List<DiskPlacement> placements = new ArrayList<>();
    for (ManifestDisk disk : manifest.disks()) {
      List<FilePlacement> chain = new ArrayList<>();
      chain.add(new FilePlacement(disk.file(), disk.sourcePath(), disk.format(), disk.bytes(), disk.sha256()));
      for (ManifestImage layer : disk.backing()) {
        chain.add(new FilePlacement(layer.file(), layer.sourcePath(), layer.format(), layer.bytes(), layer.sha256()));
      }
      placements.add(new DiskPlacement(disk.target(), chain));
    }
    return placements;
  }

  /**
   * Why an in-place restore cannot proceed, or null if the domain still has the disks the backup was
   * taken of. Writing a backup over disks that moved or changed shape could destroy what is there now.
   */
  static String inPlaceMismatch(Manifest manifest, DomainInfo current) {
    Map<String, List<String>> now = new LinkedHashMap<>();
    for (DiskInfo disk : current.disks()) {
      now.put(disk.target(), disk.chain().stream().map(ImageLayer::path).toList());
    }
    for (ManifestDisk disk : manifest.disks()) {
      List<String> then = new ArrayList<>();
      then.add(disk.sourcePath());
      disk.backing().forEach(layer -> then.add(layer.sourcePath()));
      List<String> current_ = now.remove(disk.target());
      if (current_ == null) {
        return "disk " + disk.target() + " of the backup is no longer attached to " + current.name();
      }
      if (!current_.equals(then)) {
        return "disk " + disk.target() + " of " + current.name() + " is now " + current_
            + " but was " + then + " when backed up";
      }
    }
    if (!now.isEmpty()) {
      return current.name() + " has disks the backup does not have: " + String.join(", ", now.keySet());
    }
    return null;
  }

  /** Every destination path, active images and layers alike. */
  static List<String> destinations(List<DiskPlacement> placements) {
    return placements.stream().flatMap(disk -> disk.chain().stream()).map(FilePlacement::destination).toList();
  }

  static Map<String, String> activeImages(List<DiskPlacement> placements) {
    Map<String, String> paths = new LinkedHashMap<>();
    placements.forEach(disk -> paths.put(disk.target(), disk.active().destination()));
    return paths;
  }

  /** The directory of the first disk the backup was taken of: restored disks land on the same storage. */
  static String defaultTargetDir(Manifest manifest) {
    if (manifest.disks().isEmpty()) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          "backup " + manifest.backupId() + " lists no disks; give a target directory", FailureType.INVALID_INPUT.name());
    }
    Path parent = Path.of(manifest.disks().get(0).sourcePath()).getParent();
    return parent == null ? "/" : parent.toString();
  }
}
