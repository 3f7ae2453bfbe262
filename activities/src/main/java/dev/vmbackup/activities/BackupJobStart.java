package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.image.BackupImages;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.IncrementalDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a push-mode backup job: fresh target images that QEMU may write, the guest's filesystems frozen
 * around the start when a quiesced backup was asked for, and the worker's bandwidth limit applied at
 * once. What it achieved is returned for the activity to record; it keeps no state of its own.
 */
final class BackupJobStart {
  private static final Logger log = LoggerFactory.getLogger(BackupJobStart.class);
  /** A thaw that fails while the pause guard frees the guest is asked again, a few times. */
  private static final int THAW_ATTEMPTS = 6;

  private final Hypervisor hypervisor;
  private final ImageTool imageTool;
  private final BackupImages images;
  private final long bytesPerSecond;

  BackupJobStart(Hypervisor hypervisor, ImageTool imageTool, BackupImages images, long bytesPerSecond) {
    this.hypervisor = hypervisor;
    this.imageTool = imageTool;
    this.images = images;
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Creates the target images and starts the job, with the guest's filesystems frozen around the start if asked. */
  BackupJobActivitiesImpl.Started begin(BackupJobRequest plan, Path partial) {
    String domain = plan.domain();
    for (IncrementalDisk disk : plan.disks()) {
      long size = imageTool.info(Path.of(disk.source())).virtualSize();
      if (size != disk.virtualSize()) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED, "disk " + disk.target() + " of " + domain
            + " changed size since the backup was planned (" + disk.virtualSize() + " to " + size + " bytes)");
      }
    }
    prepareTargets(plan, partial);

    List<String> planned = plan.disks().stream().map(IncrementalDisk::target).toList();
    List<String> others = new ArrayList<>();
    for (DomainDisk disk : DomainDisks.current(hypervisor, domain, true).disks()) {
      if (disk.target() != null && !planned.contains(disk.target())) {
        others.add(disk.target());
      }
    }
    String backupXml = BackupXml.push(
        plan.disks().stream().map(d -> new BackupXml.PushDisk(d.target(), d.file(), d.format())).toList(),
        others, plan.incrementalFrom());
    String checkpointXml = plan.checkpoint() == null ? null : BackupXml.checkpoint(plan.checkpoint(), planned, others);

    // What libvirt reports as the last finished job once this one has gone must be about this one.
    hypervisor.backupApi().forgetFinishedJob(domain);
    List<String> warnings = new ArrayList<>();
    CaptureMode capture = plan.capture();
    boolean frozen = false;
    if (capture == CaptureMode.QUIESCE) {
      if (!plan.agentAvailable()) {
        capture = CaptureMode.CRASH;
        warnings.add("the guest agent did not answer: crash-consistent backup instead of a quiesced one");
      } else {
        try {
          hypervisor.backupApi().freezeFilesystems(domain);
          frozen = true;
        } catch (HypervisorException e) {
          if (e.kind() == HypervisorException.Kind.CONNECTION || e.kind() == HypervisorException.Kind.NO_DOMAIN) {
            throw e;
          }
          log.warn("freezing the filesystems of {} failed ({}); the backup is crash-consistent", domain, e.getMessage());
          capture = CaptureMode.CRASH;
          warnings.add("freezing the guest's filesystems failed (" + e.getMessage()
              + "): crash-consistent backup instead of a quiesced one");
        }
      }
    }
    try {
      beginBackup(domain, backupXml, checkpointXml, planned);
      // At once: from the page cache QEMU copies hundreds of MiB per second, so even a few
      // milliseconds later much of a small disk would be copied unlimited.
      limitBandwidth(plan);
    } catch (HypervisorException e) {
      if (e.getMessage().contains("Permission denied")) {
        throw new HostFailure(FailureType.REPOSITORY_NOT_WRITABLE, "QEMU cannot write into " + partial
            + " (" + e.getMessage() + "): every directory above it must be searchable by QEMU's user (o+x)");
      }
      throw e;
    } finally {
      if (frozen) {
        // The checkpoint is taken when the job starts, so the guest is thawed as soon as it has.
        thawAfterStart(domain);
      }
    }
    log.info("backup job of {} started: {}{}", domain,
        plan.incrementalFrom() == null ? "full" : "changes since " + plan.incrementalFrom(),
        plan.checkpoint() == null ? "" : ", checkpoint " + plan.checkpoint());
    return new BackupJobActivitiesImpl.Started(capture, warnings);
  }

  /**
   * Thaws the guest right after its job started. When the job's targets cannot be written, QEMU pauses
   * the guest at its first write, which may be the very flush the thaw releases. A paused guest cannot
   * answer: libvirt refuses the thaw, or it times out when the pause came while it was in flight. The
   * {@link GuestPauseGuard} beside this thread meanwhile aborts the job and resumes the guest, and the
   * thaw is asked again of the running guest; if it still fails, the compensation thaws.
   */
  private void thawAfterStart(String domain) {
    for (int attempt = 1; ; attempt++) {
      try {
        hypervisor.thawFilesystems(domain);
        return;
      } catch (HypervisorException e) {
        boolean guestPaused = e.kind() == HypervisorException.Kind.AGENT_UNAVAILABLE
            || e.kind() == HypervisorException.Kind.INVALID_STATE;
        if (!guestPaused || attempt == THAW_ATTEMPTS) {
          throw e;
        }
        log.warn("the guest agent of {} did not answer the thaw ({}); asking again once the guest runs", domain,
            e.getMessage());
        Polling.pause(2000, "the guest of " + domain + " to run again");
      }
    }
  }

  /**
   * Starts the job. A job that ended while libvirtd was down (libvirt drops it on reconnect) leaves
   * its temporary bitmaps in QEMU, and every later start fails on them: they are removed and the
   * start is tried once more. The failed start changed nothing (QEMU starts a job in one transaction).
   */
  private void beginBackup(String domain, String backupXml, String checkpointXml, List<String> targets) {
    try {
      hypervisor.backupApi().beginBackup(domain, backupXml, checkpointXml);
    } catch (HypervisorException e) {
      if (!e.getMessage().contains("Bitmap already exists: backup-")) {
        throw e;
      }
      List<String> removed = hypervisor.backupApi().removeLeftoverJobBitmaps(domain, targets);
      if (removed.isEmpty()) {
        throw e;
      }
      log.warn("removed bitmaps {} of a backup job of {} that libvirt lost track of; starting the job again",
          removed, domain);
      hypervisor.backupApi().beginBackup(domain, backupXml, checkpointXml);
    }
  }

  /**
   * Fresh target images. QEMU runs as its own user: libvirt hands it each target file for the job's
   * duration, and the partial directory lets it through (search permission, no listing) while the
   * job runs; the publish step closes it again.
   */
  private void prepareTargets(BackupJobRequest plan, Path partial) {
    try {
      Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwx--x--x"));
      for (IncrementalDisk disk : plan.disks()) {
        Path file = Path.of(disk.file());
        if (!file.getParent().equals(partial)) {
          throw new IllegalArgumentException("target " + file + " is not inside " + partial);
        }
        Files.deleteIfExists(file);
        images.createTarget(file, disk.format(), disk.virtualSize(), disk.backingFile());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Limits the running job's copying per disk, if the worker was asked to. */
  void limitBandwidth(BackupJobRequest plan) {
    if (bytesPerSecond <= 0) {
      return;
    }
    for (IncrementalDisk disk : plan.disks()) {
      try {
        hypervisor.backupApi().setBackupBandwidth(plan.domain(), disk.target(), bytesPerSecond);
      } catch (HypervisorException e) {
        // The job may have finished the disk already; a limit is a courtesy, not a condition.
        log.info("could not limit the backup of {} {}: {}", plan.domain(), disk.target(), e.getMessage());
      }
    }
  }
}
