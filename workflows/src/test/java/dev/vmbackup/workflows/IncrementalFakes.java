package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.BackupJobActivities;
import dev.vmbackup.workflows.activities.CheckpointActivities;
import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupJobResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.CheckpointState;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DiskState;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.IncrementalFacts;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.PruneCheckpointsRequest;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.Verification;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stateful stand-in for the host's libvirt checkpoints, dirty bitmaps and repository, as far as the
 * incremental strategies see them, journaling into the {@link FakeHost}'s journal. A backup job
 * "creates" its checkpoint and a bitmap on every disk, a publish "adds" the backup to the repository
 * (verified, as the real verification would record), a deletion removes checkpoints: so a test can run
 * backup after backup and see chains form, reset and go on. The chain decision is the real
 * {@link IncrementalDecisions}'s, over these facts.
 */
final class IncrementalFakes {
  static final long SIZE = 1L << 30;

  private final FakeHost host;

  /** libvirt's checkpoints of vm1, oldest first. */
  final List<CheckpointState> checkpoints = new CopyOnWriteArrayList<>();
  /** The published backups of vm1, oldest first. */
  final List<Manifest> repository = new CopyOnWriteArrayList<>();
  /** Disk target to its bitmaps. */
  final Map<String, List<String>> bitmaps = new ConcurrentHashMap<>();
  /** Disk target to its virtual size; absent: {@link #SIZE}. */
  final Map<String, Long> sizes = new ConcurrentHashMap<>();
  /** Backup id to damage found in its files. */
  final Map<String, String> problems = new ConcurrentHashMap<>();
  /** What the job reports as transferred per disk. */
  volatile long transferredPerDisk = 4096;

  IncrementalFakes(FakeHost host) {
    this.host = host;
  }

  Object[] activities() {
    return new Object[] {new FakeCheckpoints(), new FakeBackupJobs()};
  }

  /** vm1 with two qcow2 disks, as the incremental tests use it. */
  static DomainInfo domain(DomainState state) {
    return new DomainInfo("vm1", Fixtures.UUID_VM1, state, true,
        List.of(new DiskInfo("vda", Fixtures.IMAGES + "/vm1-vda.qcow2", "qcow2", List.of()),
            new DiskInfo("vdb", Fixtures.IMAGES + "/vm1-vdb.qcow2", "qcow2", List.of())),
        List.of(), true, null, FakeHost.DEFAULT_REPOSITORY);
  }

  IncrementalFacts facts(DomainInfo domain) {
    List<DiskState> disks = new ArrayList<>();
    for (DiskInfo disk : domain.disks()) {
      disks.add(new DiskState(disk.target(), disk.source(), disk.format(), sizes.getOrDefault(disk.target(), SIZE),
          bitmaps.getOrDefault(disk.target(), List.of())));
    }
    return new IncrementalFacts(domain, disks, checkpoints, repository, problems);
  }

  Manifest backup(String backupId) {
    return repository.stream().filter(m -> m.backupId().equals(backupId)).findFirst().orElseThrow();
  }

  void deleteCheckpoint(String name) {
    checkpoints.removeIf(checkpoint -> checkpoint.name().equals(name));
    bitmaps.replaceAll((target, names) -> names.stream().filter(bitmap -> !bitmap.equals(name)).toList());
  }

  final class FakeCheckpoints implements CheckpointActivities {
    @Override
    public IncrementalDecision planIncrementalBackup(IncrementalDecisionRequest request) {
      host.step("planIncrementalBackup", request.domain().name(), request);
      try {
        return IncrementalDecisions.decide(
            facts(request.domain()), request.strategy(), request.fullEvery(), request.allowFullFallback());
      } catch (IncrementalDecisions.UntrackableDisks e) {
        throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.UNSUPPORTED_DISK.name());
      }
    }

    @Override
    public List<String> deleteCheckpoints(CheckpointDeletion request) {
      host.step("deleteCheckpoints", String.join(",", request.checkpoints()), request);
      request.checkpoints().forEach(IncrementalFakes.this::deleteCheckpoint);
      return request.checkpoints();
    }

    @Override
    public List<String> pruneCheckpoints(PruneCheckpointsRequest request) {
      host.step("pruneCheckpoints", request.domain(), request);
      List<String> unneeded = IncrementalDecisions.unneededCheckpoints(facts(host.domain));
      unneeded.forEach(IncrementalFakes.this::deleteCheckpoint);
      return unneeded;
    }
  }

  final class FakeBackupJobs implements BackupJobActivities {
    @Override
    public BackupJobResult runBackupJob(BackupJobRequest plan) {
      host.step("runBackupJob", plan.domain(), plan);
      if (plan.checkpoint() != null) {
        Map<String, String> onDisks = new LinkedHashMap<>();
        for (IncrementalDisk disk : plan.disks()) {
          onDisks.put(disk.target(), plan.checkpoint());
          List<String> names = new ArrayList<>(bitmaps.getOrDefault(disk.target(), List.of()));
          names.add(plan.checkpoint());
          bitmaps.put(disk.target(), names);
        }
        checkpoints.add(new CheckpointState(plan.checkpoint(), onDisks));
      }
      CaptureMode capture = plan.capture() == CaptureMode.QUIESCE && !plan.agentAvailable()
          ? CaptureMode.CRASH : plan.capture();
      Map<String, Long> transferred = new HashMap<>();
      plan.disks().forEach(disk -> transferred.put(disk.target(), transferredPerDisk));
      return new BackupJobResult(capture, List.of(), transferred);
    }

    @Override
    public void cancelBackupJob(BackupJobRequest plan) {
      host.step("cancelBackupJob", plan.domain(), plan);
      // The compensation after it (discardBackup) deletes the directory of a backup published already.
      repository.removeIf(backup -> backup.backupId().equals(plan.backupId()));
      if (plan.checkpoint() != null) {
        deleteCheckpoint(plan.checkpoint());
      }
    }

    @Override
    public RepositoryCopyResult publishIncrementalBackup(PublishIncrementalRequest request) {
      host.step("publishIncrementalBackup", request.header().domain(), request);
      List<ManifestDisk> disks = new ArrayList<>();
      for (IncrementalDisk disk : request.disks()) {
        disks.add(new ManifestDisk(disk.target(), disk.target() + "." + disk.format(), disk.format(),
            disk.virtualSize(), 1 << 20, "0".repeat(64), disk.source(), List.of(), request.checkpoint()));
      }
      repository.add(new Manifest(Manifest.FORMAT_VERSION, request.header().domain(), request.header().uuid(), request.header().host(),
          request.header().backupId(), "2026-11-22T22:15:00Z", "2026-11-22T22:16:00Z", request.header().strategy(),
          request.header().captureRequested(), request.header().capture(), request.header().warnings(), disks, null,
          new ManifestFile("domain.xml", 2048, "e".repeat(64)), null,
          new Verification("2026-11-22T22:16:30Z", true), request.header().parentBackupId(), request.checkpoint(),
          request.bytesTransferred()));
      return new RepositoryCopyResult(request.header().finalDir(), request.bytesTransferred(), disks);
    }
  }
}
