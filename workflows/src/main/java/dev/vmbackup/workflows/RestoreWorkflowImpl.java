package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.RestoreActivities;
import dev.vmbackup.workflows.activities.StoreActivities;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.DefineDomainRequest;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainRef;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.MemoryRestoreRequest;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import dev.vmbackup.workflows.model.RestoreTargetsCheck;
import dev.vmbackup.workflows.model.SetAsideRequest;
import dev.vmbackup.workflows.model.StoreIngestRequest;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/** Decisions of a restore; every change on the host is an activity with its compensation registered first. */
public class RestoreWorkflowImpl implements RestoreWorkflow {
  private static final Logger log = Workflow.getLogger(RestoreWorkflowImpl.class);

  /** Change id of restores that read a backup's whole chain (see {@code Workflow.getVersion}). */
  static final String CHAINS_CHANGE = "restore-backup-chains";
  /** Change id of in-place restores of incremental points (see {@link #flattensInPlace}). */
  static final String IN_PLACE_FLATTEN_CHANGE = "restore-in-place-flattened";

  /** Change id of restores that may read a store repository (see {@link #unpackFromStore}). */
  static final String STORE_CHANGE = "restore-from-store";

  private String step = "starting";
  private String backupId;

  @Override
  public BackupStatus status() {
    return new BackupStatus(step, backupId, null);
  }

  @Override
  public RestoreResult restore(RestoreRequest request) {
    validate(request);
    backupId = request.backupId();
    HostSteps steps = HostSteps.on(request.host());
    InspectActivities inspect = steps.inspect;
    VerifyActivities verify = steps.verify;
    RestoreActivities restore = steps.forward(RestoreActivities.class);
    RestoreActivities copy = steps.longRunning(RestoreActivities.class);
    RestoreActivities undo = steps.mustFinish(RestoreActivities.class);

    String lockedDomain = request.as() != null ? request.as() : request.domain();
    DomainOperation<RestoreResult> operation =
        new DomainOperation<>(steps, HostSteps.lockFor(lockedDomain), current -> step = current);
    // The restore is done once the operation returns: a lock that cannot be released must not undo it.
    return operation.run(compensations -> {
      step = "verify";
      String repository = inspect.resolveRepository(request.repository());
      DiscardBackupRequest unpacked = unpackFromStore(request, steps, repository, compensations);
      BackupRef ref = new BackupRef(repository, request.domain(), request.backupId());
      // Restores of chained backups read every backup the point builds on; runs started before that
      // read the one manifest.
      int version = Workflow.getVersion(CHAINS_CHANGE, Workflow.DEFAULT_VERSION, 1);
      List<Manifest> chain = version == Workflow.DEFAULT_VERSION
          ? List.of(verify.readManifest(ref))
          : verify.readBackupChain(ref);
      Manifest manifest = chain.get(chain.size() - 1);
      if (request.memoryRequested() && manifest.memoryState() == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "backup " + request.backupId() + " has no memory state (it was taken with capture "
                + manifest.capture() + "); restore it without --memory",
            FailureType.INVALID_INPUT.name());
      }
      if (request.inPlaceRequested() && chain.size() > 1 && !flattensInPlace(manifest)) {
        throw ApplicationFailure.newNonRetryableFailure(
            "backup " + request.backupId() + " builds on " + (chain.size() - 1) + " earlier backup(s); restore it"
                + " with --as NAME (in place restores only backups that stand alone)",
            FailureType.INVALID_INPUT.name());
      }
      // Disks restored to other points than the rest: only when the request names them (restores without
      // such disks, and every run recorded before, take no step here).
      Map<String, List<Manifest>> pointChains = new LinkedHashMap<>();
      List<Manifest> pieces = new ArrayList<>(chain);
      for (Map.Entry<String, String> point : new TreeMap<>(request.diskPoints()).entrySet()) {
        requireDisk(manifest, point.getKey());
        if (point.getValue().equals(request.backupId())) {
          continue;
        }
        List<Manifest> other = verify.readBackupChain(new BackupRef(repository, request.domain(), point.getValue()));
        requireDisk(other.get(other.size() - 1), point.getKey());
        pointChains.put(point.getKey(), other);
        other.stream().filter(piece -> pieces.stream().noneMatch(p -> p.backupId().equals(piece.backupId())))
            .forEach(pieces::add);
      }
      for (Manifest piece : pieces) {
        VerifyResult verified = verify.verifyBackup(new VerifyRequest(repository, request.domain(), piece.backupId(), false));
        if (!verified.ok()) {
          throw ApplicationFailure.newNonRetryableFailure(
              "backup " + piece.backupId() + " of " + request.domain() + " failed verification, nothing was changed: "
                  + String.join("; ", verified.problems()),
              FailureType.VERIFICATION_FAILED.name());
        }
      }
      String suffix = BackupLayout.replacedSuffix(BackupIds.fromEpochMillis(Workflow.currentTimeMillis()));
      RestoreResult result = request.as() != null
          ? restoreAsNewDomain(request, ref, chain, pointChains, suffix, restore, copy, undo, compensations)
          : restoreInPlace(request, ref, chain, suffix, inspect, restore, copy, undo, compensations);
      if (unpacked != null) {
        // The restore is done: a staged copy left behind costs disk space, never the restore.
        Failures.bestEffort(() -> steps.directory.discardBackup(unpacked),
            "remove the unpacked copy of backup " + request.backupId() + " from " + repository);
      }
      return result;
    }, new DomainOperation.Listener<>() {
      @Override
      public void failing(RuntimeException failure) {
        log.warn("restore of {} failed at step {}: {}; compensating", request.domain(), step, failure.getMessage());
      }
    });
  }

  /**
   * A restore from a store repository first unpacks the backup into the store's staging directory as a
   * backup of kind files; every later step reads it there as it reads any backup, and it is removed when
   * the restore ends, however it ends. Returns the request that removes it, or null for a repository of
   * kind files. Runs started before stores existed take no step here.
   */
  private DiscardBackupRequest unpackFromStore(RestoreRequest request, HostSteps steps, String repository,
      Compensations compensations) {
    if (Workflow.getVersion(STORE_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return null;
    }
    String store = steps.inspect.resolveStore(request.repository());
    if (store == null) {
      return null;
    }
    if (!request.diskPoints().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "repository " + store + " is a store, whose restores take every disk from one backup so far; restore"
              + " without disk points", FailureType.INVALID_INPUT.name());
    }
    step = "unpack";
    DiscardBackupRequest discard = new DiscardBackupRequest(
        repository, request.domain(), request.backupId(), Workflow.getInfo().getRunId());
    compensations.add(() -> steps.undoDirectory.discardBackup(discard));
    steps.longRunning(StoreActivities.class).unpackFromStore(
        new StoreIngestRequest(store, repository, request.domain(), request.backupId()));
    step = "verify";
    return discard;
  }

  private RestoreResult restoreAsNewDomain(
      RestoreRequest request,
      BackupRef ref,
      List<Manifest> chain,
      Map<String, List<Manifest>> pointChains,
      String suffix,
      RestoreActivities restore,
      RestoreActivities copy,
      RestoreActivities undo,
      Compensations compensations) {
    Manifest manifest = chain.get(chain.size() - 1);
    String targetDir = request.targetDir() != null ? request.targetDir() : RestoreDecisions.defaultTargetDir(manifest);
    List<DiskPlacement> placements = RestoreDecisions.asNewDomain(chain, request.as(), targetDir);
    if (!pointChains.isEmpty()) {
      placements = RestoreDecisions.withDiskPoints(placements, pointChains, request.as(), targetDir, request.backupId());
    }
    List<String> destinations = RestoreDecisions.destinations(placements);

    step = "check";
    restore.checkRestoreTargets(new RestoreTargetsCheck(request.as(), destinations, request.overwriteRequested()));
    List<String> keptAside = List.of();
    if (request.overwriteRequested()) {
      SetAsideRequest aside = new SetAsideRequest(destinations, suffix);
      compensations.add(() -> undo.returnSetAsideFiles(aside));
      keptAside = restore.setAsideFiles(aside);
    }

    step = "copy";
    compensations.add(() -> undo.deleteRestoredFiles(destinations));
    copy.copyFromRepository(new RestoreCopyRequest(ref, placements, request.flattenRequested()));

    step = "define";
    String uuid = Workflow.randomUUID().toString();
    DomainRef restored = new DomainRef(request.as(), uuid);
    compensations.add(() -> undo.undefineDomain(restored));
    restore.defineRestoredDomain(
        new DefineDomainRequest(ref, request.as(), uuid, RestoreDecisions.activeImages(placements), targetDir));

    boolean start = request.start() == null || request.start();
    if (start) {
      step = "start";
      restore.startDomain(restored);
    }
    return new RestoreResult(
        request.as(), request.backupId(), uuid, "new-domain",
        List.copyOf(RestoreDecisions.activeImages(placements).values()), keptAside, start);
  }

  /**
   * Whether a point of an incremental or differential chain is restored in place, flattened into one
   * standalone image per disk at the VM's own image path. Its disks ran on those images directly (the
   * backup API needs no overlay), so the restored VM is exactly as it was defined; its checkpoints then
   * name bitmaps the new images lack, which the next incremental backup notices (a new full backup).
   * A point of strategy chain is not: its VM ran on overlays named after backups, which an in-place
   * restore would have to redefine away. Runs recorded before this refused both.
   */
  private static boolean flattensInPlace(Manifest manifest) {
    return (manifest.strategy() == Strategy.INCREMENTAL || manifest.strategy() == Strategy.DIFFERENTIAL)
        && Workflow.getVersion(IN_PLACE_FLATTEN_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  private RestoreResult restoreInPlace(
      RestoreRequest request,
      BackupRef ref,
      List<Manifest> chain,
      String suffix,
      InspectActivities inspect,
      RestoreActivities restore,
      RestoreActivities copy,
      RestoreActivities undo,
      Compensations compensations) {
    Manifest manifest = chain.get(chain.size() - 1);
    step = "check";
    DomainInfo current = inspect.inspectDomain(new InspectRequest(request.domain(), ref.repository()));
    if (!current.uuid().equals(manifest.uuid())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "domain " + current.name() + " now has UUID " + current.uuid() + " but the backup was taken of "
              + manifest.uuid() + "; restore it with --as NAME instead",
          FailureType.DISK_CHAIN_CHANGED.name());
    }
    String mismatch = RestoreDecisions.inPlaceMismatch(manifest, current);
    if (mismatch != null) {
      throw ApplicationFailure.newNonRetryableFailure(
          mismatch + "; restore with --as NAME instead", FailureType.DISK_CHAIN_CHANGED.name());
    }
    boolean flatten = chain.size() > 1;
    List<DiskPlacement> placements = flatten ? RestoreDecisions.inPlaceFlattened(chain) : RestoreDecisions.inPlace(manifest);
    List<String> destinations = RestoreDecisions.destinations(placements);
    boolean wasActive = current.state().isActive();
    DomainRef domain = new DomainRef(current.name(), current.uuid());

    step = "stop";
    if (wasActive) {
      compensations.add(() -> undo.startDomain(domain));
      restore.stopDomain(domain);
    }

    step = "set-aside";
    SetAsideRequest aside = new SetAsideRequest(destinations, suffix);
    compensations.add(() -> undo.returnSetAsideFiles(aside));
    List<String> keptAside = restore.setAsideFiles(aside);

    step = "copy";
    compensations.add(() -> undo.deleteRestoredFiles(destinations));
    copy.copyFromRepository(new RestoreCopyRequest(ref, placements, flatten));

    boolean running;
    if (request.memoryRequested()) {
      step = "resume";
      restore.restoreMemoryState(new MemoryRestoreRequest(ref, current.name()));
      running = true;
    } else {
      running = request.start() != null ? request.start() : wasActive;
      if (running) {
        step = "start";
        restore.startDomain(domain);
      }
    }
    return new RestoreResult(
        current.name(), request.backupId(), current.uuid(),
        request.memoryRequested() ? "in-place-memory" : "in-place",
        List.copyOf(RestoreDecisions.activeImages(placements).values()), keptAside, running);
  }

  private static void requireDisk(Manifest backup, String target) {
    if (backup.disks().stream().noneMatch(disk -> disk.target().equals(target))) {
      throw ApplicationFailure.newNonRetryableFailure(
          "backup " + backup.backupId() + " has no disk " + target, FailureType.INVALID_INPUT.name());
    }
  }

  private static void validate(RestoreRequest request) {
    try {
      if (!request.diskPoints().isEmpty()) {
        if (request.as() == null) {
          throw new IllegalArgumentException(
              "disks can be restored to other points only into a new domain (--as NAME)");
        }
        request.diskPoints().forEach((target, id) -> {
          if (!target.matches("[a-z][a-z0-9]{0,31}")) {
            throw new IllegalArgumentException("'" + target + "' is not a disk (a guest device name such as vdb)");
          }
          Validation.backupId(id);
        });
      }
      Validation.domainName("domain", request.domain());
      Validation.backupId(request.backupId());
      if (request.as() != null) {
        Validation.domainName("new domain name", request.as());
        if (request.inPlaceRequested()) {
          throw new IllegalArgumentException(
              "choose one: --as NAME restores beside the original, --in-place or --memory replace it");
        }
      } else if (!request.inPlaceRequested()) {
        throw new IllegalArgumentException(
            "say how to restore: --as NAME for a new domain, --in-place to replace " + request.domain()
                + "'s disks (the current ones are kept aside), or --memory to also resume its saved state");
      }
      if (request.targetDir() != null) {
        Validation.absolutePath("target directory", request.targetDir());
      }
      if (request.repository() != null) {
        Validation.repository(request.repository());
      }
      if (request.host() != null) {
        Validation.hostName(request.host());
      }
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }
}
