package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.ImageInfo;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.RepositoryException;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.host.xml.DomainDefinition;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.InspectRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Describes a domain before a backup or restore touches it; changes nothing on the VM. */
public final class InspectActivitiesImpl implements InspectActivities {
  private final HostSettings settings;
  private final HostAuthority authority;
  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final Stores stores;

  public InspectActivitiesImpl(HostSettings settings, Hypervisor hypervisor, ImageTool images, Stores stores) {
    this.settings = settings;
    this.authority = new HostAuthority(settings);
    this.hypervisor = hypervisor;
    this.images = images;
    this.stores = stores;
  }

  @Override
  public DomainInfo inspectDomain(InspectRequest request) {
    return ActivityBoundary.run("inspect " + request.domain(), () -> inspect(request));
  }

  @Override
  public String resolveRepository(String requested) {
    return ActivityBoundary.run("open the repository", () -> repository(requested));
  }

  @Override
  public String resolveStore(String requested) {
    return ActivityBoundary.run("open the repository", () -> openStore(authority.store(requested)));
  }

  private DomainInfo inspect(InspectRequest request) {
    String name = Validation.domainName("domain", request.domain());
    // The host's own configuration decides what the request may use, before anything else is looked at.
    authority.checkHooks(request.hooks());
    String repository = repository(request.repository());
    DomainStatus status = hypervisor.lookup(name)
        .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND,
            "domain " + name + " not found on host " + settings.host()));
    DomainDefinition definition = DomainDisks.current(hypervisor, name, status.state().isActive());

    List<DiskInfo> disks = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (DomainDisk disk : definition.disks()) {
      String reason = skipReason(disk);
      if (reason != null) {
        skipped.add(disk.target() + ": " + reason);
        continue;
      }
      disks.add(describe(name, disk));
    }
    if (disks.isEmpty()) {
      throw new HostFailure(FailureType.UNSUPPORTED_DISK, "domain " + name + " has no disk to back up");
    }
    for (DiskInfo disk : disks) {
      if (status.state().isActive() && hypervisor.blockJob(name, disk.target()).isPresent()) {
        throw new HostFailure(FailureType.DOMAIN_STATE,
            "a block job is running on " + name + " " + disk.target() + "; back it up when the job has finished");
      }
    }
    boolean agent = status.state() == dev.vmbackup.workflows.model.DomainState.RUNNING && hypervisor.pingAgent(name);
    return new DomainInfo(
        status.name(), status.uuid(), status.state(), status.persistent(), disks, skipped, agent,
        definition.nvram(), repository, openStore(authority.store(request.repository())));
  }

  /**
   * Opens the store a request names, if it names one, so that a store not created yet, a wrong key or an
   * unreachable object service is refused before a backup snapshots anything or a restore writes anything.
   */
  private String openStore(String store) {
    if (store != null) {
      stores.open(store);
    }
    return store;
  }

  /** Why a disk is deliberately left out of backups, or null if it is backed up. */
  private static String skipReason(DomainDisk disk) {
    if (!"disk".equals(disk.device())) {
      return disk.device() + " device";
    }
    if (disk.readOnly()) {
      return "read-only disk";
    }
    if (disk.shareable()) {
      return "shareable disk (other VMs write to it; back it up with them)";
    }
    return null;
  }

  private DiskInfo describe(String domain, DomainDisk disk) {
    if (!"file".equals(disk.type()) || disk.source() == null) {
      throw new HostFailure(FailureType.UNSUPPORTED_DISK,
          "disk " + disk.target() + " of " + domain + " is of type '" + disk.type()
              + "'; vmbackup backs up file-backed disks only");
    }
    var leftover = BackupLayout.TEMPORARY_OVERLAY.matcher(disk.source());
    if (leftover.matches()) {
      throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
          "disk " + disk.target() + " of " + domain + " runs on " + disk.source() + ", an overlay of vmbackup ("
              + leftover.group(1) + ") that is still in use: a backup or a sanoid hook of this VM has not finished;"
              + " back it up when it has (see README: recovering an interrupted backup)");
    }
    for (ImageLayer layer : disk.backingChain()) {
      // A layer deleted while QEMU holds it open: the VM runs on, but nothing can read or copy the
      // disk's content any more, and it would not start again.
      if (!Files.exists(Path.of(layer.path()))) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "layer " + layer.path() + " of disk " + disk.target() + " of " + domain + " is gone (deleted outside"
                + " vmbackup while the VM uses it); the disk cannot be backed up until it is repaired (virsh blockpull"
                + " while the VM runs; strategy chain does that for its own chains)");
      }
    }
    List<ImageInfo> chain = images.backingChain(Path.of(disk.source()));
    String format = disk.format() != null ? disk.format() : chain.get(0).format();
    List<ImageLayer> backing = new ArrayList<>();
    for (ImageInfo layer : chain.subList(1, chain.size())) {
      backing.add(new ImageLayer(layer.filename(), layer.format()));
    }
    return new DiskInfo(disk.target(), disk.source(), format, backing);
  }

  private String repository(String requested) {
    Path path = authority.repository(requested);
    try {
      Files.createDirectories(path);
    } catch (IOException e) {
      throw new RepositoryException(RepositoryException.Kind.NOT_WRITABLE,
          "repository " + path + " cannot be created: " + e.getMessage(), e);
    }
    if (!Files.isDirectory(path) || !Files.isWritable(path)) {
      throw new RepositoryException(RepositoryException.Kind.NOT_WRITABLE,
          "repository " + path + " is not a writable directory");
    }
    return path.toString();
  }
}
