package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.BlockJob;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.xml.DomainDefinition;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.host.xml.DomainXml;
import dev.vmbackup.workflows.FailureType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds an overlay back into the image below it and puts the disk back on that image. Every call
 * first looks at where the disk is now, so the same call finishes a merge that an earlier attempt
 * began: it re-attaches to a running commit job, pivots a ready one, or only deletes the overlay of a
 * disk already pivoted.
 */
public final class OverlayMerger {
  private static final Logger log = LoggerFactory.getLogger(OverlayMerger.class);
  private static final long POLL_MILLIS = 250;
  /** How long a limited commit may make no headway before its limit is lifted. */
  static final long STALL_MILLIS = 60_000;

  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final long bytesPerSecond;
  private final long stallMillis;

  /**
   * @param bytesPerSecond bandwidth limit of the block commit, 0 for none
   */
  public OverlayMerger(Hypervisor hypervisor, ImageTool images, long bytesPerSecond) {
    this(hypervisor, images, bytesPerSecond, STALL_MILLIS);
  }

  /** With another patience for a limited commit that makes no headway (tests shorten it). */
  OverlayMerger(Hypervisor hypervisor, ImageTool images, long bytesPerSecond, long stallMillis) {
    this.hypervisor = hypervisor;
    this.images = images;
    this.bytesPerSecond = bytesPerSecond;
    this.stallMillis = stallMillis;
  }

  /**
   * Merges {@code overlay} into {@code base} for the domain's disk {@code target}.
   *
   * @param progress told the commit job's progress while it runs; heartbeats, so it may throw on cancellation
   */
  public void merge(String domain, String target, String overlay, String base, String baseFormat,
      Consumer<BlockJob> progress) {
    Convergence convergence = new Convergence();
    while (true) {
      Optional<DomainStatus> status = hypervisor.lookup(domain);
      if (status.isEmpty()) {
        throw new HostFailure(FailureType.DOMAIN_NOT_FOUND,
            "domain " + domain + " disappeared during its backup; overlay " + overlay + " is left for inspection");
      }
      if (!status.get().state().isActive()) {
        mergeOffline(domain, target, overlay, base, baseFormat);
        return;
      }
      DomainDisk disk = disk(DomainDisks.current(hypervisor, domain, true), domain, target);
      if (base.equals(disk.source())) {
        finish(domain, target, overlay, base, baseFormat);
        return;
      }
      if (!overlay.equals(disk.source())) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + target + " of " + domain + " is on " + disk.source() + ", neither the overlay " + overlay
                + " nor its base " + base + "; it was changed outside vmbackup and is left as it is");
      }
      Optional<BlockJob> job = hypervisor.blockJob(domain, target);
      if (job.isEmpty()) {
        log.info("committing {} {} from {} into {}", domain, target, overlay, base);
        startCommit(domain, target);
      } else if (job.get().type() != BlockJob.TYPE_ACTIVE_COMMIT) {
        throw new HostFailure(FailureType.DOMAIN_STATE,
            "another block job (type " + job.get().type() + ") runs on " + domain + " " + target
                + "; vmbackup does not interfere with it");
      } else if (job.get().ready()) {
        log.info("pivoting {} {} onto {}", domain, target, base);
        pivot(domain, target);
      } else {
        progress.accept(job.get());
        convergence.observe(domain, target, job.get());
        Polling.pause(POLL_MILLIS, "a block job");
      }
    }
  }

  /**
   * A bandwidth-limited commit of a VM that writes faster than the limit never becomes ready: the
   * mirror falls further behind. When the work left has not shrunk for a while (a minute), the limit
   * is lifted: finishing the merge (and getting the VM off its overlay) matters more than the limit.
   */
  private final class Convergence {
    private long leastRemaining = Long.MAX_VALUE;
    private long since = System.currentTimeMillis();
    private boolean lifted;

    void observe(String domain, String target, BlockJob job) {
      long remaining = job.end() - job.cur();
      long now = System.currentTimeMillis();
      if (remaining < leastRemaining) {
        leastRemaining = remaining;
        since = now;
        return;
      }
      if (!lifted && bytesPerSecond > 0 && now - since > stallMillis) {
        log.warn("the commit of {} {} is not catching up with the guest's writes at {} bytes/s; lifting the limit",
            domain, target, bytesPerSecond);
        hypervisor.setBlockJobSpeed(domain, target, 0);
        lifted = true;
      }
    }
  }

  private void startCommit(String domain, String target) {
    try {
      hypervisor.startActiveCommit(domain, target, bytesPerSecond);
    } catch (HypervisorException e) {
      // A job that another attempt started a moment ago is found on the next round.
      if (e.kind() != HypervisorException.Kind.INVALID_STATE) {
        throw e;
      }
      log.info("block commit of {} {} not started: {}", domain, target, e.getMessage());
    }
  }

  private void pivot(String domain, String target) {
    try {
      hypervisor.pivot(domain, target);
    } catch (HypervisorException e) {
      // The pivot may have happened in an attempt that died; the next round looks at the disk again.
      // libvirt reports a job that is gone already as an invalid argument, not as a state.
      if (e.kind() != HypervisorException.Kind.INVALID_STATE && hypervisor.blockJob(domain, target).isPresent()) {
        throw e;
      }
      log.info("pivot of {} {} not done: {}", domain, target, e.getMessage());
    }
  }

  /** The disk is on its base: make the persistent definition agree and delete the overlay. */
  private void finish(String domain, String target, String overlay, String base, String baseFormat) {
    if (hypervisor.lookup(domain).map(DomainStatus::persistent).orElse(false)) {
      String xml = hypervisor.domainXml(domain, true);
      DomainDisk defined = disk(DomainXml.parse(xml), domain, target);
      if (overlay.equals(defined.source())) {
        log.info("pointing the persistent definition of {} {} back at {}", domain, target, base);
        hypervisor.define(DomainXml.withDiskSource(xml, target, base, baseFormat));
      }
    }
    HostFiles.deleteIfExists(Path.of(overlay));
  }

  /**
   * The VM stopped while on the overlay: commit it with qemu-img, then point the definition back at
   * the base. If the definition names the base already, the VM never ran on the overlay (the snapshot
   * did not happen, or the merge had finished), so the overlay holds nothing and is deleted.
   */
  private void mergeOffline(String domain, String target, String overlay, String base, String baseFormat) {
    String xml = hypervisor.domainXml(domain, true);
    DomainDisk defined = disk(DomainXml.parse(xml), domain, target);
    if (overlay.equals(defined.source())) {
      if (Files.exists(Path.of(overlay))) {
        log.info("{} is shut off; committing {} into {} with qemu-img", domain, overlay, base);
        images.commit(Path.of(overlay));
      }
      hypervisor.define(DomainXml.withDiskSource(xml, target, base, baseFormat));
    } else if (!base.equals(defined.source())) {
      throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
          "disk " + target + " of " + domain + " is defined on " + defined.source() + ", neither " + overlay
              + " nor " + base + "; left as it is");
    }
    HostFiles.deleteIfExists(Path.of(overlay));
  }

  private static DomainDisk disk(DomainDefinition definition, String domain, String target) {
    return DomainDisks.disk(definition, target)
        .orElseThrow(() -> new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + target + " is no longer attached to " + domain));
  }
}
