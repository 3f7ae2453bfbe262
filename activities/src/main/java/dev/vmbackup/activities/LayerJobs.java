package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.BlockJob;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.image.ImageInfo;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.host.xml.DomainXml;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.ImageLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Block jobs that shorten a disk's running chain without a pivot and end by themselves: a commit of
 * inactive layers into a lower image, and a pull of a layer into the active image. Like
 * {@link OverlayMerger}, every call first looks at the disk's chain, so the same call finishes what an
 * earlier attempt began: it re-attaches to a running job, or only cleans up after a finished one. The
 * VM is on a valid chain before, during and after each job (QEMU switches the chain atomically when
 * the job completes), so an interruption at any point leaves it running.
 */
final class LayerJobs {
  private static final Logger log = LoggerFactory.getLogger(LayerJobs.class);
  private static final long POLL_MILLIS = 250;
  /**
   * libvirt updates the disk's chain when it processes the job's completion event, a moment after QEMU
   * ended the job; starting a job in that moment fails. Failed starts are retried this many times.
   */
  private static final int MAX_FAILED_STARTS = 40;
  /** A job that ends without changing the chain failed in QEMU; after this many, the attempt fails. */
  private static final int MAX_STARTS = 5;

  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final long bytesPerSecond;

  LayerJobs(Hypervisor hypervisor, ImageTool images, long bytesPerSecond) {
    this.hypervisor = hypervisor;
    this.images = images;
    this.bytesPerSecond = bytesPerSecond;
  }

  /**
   * Commits the disk's layers into its base, then deletes the layer files.
   *
   * @param progress told the job's progress while it runs; heartbeats
   */
  void consolidate(String domain, ConsolidateRequest.Disk disk, Consumer<BlockJob> progress) {
    int failedStarts = 0;
    int starts = 0;
    while (true) {
      DomainStatus status = status(domain);
      if (!status.state().isActive()) {
        consolidateOffline(domain, disk);
        break;
      }
      DomainDisk live = disk(DomainXml.parse(hypervisor.domainXml(domain, false)), domain, disk.target());
      if (!disk.top().equals(live.source())) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + disk.target() + " of " + domain + " runs on " + live.source() + " instead of " + disk.top()
                + "; its chain changed outside vmbackup and was not consolidated");
      }
      List<String> below = paths(live.backingChain());
      if (!below.isEmpty() && below.get(0).equals(disk.base())) {
        break;
      }
      requirePlannedChain(domain, disk, below);
      Optional<BlockJob> job = hypervisor.blockJob(domain, disk.target());
      if (job.isEmpty()) {
        requireFewStarts(domain, disk.target(), starts++);
        try {
          log.info("committing {} {}: {} into {}", domain, disk.target(), disk.layers(), disk.base());
          hypervisor.startCommit(domain, disk.target(), disk.layers().get(0), disk.base(), bytesPerSecond);
        } catch (HypervisorException e) {
          failedStarts = failedStart(domain, disk.target(), failedStarts, e);
        }
      } else if (job.get().type() != BlockJob.TYPE_COMMIT) {
        throw new HostFailure(FailureType.DOMAIN_STATE,
            "another block job (type " + job.get().type() + ") runs on " + domain + " " + disk.target()
                + "; vmbackup does not interfere with it");
      } else {
        progress.accept(job.get());
        Polling.pause(POLL_MILLIS, "a block job");
      }
    }
    // Only now are the layers no longer part of the chain; the repository has its own copies.
    disk.layers().forEach(layer -> HostFiles.deleteIfExists(Path.of(layer)));
  }

  private void requirePlannedChain(String domain, ConsolidateRequest.Disk disk, List<String> below) {
    int layers = disk.layers().size();
    if (below.size() <= layers || !below.subList(0, layers).equals(disk.layers())
        || !below.get(layers).equals(disk.base())) {
      throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
          "the chain of disk " + disk.target() + " of " + domain + " below " + disk.top() + " is " + below
              + ", not " + disk.layers() + " on " + disk.base() + "; it changed outside vmbackup and was not"
              + " consolidated");
    }
  }

  /**
   * The VM stopped: the same with qemu-img. The commit is repeated whole after an interruption (it
   * writes the same data again); the active overlay is then rebased onto the base and the persistent
   * definition's chain is dropped, so that libvirt reads the new one at the next start.
   */
  private void consolidateOffline(String domain, ConsolidateRequest.Disk disk) {
    String xml = hypervisor.domainXml(domain, true);
    DomainDisk defined = disk(DomainXml.parse(xml), domain, disk.target());
    if (!disk.top().equals(defined.source())) {
      throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
          "disk " + disk.target() + " of " + domain + " is defined on " + defined.source() + " instead of "
              + disk.top() + "; its chain was not consolidated");
    }
    List<String> below = images.backingChain(Path.of(disk.top())).stream().skip(1).map(ImageInfo::filename)
        .toList();
    if (below.isEmpty() || !below.get(0).equals(disk.base())) {
      requirePlannedChain(domain, disk, below);
      log.info("{} is shut off; committing {} into {} with qemu-img", domain, disk.layers(), disk.base());
      String baseFormat = images.info(Path.of(disk.base())).format();
      images.commit(Path.of(disk.layers().get(0)), Path.of(disk.base()));
      images.rebaseUnsafe(Path.of(disk.top()), Path.of(disk.base()), baseFormat);
    }
    hypervisor.define(DomainXml.withDiskSource(xml, disk.target(), disk.top(), "qcow2"));
  }

  /**
   * Pulls {@code frozen}'s data into the disk's active image {@code image}, which is an overlay on it:
   * afterwards the image is backed by what {@code frozen} was backed by, and {@code frozen} is no longer
   * part of the chain (it is not deleted). Nothing to do if {@code frozen} does not exist.
   */
  void pullOut(String domain, String target, String image, String frozen, Consumer<BlockJob> progress) {
    if (!Files.exists(Path.of(frozen))) {
      return;
    }
    ImageInfo frozenInfo = images.info(Path.of(frozen));
    String base = frozenInfo.fullBackingFilename();
    pull(domain, target, image, List.of(frozen), base, progress, () -> {
      ImageInfo overlay = images.info(Path.of(image));
      if (frozen.equals(overlay.fullBackingFilename())) {
        log.info("{} is shut off; pulling {} into {} with qemu-img", domain, frozen, image);
        images.rebase(Path.of(image), base == null ? null : Path.of(base), frozenInfo.backingFormat());
      }
    });
  }

  /**
   * Pulls the data of backing layers whose files were deleted while the VM runs into the disk's
   * active image {@code image}, together with every layer above {@code base}: QEMU still holds the
   * deleted files open and reads them, which nothing else can. Afterwards the image is backed by
   * {@code base} (or stands alone when it is null). Only possible while the VM runs: once its QEMU
   * process ends, the deleted data is gone for good.
   */
  void pullDeleted(String domain, String target, String image, List<String> deleted, String base,
      Consumer<BlockJob> progress) {
    pull(domain, target, image, deleted, base, progress, () -> {
      throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
          domain + " is not running: the data of " + deleted + ", deleted while it ran, is lost with its QEMU"
              + " process; restore disk " + target + " from a backup");
    });
  }

  /**
   * Pulls into {@code image} until none of {@code layers} is in the disk's running chain, re-attaching
   * to a pull that an earlier attempt started.
   *
   * @param whenShutOff what to do instead when the VM is not running
   */
  private void pull(String domain, String target, String image, List<String> layers, String base,
      Consumer<BlockJob> progress, Runnable whenShutOff) {
    int failedStarts = 0;
    int starts = 0;
    while (true) {
      DomainStatus status = status(domain);
      if (!status.state().isActive()) {
        whenShutOff.run();
        return;
      }
      DomainDisk live = disk(DomainXml.parse(hypervisor.domainXml(domain, false)), domain, target);
      if (!image.equals(live.source())) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + target + " of " + domain + " runs on " + live.source() + " instead of " + image
                + "; " + String.join(", ", layers) + " left as they are");
      }
      if (paths(live.backingChain()).stream().noneMatch(layers::contains)) {
        return;
      }
      Optional<BlockJob> job = hypervisor.blockJob(domain, target);
      if (job.isEmpty()) {
        requireFewStarts(domain, target, starts++);
        try {
          log.info("pulling {} into {} {} (down to {})", layers, domain, target, base);
          hypervisor.startBlockPull(domain, target, base, bytesPerSecond);
        } catch (HypervisorException e) {
          failedStarts = failedStart(domain, target, failedStarts, e);
        }
      } else if (job.get().type() != BlockJob.TYPE_PULL) {
        throw new HostFailure(FailureType.DOMAIN_STATE,
            "another block job (type " + job.get().type() + ") runs on " + domain + " " + target
                + "; vmbackup does not interfere with it");
      } else {
        progress.accept(job.get());
        Polling.pause(POLL_MILLIS, "a block job");
      }
    }
  }

  /** The disk's chain as libvirt runs it: the active image, then its backing layers. */
  List<String> liveChain(String domain, String target) {
    DomainDisk live = disk(DomainXml.parse(hypervisor.domainXml(domain, false)), domain, target);
    List<String> chain = new java.util.ArrayList<>();
    chain.add(live.source());
    chain.addAll(paths(live.backingChain()));
    return chain;
  }

  private static void requireFewStarts(String domain, String target, int starts) {
    if (starts >= MAX_STARTS) {
      // Retried by the activity's retry policy, with backoff; the chain is valid meanwhile.
      throw new IllegalStateException("the block job on " + domain + " " + target + " ended " + starts
          + " times without changing the chain; see the libvirt log of the domain");
    }
  }

  private int failedStart(String domain, String target, int failedStarts, HypervisorException e) {
    if (e.kind() == HypervisorException.Kind.CONNECTION || failedStarts + 1 >= MAX_FAILED_STARTS) {
      // Retried by the activity's retry policy, which looks at the chain afresh.
      throw new IllegalStateException("could not start a block job on " + domain + " " + target + ": "
          + e.getMessage(), e);
    }
    log.info("block job on {} {} not started ({}); looking at the chain again", domain, target, e.getMessage());
    Polling.pause(POLL_MILLIS, "a block job");
    return failedStarts + 1;
  }

  private DomainStatus status(String domain) {
    return hypervisor.lookup(domain).orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND,
        "domain " + domain + " disappeared; its disk chains are left as they are"));
  }

  private static DomainDisk disk(dev.vmbackup.host.xml.DomainDefinition definition, String domain, String target) {
    return DomainDisks.disk(definition, target)
        .orElseThrow(() -> new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + target + " is no longer attached to " + domain));
  }

  private static List<String> paths(List<ImageLayer> layers) {
    return layers.stream().map(ImageLayer::path).toList();
  }
}
