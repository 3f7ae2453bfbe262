package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.Fixtures.BACKUP_ID;
import static dev.vmbackup.workflows.Fixtures.IMAGES;
import static dev.vmbackup.workflows.Fixtures.UUID_VM1;
import static dev.vmbackup.workflows.Fixtures.VDA;
import static dev.vmbackup.workflows.Fixtures.VDA_BASE;
import static dev.vmbackup.workflows.Fixtures.VDB;
import static dev.vmbackup.workflows.Fixtures.domain;
import static dev.vmbackup.workflows.Fixtures.manifest;
import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.DefineDomainRequest;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.DomainRef;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.FilePlacement;
import dev.vmbackup.workflows.model.LockRequest;
import dev.vmbackup.workflows.model.MemoryRestoreRequest;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import dev.vmbackup.workflows.model.RestoreTargetsCheck;
import dev.vmbackup.workflows.model.SetAsideRequest;
import dev.vmbackup.workflows.model.VerifyRequest;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decisions of {@link RestoreWorkflowImpl}: verify before changing anything, then the steps of a
 * restore as a new domain or in place, and what is undone, newest first, when a step fails.
 */
class RestoreWorkflowTest {
  private static final String TARGET_DIR = "/srv/restore";
  private static final String NEW_VDA = TARGET_DIR + "/vm1-copy-vda.qcow2";
  private static final String NEW_VDA_BACKING = TARGET_DIR + "/vm1-copy-vda-backing1.qcow2";
  private static final String NEW_VDB = TARGET_DIR + "/vm1-copy-vdb.raw";
  private static final List<String> VERIFIED = List.of(
      "acquireDomainLock", "resolveRepository", "resolveStore", "readBackupChain", "verifyBackup");
  private static final BackupRef REF = new BackupRef(FakeHost.DEFAULT_REPOSITORY, "vm1", BACKUP_ID);

  private WorkflowHarness harness;
  private FakeHost host;
  private Journal journal;

  @BeforeEach
  void startService() {
    harness = new WorkflowHarness();
    host = harness.host;
    journal = harness.journal();
    host.manifest = manifest(true);
  }

  @AfterEach
  void stopService() {
    harness.close();
  }

  /** Restore backup {@link Fixtures#BACKUP_ID} of vm1 as a new domain "vm1-copy" under {@link #TARGET_DIR}. */
  private static RestoreRequest asNew(Boolean start, Boolean overwrite) {
    return new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", null, null, TARGET_DIR, start, overwrite, null, null);
  }

  /** Restore backup {@link Fixtures#BACKUP_ID} over vm1 itself, optionally resuming its memory state. */
  private static RestoreRequest inPlace(boolean memory) {
    return new RestoreRequest("vm1", BACKUP_ID, null, memory ? true : null, memory ? null : true, null, null, null,
        null, "h1");
  }

  @Test
  void asNewDomainVerifiesCopiesDefinesAndStartsIt() {
    RestoreWorkflow workflow = harness.newRestore();

    RestoreResult result = workflow.restore(asNew(null, null));

    assertThat(journal.entries()).containsExactly(
        "acquireDomainLock(vm1-copy)",
        "resolveRepository(null)",
        "resolveStore(null)",
        "readBackupChain(" + BACKUP_ID + ")",
        "verifyBackup(record=false)",
        "checkRestoreTargets(vm1-copy)",
        "copyFromRepository(" + BACKUP_ID + ")",
        "defineRestoredDomain(vm1-copy)",
        "startDomain(vm1-copy)",
        "releaseDomainLock(vm1-copy)");
    assertThat(host.defaultHostCalls).hasValue(1);

    // The lock guards the name being created, not the domain the backup was taken of.
    String workflowId = WorkflowStub.fromTyped(workflow).getExecution().getWorkflowId();
    String runId = WorkflowStub.fromTyped(workflow).getExecution().getRunId();
    LockRequest lock = new LockRequest("vm1-copy", workflowId, runId);
    assertThat(journal.arguments("acquireDomainLock", LockRequest.class)).containsExactly(lock);
    assertThat(journal.arguments("releaseDomainLock", LockRequest.class)).containsExactly(lock);
    assertThat(journal.onlyArgument("readBackupChain", BackupRef.class)).isEqualTo(REF);
    assertThat(journal.onlyArgument("verifyBackup", VerifyRequest.class))
        .isEqualTo(new VerifyRequest(FakeHost.DEFAULT_REPOSITORY, "vm1", BACKUP_ID, false));

    List<String> destinations = List.of(NEW_VDA, NEW_VDA_BACKING, NEW_VDB);
    assertThat(journal.onlyArgument("checkRestoreTargets", RestoreTargetsCheck.class))
        .isEqualTo(new RestoreTargetsCheck("vm1-copy", destinations, false));
    RestoreCopyRequest copy = journal.onlyArgument("copyFromRepository", RestoreCopyRequest.class);
    assertThat(copy.backup()).isEqualTo(REF);
    assertThat(copy.disks()).extracting(DiskPlacement::target).containsExactly("vda", "vdb");
    assertThat(copy.disks().get(0).chain()).containsExactly(
        new FilePlacement("disks/vda.qcow2", NEW_VDA, "qcow2", 1L << 20, "a".repeat(64)),
        new FilePlacement("disks/vda-backing1.qcow2", NEW_VDA_BACKING, "qcow2", 2L << 20, "b".repeat(64)));
    assertThat(copy.disks().get(1).chain()).containsExactly(
        new FilePlacement("disks/vdb.raw", NEW_VDB, "raw", 1L << 30, "c".repeat(64)));

    DefineDomainRequest define = journal.onlyArgument("defineRestoredDomain", DefineDomainRequest.class);
    assertThat(define.backup()).isEqualTo(REF);
    assertThat(define.name()).isEqualTo("vm1-copy");
    assertThat(UUID.fromString(define.uuid()).toString()).isEqualTo(define.uuid());
    assertThat(define.uuid()).isNotEqualTo(UUID_VM1);
    assertThat(define.diskPaths()).isEqualTo(Map.of("vda", NEW_VDA, "vdb", NEW_VDB));
    assertThat(define.targetDir()).isEqualTo(TARGET_DIR);
    assertThat(journal.onlyArgument("startDomain", DomainRef.class))
        .isEqualTo(new DomainRef("vm1-copy", define.uuid()));

    assertThat(result).isEqualTo(new RestoreResult(
        "vm1-copy", BACKUP_ID, define.uuid(), "new-domain", List.of(NEW_VDA, NEW_VDB), List.of(), true));
  }

  @Test
  void asNewDomainWithoutStartIsOnlyDefined() {
    RestoreResult result = harness.newRestore().restore(asNew(false, null));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "checkRestoreTargets", "copyFromRepository", "defineRestoredDomain", "releaseDomainLock")));
    assertThat(result.running()).isFalse();
  }

  @Test
  void asNewDomainWithOverwriteSetsExistingFilesAsideBeforeCopying() {
    RestoreResult result = harness.newRestore().restore(asNew(null, true));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "checkRestoreTargets", "setAsideFiles", "copyFromRepository", "defineRestoredDomain", "startDomain",
        "releaseDomainLock")));
    assertThat(journal.onlyArgument("checkRestoreTargets", RestoreTargetsCheck.class).overwrite()).isTrue();
    SetAsideRequest aside = journal.onlyArgument("setAsideFiles", SetAsideRequest.class);
    assertThat(aside.files()).containsExactly(NEW_VDA, NEW_VDA_BACKING, NEW_VDB);
    assertThat(aside.suffix()).startsWith(".vmbackup-replaced-");
    assertThat(BackupIds.isValid(aside.suffix().substring(".vmbackup-replaced-".length()))).isTrue();
    assertThat(result.keptAside()).containsExactly(
        NEW_VDA + aside.suffix(), NEW_VDA_BACKING + aside.suffix(), NEW_VDB + aside.suffix());
  }

  @Test
  void asNewDomainWithoutTargetDirectoryGoesBesideTheOriginalFirstDisk() {
    RestoreRequest request =
        new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", null, null, null, null, null, null, "h1");

    RestoreResult result = harness.newRestore().restore(request);

    assertThat(result.disks()).containsExactly(IMAGES + "/vm1-copy-vda.qcow2", IMAGES + "/vm1-copy-vdb.raw");
    assertThat(journal.onlyArgument("defineRestoredDomain", DefineDomainRequest.class).targetDir()).isEqualTo(IMAGES);
  }

  @Test
  void failedVerificationChangesNothing() {
    host.verifyOk = false;

    WorkflowFailedException failed = restoreFails(harness.newRestore(), asNew(null, true));

    assertThat(failureType(failed)).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of("releaseDomainLock")));
  }

  @Test
  void failedDefinitionUndefinesDeletesCopiedFilesAndReleases() {
    host.failNonRetryable("defineRestoredDomain", FailureType.HYPERVISOR_REFUSED);

    WorkflowFailedException failed = restoreFails(harness.newRestore(), asNew(null, null));

    assertThat(failureType(failed)).isEqualTo(FailureType.HYPERVISOR_REFUSED.name());
    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "checkRestoreTargets", "copyFromRepository", "defineRestoredDomain",
        "undefineDomain", "deleteRestoredFiles", "releaseDomainLock")));
    // The UUID is chosen before the definition, so the undo finds the domain even if define half-ran.
    DefineDomainRequest define = journal.onlyArgument("defineRestoredDomain", DefineDomainRequest.class);
    assertThat(journal.onlyArgument("undefineDomain", DomainRef.class))
        .isEqualTo(new DomainRef("vm1-copy", define.uuid()));
    List<?> deleted = journal.onlyArgument("deleteRestoredFiles", List.class);
    assertThat(deleted).isEqualTo(List.of(NEW_VDA, NEW_VDA_BACKING, NEW_VDB));
  }

  @Test
  void failedDefinitionWithOverwriteAlsoReturnsTheFilesSetAside() {
    host.failNonRetryable("defineRestoredDomain", FailureType.HYPERVISOR_REFUSED);

    restoreFails(harness.newRestore(), asNew(null, true));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "checkRestoreTargets", "setAsideFiles", "copyFromRepository", "defineRestoredDomain",
        "undefineDomain", "deleteRestoredFiles", "returnSetAsideFiles", "releaseDomainLock")));
    assertThat(journal.onlyArgument("returnSetAsideFiles", SetAsideRequest.class))
        .isEqualTo(journal.onlyArgument("setAsideFiles", SetAsideRequest.class));
  }

  @Test
  void inPlaceWithMemoryStopsSetsAsideCopiesAndResumes() {
    host.domain = domain(DomainState.RUNNING);
    RestoreWorkflow workflow = harness.newRestore();

    RestoreResult result = workflow.restore(inPlace(true));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "inspectDomain", "stopDomain", "setAsideFiles", "copyFromRepository", "restoreMemoryState",
        "releaseDomainLock")));
    assertThat(journal.onlyArgument("acquireDomainLock", LockRequest.class).domain()).isEqualTo("vm1");
    assertThat(journal.onlyArgument("stopDomain", DomainRef.class)).isEqualTo(new DomainRef("vm1", UUID_VM1));
    // Every file goes back where it was backed up from, the backing layer included.
    SetAsideRequest aside = journal.onlyArgument("setAsideFiles", SetAsideRequest.class);
    assertThat(aside.files()).containsExactly(VDA, VDA_BASE, VDB);
    RestoreCopyRequest copy = journal.onlyArgument("copyFromRepository", RestoreCopyRequest.class);
    assertThat(RestoreDecisions.destinations(copy.disks())).containsExactly(VDA, VDA_BASE, VDB);
    assertThat(journal.onlyArgument("restoreMemoryState", MemoryRestoreRequest.class))
        .isEqualTo(new MemoryRestoreRequest(REF, "vm1"));
    assertThat(result).isEqualTo(new RestoreResult(
        "vm1", BACKUP_ID, UUID_VM1, "in-place-memory", List.of(VDA, VDB),
        List.of(VDA + aside.suffix(), VDA_BASE + aside.suffix(), VDB + aside.suffix()), true));
  }

  @Test
  void inPlaceWithMemoryOfShutOffDomainNeedsNoStop() {
    host.domain = domain(DomainState.SHUTOFF);

    harness.newRestore().restore(inPlace(true));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "inspectDomain", "setAsideFiles", "copyFromRepository", "restoreMemoryState", "releaseDomainLock")));
  }

  @Test
  void inPlaceWithoutMemoryStartsTheDomainAgainOnlyIfItWasRunning() {
    host.domain = domain(DomainState.RUNNING);
    RestoreResult running = harness.newRestore().restore(inPlace(false));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "inspectDomain", "stopDomain", "setAsideFiles", "copyFromRepository", "startDomain", "releaseDomainLock")));
    assertThat(running.mode()).isEqualTo("in-place");
    assertThat(running.running()).isTrue();
  }

  @Test
  void inPlaceWithoutMemoryLeavesShutOffDomainShutOff() {
    host.domain = domain(DomainState.SHUTOFF);
    RestoreResult result = harness.newRestore().restore(inPlace(false));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "inspectDomain", "setAsideFiles", "copyFromRepository", "releaseDomainLock")));
    assertThat(result.running()).isFalse();
  }

  @Test
  void failedInPlaceCopyPutsTheOldDisksBackAndRestartsTheDomain() {
    host.domain = domain(DomainState.RUNNING);
    host.failNonRetryable("copyFromRepository", FailureType.VERIFICATION_FAILED);

    WorkflowFailedException failed = restoreFails(harness.newRestore(), inPlace(true));

    assertThat(failureType(failed)).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "inspectDomain", "stopDomain", "setAsideFiles", "copyFromRepository",
        "deleteRestoredFiles", "returnSetAsideFiles", "startDomain", "releaseDomainLock")));
    List<?> deleted = journal.onlyArgument("deleteRestoredFiles", List.class);
    assertThat(deleted).isEqualTo(List.of(VDA, VDA_BASE, VDB));
    assertThat(journal.onlyArgument("startDomain", DomainRef.class)).isEqualTo(new DomainRef("vm1", UUID_VM1));
  }

  @Test
  void failedInPlaceCopyOfShutOffDomainDoesNotStartIt() {
    host.domain = domain(DomainState.SHUTOFF);
    host.failNonRetryable("copyFromRepository", FailureType.VERIFICATION_FAILED);

    restoreFails(harness.newRestore(), inPlace(true));

    assertThat(journal.methods()).containsExactlyElementsOf(concat(VERIFIED, List.of(
        "inspectDomain", "setAsideFiles", "copyFromRepository", "deleteRestoredFiles", "returnSetAsideFiles",
        "releaseDomainLock")));
  }

  @Test
  void inPlaceIsRefusedWhenTheDiskMovedSinceTheBackup() {
    host.domain = domain(DomainState.RUNNING, UUID_VM1, IMAGES + "/vm1-vda-new.qcow2");

    WorkflowFailedException failed = restoreFails(harness.newRestore(), inPlace(false));

    assertThat(failureType(failed)).isEqualTo(FailureType.DISK_CHAIN_CHANGED.name());
    assertThat(journal.methods())
        .containsExactlyElementsOf(concat(VERIFIED, List.of("inspectDomain", "releaseDomainLock")));
  }

  @Test
  void inPlaceIsRefusedWhenTheDomainHasAnotherUuid() {
    host.domain = domain(DomainState.RUNNING, "0b7e8f3c-0000-4000-8000-000000000001", VDA);

    WorkflowFailedException failed = restoreFails(harness.newRestore(), inPlace(true));

    assertThat(failureType(failed)).isEqualTo(FailureType.DISK_CHAIN_CHANGED.name());
    assertThat(journal.methods())
        .containsExactlyElementsOf(concat(VERIFIED, List.of("inspectDomain", "releaseDomainLock")));
  }

  @Test
  void memoryRestoreIsRefusedForBackupWithoutMemoryState() {
    host.manifest = manifest(false);
    host.domain = domain(DomainState.RUNNING);

    WorkflowFailedException failed = restoreFails(harness.newRestore(), inPlace(true));

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
    // Refused from the manifest alone, before the (possibly long) verification of every file.
    assertThat(journal.methods()).containsExactly(
        "acquireDomainLock", "resolveRepository", "resolveStore", "readBackupChain", "releaseDomainLock");
  }

  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        Arguments.of("neither as nor in place",
            new RestoreRequest("vm1", BACKUP_ID, null, null, null, null, null, null, null, null)),
        Arguments.of("in place set to false",
            new RestoreRequest("vm1", BACKUP_ID, null, false, false, null, null, null, null, null)),
        Arguments.of("as together with in place",
            new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", null, true, null, null, null, null, null)),
        Arguments.of("as together with memory",
            new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", true, null, null, null, null, null, null)),
        Arguments.of("backup id with a path",
            new RestoreRequest("vm1", "2026/../x", "vm1-copy", null, null, null, null, null, null, null)),
        Arguments.of("new name with a path",
            new RestoreRequest("vm1", BACKUP_ID, "../vm1", null, null, null, null, null, null, null)),
        Arguments.of("relative target directory",
            new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", null, null, "restore", null, null, null, null)),
        // A name without a '/' ("backups") is a repository name, which the host resolves; a relative path is neither.
        Arguments.of("relative repository",
            new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", null, null, null, null, null, "backups/daily", null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  void invalidRequestFailsBeforeAnyActivityRuns(String why, RestoreRequest request) {
    WorkflowFailedException failed = restoreFails(harness.newRestore(), request);

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.entries()).isEmpty();
    assertThat(host.defaultHostCalls).hasValue(0);
  }

  private static WorkflowFailedException restoreFails(RestoreWorkflow workflow, RestoreRequest request) {
    Throwable thrown = catchThrowable(() -> workflow.restore(request));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (WorkflowFailedException) thrown;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> part : parts) {
      all.addAll(part);
    }
    return all;
  }
}
