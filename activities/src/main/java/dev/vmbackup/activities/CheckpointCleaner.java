package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.BackupApi;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.image.BackupImages;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.host.xml.DomainDefinition;
import dev.vmbackup.host.xml.DomainDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a checkpoint together with its bitmaps, whatever state the domain and the bitmaps are in:
 * libvirt deletes checkpoints of running domains only, and refuses one whose bitmap QEMU lost.
 */
final class CheckpointCleaner {
  private static final Logger log = LoggerFactory.getLogger(CheckpointCleaner.class);

  private final Hypervisor hypervisor;
  private final BackupImages images;

  CheckpointCleaner(Hypervisor hypervisor, BackupImages images) {
    this.hypervisor = hypervisor;
    this.images = images;
  }

  /** Deletes the checkpoint if it exists; returns whether it did. */
  boolean delete(String domain, String name) {
    BackupApi api = hypervisor.backupApi();
    Optional<DomainStatus> status = hypervisor.lookup(domain);
    if (status.isEmpty() || !api.checkpointNames(domain).contains(name)) {
      return false;
    }
    if (status.get().state().isActive()) {
      deleteLive(api, domain, name);
    } else {
      deleteOffline(api, domain, name);
    }
    log.info("deleted checkpoint {} of {}", name, domain);
    return true;
  }

  private void deleteLive(BackupApi api, String domain, String name) {
    try {
      api.deleteCheckpoint(domain, name, false);
    } catch (HypervisorException e) {
      if (e.kind() == HypervisorException.Kind.CONNECTION || e.kind() == HypervisorException.Kind.NO_DOMAIN) {
        throw e;
      }
      Optional<String> xml = api.checkpointXml(domain, name, true);
      if (xml.isEmpty()) {
        return;
      }
      boolean bitmapLost = BackupXml.checkpointDisks(xml.get()).stream()
          .anyMatch(disk -> disk.bitmap() != null && disk.size() == null);
      if (!bitmapLost) {
        throw e;
      }
      // libvirt cannot delete the bitmaps it no longer finds; its record of the checkpoint goes, the
      // bitmaps QEMU still has on other disks (if any) stay until the domain's disks are rewritten.
      log.warn("checkpoint {} of {} lost a bitmap ({}); deleting libvirt's record of it only", name, domain,
          e.getMessage());
      api.deleteCheckpoint(domain, name, true);
    }
  }

  /** The images are not open: their bitmaps are removed with qemu-img, then libvirt's record. */
  private void deleteOffline(BackupApi api, String domain, String name) {
    Optional<String> xml = api.checkpointXml(domain, name, false);
    if (xml.isPresent()) {
      DomainDefinition definition = DomainDisks.persistent(hypervisor, domain);
      for (BackupXml.CheckpointDisk disk : BackupXml.checkpointDisks(xml.get())) {
        Optional<DomainDisk> defined = DomainDisks.disk(definition, disk.target());
        if (disk.bitmap() == null || defined.isEmpty() || defined.get().source() == null
            || !"qcow2".equals(defined.get().format())) {
          continue;
        }
        Path source = Path.of(defined.get().source());
        if (Files.exists(source) && images.bitmaps(source).containsKey(disk.bitmap())) {
          images.removeBitmap(source, disk.bitmap());
        }
      }
    }
    api.deleteCheckpoint(domain, name, true);
  }
}
