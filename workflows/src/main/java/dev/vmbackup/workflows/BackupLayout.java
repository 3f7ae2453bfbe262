package dev.vmbackup.workflows;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every name vmbackup gives a file: inside a backup directory ({@code <repository>/<domain>/<backupId>/}
 * and its {@code .partial} twin), and beside a VM's own images (overlays, frozen images, restored
 * layers). It lives in the workflows module because workflow decisions (snapshot plans, restore
 * placements, incremental backing files) name files too, and the activities and the command line read
 * the same names back. The functions are pure, so workflow code may call them; changing a name changes
 * what running workflows decide, and needs a version marker like any other decision.
 */
public final class BackupLayout {
  private BackupLayout() {}

  // --- Inside a backup directory -------------------------------------------------------------------

  /** The manifest, the last file written: a directory without one is not a backup. */
  public static final String MANIFEST = "manifest.json";
  /** The domain definition at backup time. */
  public static final String DOMAIN_XML = "domain.xml";
  /** The memory and CPU state of capture {@code memory} and {@code saved-state}. */
  public static final String MEMORY_STATE = "memory.save";
  /** The copy of the UEFI variable store. */
  public static final String NVRAM = "nvram.fd";
  /** Suffix of a backup being filled in; it is renamed to its backup id when complete. */
  public static final String PARTIAL_SUFFIX = ".partial";
  /** Suffix of a backup being deleted: no longer listed, removed file by file. */
  public static final String DELETING_SUFFIX = ".deleting";
  /** Marker file of a backup protected from pruning. */
  public static final String PROTECTED = "protected";
  /** Inside a partial directory: who created it, so that a retry by the same owner can reuse it. */
  public static final String OWNER_FILE = ".owner";

  // --- Step markers: small JSON files a step leaves in the partial directory for its own retry ------

  /** The outcome of the snapshot step, so that a retry reports what the first attempt achieved. */
  public static final String SNAPSHOT_MARKER = ".snapshot.json";
  /** When the saved-state capture saved and restored the VM, so that the stopped time survives a crash. */
  public static final String SAVED_STATE_MARKER = ".saved-state.json";
  /** Written once a backup job has started: the capture achieved at its start. */
  public static final String BACKUP_JOB_STARTED_MARKER = ".backup-job-started.json";
  /** Written once a backup job was seen complete: its result. */
  public static final String BACKUP_JOB_DONE_MARKER = ".backup-job-done.json";

  /**
   * The lock file in a partial directory that lets only one attempt of a copy write it (see
   * {@code AttemptFence}); the publishing attempt deletes it with the markers.
   */
  public static final String COPY_FENCE = ".copy.lock";

  /**
   * The lock file in a staged backup's directory that lets only one attempt put it into its store (see
   * {@code AttemptFence}); it goes with the staged backup.
   */
  public static final String STORE_FENCE = ".store.lock";

  /**
   * The lock file beside a backup being unpacked from a store into the staging directory, that lets only
   * one attempt write it (see {@code AttemptFence}); the attempt that published the backup deletes it.
   */
  public static String unpackFence(String backupId) {
    return "." + backupId + ".unpack.lock";
  }

  /**
   * Where a disk of a staged backup is unpacked into a raw image for the store to read, in the staged
   * backup's directory: {@code .<target>.store.raw}, hidden, and deleted once read.
   */
  public static String storeRawImage(String target) {
    return "." + target + ".store.raw";
  }

  /** The name of a disk's image in a store's backup: the guest's device name ({@code vda}). */
  public static String storeDisk(String target) {
    return target;
  }

  /**
   * The id of a backup inside a store: a name-based UUID of the domain's UUID and the backup id, so that
   * a retry writes the same backup and an encrypted store's object names reveal no VM name.
   */
  public static String storeBackupId(String domainUuid, String backupId) {
    return java.util.UUID.nameUUIDFromBytes((domainUuid + "/" + backupId).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  /** The marker that records a file of the partial directory as completely copied. */
  public static String doneMarker(String file) {
    return "." + file + ".done";
  }

  /** Where a step writes a marker before renaming it into place, so that no reader sees half of one. */
  public static String temporary(String file) {
    return file + ".tmp";
  }

  /** The memory state file of a backup, inside its partial directory. */
  public static String memoryFile(String partialDir) {
    return partialDir + "/" + MEMORY_STATE;
  }

  /**
   * A retained image: {@code vda.qcow2} for the active image (depth 0), {@code vda.backing1.qcow2} and
   * so on for the layers below it, nearest first.
   */
  public static String imageName(String target, int depth, String format) {
    return depth == 0 ? target + "." + format : target + ".backing" + depth + "." + format;
  }

  /** A retained image's path inside a (partial) backup directory. */
  public static String imagePath(String backupDir, String target, String format) {
    return backupDir + "/" + imageName(target, 0, format);
  }

  /**
   * How an incremental image names its parent's image of the same disk: relative to its own directory
   * ({@code ../<parentBackupId>/vda.qcow2}), so that the repository can move without breaking chains.
   */
  public static String parentImage(String parentBackupId, String parentFile) {
    return "../" + parentBackupId + "/" + parentFile;
  }

  // --- Beside a VM's own images --------------------------------------------------------------------

  /**
   * The overlays strategy {@code chain} creates: {@code <image>.vmbackup-chain-<backupId>.qcow2}. The
   * name carries the backup that created it and never matches the temporary overlays of strategy full
   * or a user's own files. Group 1 is the VM's own image, group 2 the backup id.
   */
  public static final Pattern CHAIN_OVERLAY = Pattern.compile("(.*)\\.vmbackup-chain-(\\d{8}T\\d{6}Z)\\.qcow2");

  /**
   * Temporary overlays of a backup ({@code <image>.vmbackup-<backupId>.qcow2}) or of a sanoid hook
   * ({@code .vmbackup-sanoid-<snapshot>.qcow2}); group 1 names what made it. Chain overlays are not
   * matched: a VM on a chain runs on its newest chain overlay between backups, by design.
   */
  public static final Pattern TEMPORARY_OVERLAY = Pattern.compile(".*\\.vmbackup-(?!chain-)([^/]+)\\.qcow2$");

  public static boolean isChainOverlay(String path) {
    return CHAIN_OVERLAY.matcher(path).matches();
  }

  /** The next chain overlay of a disk: named after the VM's own image, whatever overlay it runs on now. */
  public static String chainOverlay(String activeImage, String backupId) {
    Matcher overlay = CHAIN_OVERLAY.matcher(activeImage);
    String image = overlay.matches() ? overlay.group(1) : activeImage;
    return image + ".vmbackup-chain-" + backupId + ".qcow2";
  }

  /** The temporary overlay of strategy full, folded back once the frozen image is copied. */
  public static String temporaryOverlay(String image, String backupId) {
    return image + ".vmbackup-" + backupId + ".qcow2";
  }

  /** Where capture saved-state moves an image while it is copied; its overlay takes the image's path. */
  public static String frozenImage(String image, String backupId) {
    return image + ".vmbackup-" + backupId + ".frozen";
  }

  /** The libvirt snapshot a backup takes. */
  public static String snapshotName(String backupId) {
    return "vmbackup-" + backupId;
  }

  /** The overlay suffix of the sanoid hook's snapshot. */
  public static String sanoidOverlaySuffix(String snapshot) {
    return ".vmbackup-sanoid-" + snapshot + ".qcow2";
  }

  /** The libvirt snapshot the sanoid hook takes. */
  public static String sanoidSnapshotName(String snapshot) {
    return "vmbackup-sanoid-" + snapshot;
  }

  /** The memory file of the sanoid hook's snapshot, in the dataset's directory. */
  public static String sanoidMemoryFile(String domain, String snapshot) {
    return domain + ".vmbackup-sanoid-" + snapshot + ".memory";
  }

  /** Suffix of the disks an in-place restore sets aside, named after the moment it started. */
  public static String replacedSuffix(String backupId) {
    return ".vmbackup-replaced-" + backupId;
  }

  /** A layer an in-place restore copies beside the image before flattening it into the image. */
  public static String restoringLayer(String image, int depth, String format) {
    return image + ".vmbackup-restoring-" + depth + "." + format;
  }

  /**
   * The lock file beside a restore's first image that lets only one attempt of the restore's copy write
   * (see {@code AttemptFence}); the attempt that completes the copy deletes it.
   */
  public static String restoreFence(String image) {
    return image + ".vmbackup-restore.lock";
  }

  /** Where a restore converts a restored chain into one image before it moves it over the active image. */
  public static String flattening(String image) {
    return image + ".flattening";
  }

  /**
   * A restored disk's file in a new domain's directory: {@code <dir>/<name>-<target>.<format>} for
   * the active image, {@code <name>-<target>-backing<N>.<format>} for the layers below it.
   */
  public static String restoredImage(String targetDir, String newName, String target, int depth, String format) {
    String stem = targetDir + "/" + newName + "-" + target;
    return depth == 0 ? stem + "." + format : stem + "-backing" + depth + "." + format;
  }
}
