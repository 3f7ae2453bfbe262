package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.BackupDirectoryActivities;
import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.activities.DomainLockActivities;
import dev.vmbackup.workflows.activities.HostDefaultsActivities;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.MergeActivities;
import dev.vmbackup.workflows.activities.RestoreActivities;
import dev.vmbackup.workflows.activities.RepositoryCopyActivities;
import dev.vmbackup.workflows.activities.SavedStateActivities;
import dev.vmbackup.workflows.activities.SnapshotActivities;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DefineDomainRequest;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainRef;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.LockRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.MemoryRestoreRequest;
import dev.vmbackup.workflows.model.MergeRequest;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.RestoreTargetsCheck;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;
import dev.vmbackup.workflows.model.SetAsideRequest;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted stand-in for host "h1": one small recording fake per activity interface, sharing one
 * {@link Journal} and one script of faults. The fakes never touch a disk; they answer with values
 * derived from their arguments (or set by the test), so that a test can trace each value the
 * workflow passes on.
 *
 * <p>Every attempt is journaled first and then, if scripted, blocked or failed, so that a failing
 * step still shows in the journal, just as a real activity is started before it fails.
 */
final class FakeHost {
  /** Repository the fakes resolve when a request names none. */
  static final String DEFAULT_REPOSITORY = "/srv/backups";

  final Journal journal = new Journal();

  /** Calls of the workflow worker's local activity; kept apart from the host's journal. */
  final AtomicInteger defaultHostCalls = new AtomicInteger();

  private final Map<String, Fault> faults = new ConcurrentHashMap<>();
  private final Map<String, Gate> gates = new ConcurrentHashMap<>();

  /** What {@code inspectDomain} answers; tests set it before starting a workflow. */
  volatile DomainInfo domain;
  /** What {@code createExternalSnapshot} answers; null: the requested capture, no warnings. */
  volatile SnapshotResult snapshotResult;
  /** Whether {@code verifyBackup} finds the backup intact. */
  volatile boolean verifyOk = true;
  /** What {@code readManifest} answers. */
  volatile Manifest manifest;
  /** The chain readBackupChain returns, oldest first; null for just {@link #manifest}. */
  volatile List<Manifest> chain;
  /** Chains readBackupChain returns by backup id, when set; else {@link #chain}. */
  volatile Map<String, List<Manifest>> chainsById;
  /** What {@code resolveStore} answers: the store a restore's repository is, or null for kind files. */
  volatile String store;
  /** What {@code readChainState} answers; null: no chain backup yet, every disk 1 GiB. */
  volatile ChainState chainState;
  /** What {@code pullDeletedLayers} reports having repaired. */
  volatile List<String> repairs = List.of();
  /** How long {@code saveAndRestore} reports the VM stopped. */
  volatile long stoppedMillis = 1234;

  /** Every call of {@code method} fails non-retryably with the given type, as an activity's boundary would. */
  void failNonRetryable(String method, FailureType type) {
    faults.put(method, new Fault(type, new AtomicInteger(Integer.MAX_VALUE)));
  }

  /** The first {@code times} calls of {@code method} throw a plain exception, which the retry policy retries. */
  void failRetryable(String method, int times) {
    faults.put(method, new Fault(null, new AtomicInteger(times)));
  }

  /** Calls of {@code method} block (heartbeating) until the gate is opened or the activity is cancelled. */
  Gate block(String method) {
    return gates.computeIfAbsent(method, ignored -> new Gate());
  }

  /** Opens every gate, so that no activity thread outlives its test. */
  void openAllGates() {
    gates.values().forEach(Gate::open);
  }

  /** The activity implementations a host worker registers. */
  Object[] hostActivities() {
    return new Object[] {
      new FakeDomainLock(), new FakeInspect(), new FakeBackupDirectory(), new FakeSnapshot(), new FakeRepositoryCopy(),
      new FakeMerge(), new FakeVerify(), new FakeRestore(), new FakeChain(), new FakeSavedState(), new FakeStoreSteps.Store(this),
      new FakeStoreSteps.Maintenance(this)
    };
  }

  /** The local activity the workflow worker registers: its default host is "h1". */
  HostDefaultsActivities hostDefaults() {
    return new FakeHostDefaults();
  }

  void step(String method, String summary, Object argument) {
    journal.record(method, summary, argument);
    Gate gate = gates.get(method);
    if (gate != null) {
      gate.hold();
    }
    Fault fault = faults.get(method);
    if (fault != null) {
      fault.apply(method);
    }
  }

  /** A scripted failure: non-retryable with a type, or a plain exception for the first N calls. */
  private record Fault(FailureType type, AtomicInteger remaining) {
    void apply(String method) {
      if (remaining.getAndDecrement() <= 0) {
        return;
      }
      if (type != null) {
        throw ApplicationFailure.newNonRetryableFailure("scripted failure of " + method, type.name());
      }
      throw new RuntimeException("scripted transient failure of " + method);
    }
  }

  /**
   * Holds an activity until the test opens it. The activity heartbeats meanwhile, so that a
   * cancellation the server delivers ends it early (the heartbeat throws).
   */
  static final class Gate {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);

    /** Waits until an activity is held here; the timeout only guards against a hung test. */
    void awaitEntered() throws InterruptedException {
      if (!entered.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the blocked activity was never started");
      }
    }

    void open() {
      opened.countDown();
    }

    private void hold() {
      entered.countDown();
      try {
        while (!opened.await(50, TimeUnit.MILLISECONDS)) {
          Activity.getExecutionContext().heartbeat(null);
        }
      } catch (InterruptedException e) {
        // The worker is shutting down after the test: end the attempt.
        Thread.currentThread().interrupt();
        throw new RuntimeException("interrupted while blocked", e);
      }
    }
  }

  /** A named class rather than a lambda: the SDK finds activity interfaces by reflection on the class. */
  final class FakeHostDefaults implements HostDefaultsActivities {
    @Override
    public String defaultHost() {
      defaultHostCalls.incrementAndGet();
      return "h1";
    }
  }

  final class FakeDomainLock implements DomainLockActivities {
    @Override
    public void acquireDomainLock(LockRequest request) {
      step("acquireDomainLock", request.domain(), request);
    }

    @Override
    public void releaseDomainLock(LockRequest request) {
      step("releaseDomainLock", request.domain(), request);
    }
  }

  final class FakeInspect implements InspectActivities {
    @Override
    public DomainInfo inspectDomain(InspectRequest request) {
      step("inspectDomain", request.domain(), request);
      return domain;
    }

    @Override
    public String resolveRepository(String requested) {
      step("resolveRepository", String.valueOf(requested), requested);
      return requested != null ? requested : DEFAULT_REPOSITORY;
    }

    @Override
    public String resolveStore(String requested) {
      step("resolveStore", String.valueOf(requested), requested);
      return store;
    }
  }

  /** What {@code verifyStore} answers; null: every chunk intact. */
  volatile StoreMaintenanceResult.Verify storeVerify;



  final class FakeBackupDirectory implements BackupDirectoryActivities {
    /** Answers the id one second after the proposed one, so tests can tell which id the workflow passes on. */
    @Override
    public PreparedBackup prepareBackupDirectory(PrepareBackupRequest request) {
      step("prepareBackupDirectory", request.domain(), request);
      String id = BackupIds.next(request.proposedBackupId());
      String dir = request.repository() + "/" + request.domain() + "/" + id;
      return new PreparedBackup(id, dir + ".partial", dir);
    }

    @Override
    public void discardBackup(DiscardBackupRequest request) {
      step("discardBackup", request.domain(), request);
    }
  }

  final class FakeSnapshot implements SnapshotActivities {
    @Override
    public SnapshotResult createExternalSnapshot(SnapshotRequest plan) {
      step("createExternalSnapshot", plan.domain(), plan);
      SnapshotResult scripted = snapshotResult;
      return scripted != null ? scripted : new SnapshotResult(plan.capture(), List.of(), 5);
    }

    @Override
    public void revertExternalSnapshot(SnapshotRequest plan) {
      step("revertExternalSnapshot", plan.domain(), plan);
    }
  }

  final class FakeRepositoryCopy implements RepositoryCopyActivities {
    @Override
    public RepositoryCopyResult copyToRepository(RepositoryCopyRequest request) {
      step("copyToRepository", request.header().domain(), request);
      List<ManifestDisk> disks = new ArrayList<>();
      request.disks().forEach(disk -> disks.add(new ManifestDisk(
          disk.target(), "disks/" + disk.target() + "." + disk.format(), disk.format(), 1L << 30, 4096,
          "0".repeat(64), disk.source(), List.of())));
      return new RepositoryCopyResult(request.header().finalDir(), 4096L * disks.size(), disks);
    }
  }

  final class FakeMerge implements MergeActivities {
    @Override
    public void blockCommit(MergeRequest request) {
      step("blockCommit", request.target(), request);
    }
  }

  final class FakeVerify implements VerifyActivities {
    @Override
    public VerifyResult verifyBackup(VerifyRequest request) {
      step("verifyBackup", "record=" + request.record(), request);
      boolean ok = verifyOk;
      return new VerifyResult(
          request.repository() + "/" + request.domain() + "/" + request.backupId(), ok,
          ok ? List.of() : List.of("disks/vda.qcow2: checksum mismatch"), 3, 4096);
    }

    @Override
    public Manifest readManifest(BackupRef backup) {
      step("readManifest", backup.backupId(), backup);
      return manifest;
    }

    @Override
    public List<Manifest> readBackupChain(BackupRef backup) {
      step("readBackupChain", backup.backupId(), backup);
      Map<String, List<Manifest>> byId = chainsById;
      if (byId != null) {
        return byId.get(backup.backupId());
      }
      return chain != null ? chain : List.of(manifest);
    }
  }

  final class FakeRestore implements RestoreActivities {
    @Override
    public void checkRestoreTargets(RestoreTargetsCheck check) {
      step("checkRestoreTargets", String.valueOf(check.newDomain()), check);
    }

    @Override
    public List<String> setAsideFiles(SetAsideRequest request) {
      step("setAsideFiles", request.files().size() + " files", request);
      return request.files().stream().map(file -> file + request.suffix()).toList();
    }

    @Override
    public void returnSetAsideFiles(SetAsideRequest request) {
      step("returnSetAsideFiles", request.files().size() + " files", request);
    }

    @Override
    public void copyFromRepository(RestoreCopyRequest request) {
      step("copyFromRepository", request.backup().backupId(), request);
    }

    @Override
    public void deleteRestoredFiles(List<String> files) {
      step("deleteRestoredFiles", files.size() + " files", files);
    }

    @Override
    public void defineRestoredDomain(DefineDomainRequest request) {
      step("defineRestoredDomain", request.name(), request);
    }

    @Override
    public void undefineDomain(DomainRef domain) {
      step("undefineDomain", domain.name(), domain);
    }

    @Override
    public void startDomain(DomainRef domain) {
      step("startDomain", domain.name(), domain);
    }

    @Override
    public void stopDomain(DomainRef domain) {
      step("stopDomain", domain.name(), domain);
    }

    @Override
    public void restoreMemoryState(MemoryRestoreRequest request) {
      step("restoreMemoryState", request.domain(), request);
    }
  }

  final class FakeChain implements ChainActivities {
    @Override
    public ChainState readChainState(ChainStateRequest request) {
      step("readChainState", request.domain(), request);
      ChainState scripted = chainState;
      if (scripted != null) {
        return scripted;
      }
      Map<String, Long> sizes = new java.util.LinkedHashMap<>();
      request.disks().forEach(disk -> sizes.put(disk.target(), 1L << 30));
      return new ChainState(null, List.of(), sizes);
    }

    @Override
    public void consolidate(ConsolidateRequest request) {
      step("consolidate", request.domain(), request);
    }

    @Override
    public List<String> pullDeletedLayers(String domain) {
      step("pullDeletedLayers", domain, domain);
      return repairs;
    }
  }

  final class FakeSavedState implements SavedStateActivities {
    @Override
    public SavedStateResult saveAndRestore(SavedStateRequest plan) {
      step("saveAndRestore", plan.domain(), plan);
      return new SavedStateResult(stoppedMillis, List.of());
    }

    @Override
    public void undoSaveAndRestore(SavedStateRequest plan) {
      step("undoSaveAndRestore", plan.domain(), plan);
    }

    @Override
    public void pullIntoOverlays(SavedStateRequest plan) {
      step("pullIntoOverlays", plan.domain(), plan);
    }

    @Override
    public void retainFrozenImages(SavedStateRequest plan) {
      step("retainFrozenImages", plan.domain(), plan);
    }
  }
}
