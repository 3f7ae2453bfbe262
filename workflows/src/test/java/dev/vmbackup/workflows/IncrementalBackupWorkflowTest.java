package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decisions of the {@code incremental} and {@code differential} strategies, backup after backup,
 * against a fake host whose checkpoints, bitmaps and repository change as real ones would (see
 * {@link IncrementalFakes}); the chain decision is the real {@link IncrementalDecisions}'s.
 */
class IncrementalBackupWorkflowTest {
  private static final BackupRequest INCREMENTAL =
      new BackupRequest("vm1", "h1", null, null, Strategy.INCREMENTAL);
  private static final BackupRequest DIFFERENTIAL =
      new BackupRequest("vm1", "h1", null, null, Strategy.DIFFERENTIAL);

  private WorkflowHarness harness;
  private FakeHost host;
  private IncrementalFakes fakes;
  private Journal journal;

  @BeforeEach
  void startService() {
    harness = new WorkflowHarness();
    host = harness.host;
    fakes = harness.incremental;
    journal = harness.journal();
    host.domain = IncrementalFakes.domain(DomainState.RUNNING);
  }

  @AfterEach
  void stopService() {
    harness.close();
  }

  @Test
  void firstBackupIsAFullOneThatCreatesTheFirstCheckpoint() {
    BackupResult result = backup(INCREMENTAL);

    assertThat(journal.methods()).containsExactly(
        "acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "planIncrementalBackup", "runBackupJob",
        "publishIncrementalBackup", "verifyBackup", "releaseDomainLock");
    String id = result.backupId();
    String partial = FakeHost.DEFAULT_REPOSITORY + "/vm1/" + id + ".partial";
    BackupJobRequest plan = journal.onlyArgument("runBackupJob", BackupJobRequest.class);
    assertThat(plan.checkpoint()).isEqualTo("vmbackup-" + id);
    assertThat(plan.incrementalFrom()).isNull();
    assertThat(plan.partialDir()).isEqualTo(partial);
    assertThat(plan.capture()).isEqualTo(CaptureMode.QUIESCE);
    assertThat(plan.disks()).containsExactly(
        new IncrementalDisk("vda", Fixtures.IMAGES + "/vm1-vda.qcow2", "qcow2", IncrementalFakes.SIZE,
            partial + "/vda.qcow2", null),
        new IncrementalDisk("vdb", Fixtures.IMAGES + "/vm1-vdb.qcow2", "qcow2", IncrementalFakes.SIZE,
            partial + "/vdb.qcow2", null));
    PublishIncrementalRequest publish = journal.onlyArgument("publishIncrementalBackup", PublishIncrementalRequest.class);
    assertThat(publish.header().parentBackupId()).isNull();
    assertThat(publish.checkpoint()).isEqualTo("vmbackup-" + id);
    assertThat(publish.header().strategy()).isEqualTo(Strategy.INCREMENTAL);
    assertThat(publish.bytesTransferred()).isEqualTo(2 * 4096);
    assertThat(result.strategy()).isEqualTo(Strategy.INCREMENTAL);
    assertThat(result.bytesCopied()).isEqualTo(2 * 4096);
    assertThat(result.warnings()).isEmpty();
    assertThat(journal.onlyArgument("planIncrementalBackup", IncrementalDecisionRequest.class).fullEvery())
        .isEqualTo(BackupRequest.DEFAULT_FULL_EVERY);
  }

  @Test
  void laterBackupsCopyTheChangesSinceTheirParentIntoImagesBackedByTheParentsImages() {
    String full = backup(INCREMENTAL).backupId();
    String first = backup(INCREMENTAL).backupId();
    String second = backup(INCREMENTAL).backupId();

    List<BackupJobRequest> plans = journal.arguments("runBackupJob", BackupJobRequest.class);
    assertThat(plans).extracting(BackupJobRequest::incrementalFrom)
        .containsExactly(null, "vmbackup-" + full, "vmbackup-" + first);
    assertThat(plans).extracting(BackupJobRequest::checkpoint)
        .containsExactly("vmbackup-" + full, "vmbackup-" + first, "vmbackup-" + second);
    assertThat(plans.get(2).disks()).extracting(IncrementalDisk::backingFile)
        .containsExactly("../" + first + "/vda.qcow2", "../" + first + "/vdb.qcow2");
    assertThat(journal.arguments("publishIncrementalBackup", PublishIncrementalRequest.class))
        .extracting(request -> request.header().parentBackupId()).containsExactly(null, full, first);
    // Nothing is stale yet: the full backup's checkpoint and the newest one are both kept.
    assertThat(journal.methods()).doesNotContain("deleteCheckpoints");

    // The fourth backup no longer needs the first incremental's checkpoint: it goes before the job.
    String third = backup(INCREMENTAL).backupId();
    assertThat(journal.onlyArgument("deleteCheckpoints", CheckpointDeletion.class).checkpoints())
        .containsExactly("vmbackup-" + first);
    assertThat(fakes.checkpoints).extracting(c -> c.name())
        .containsExactly("vmbackup-" + full, "vmbackup-" + second, "vmbackup-" + third);
    assertThat(journal.methods()).containsSubsequence("planIncrementalBackup", "deleteCheckpoints", "runBackupJob");
  }

  @Test
  void differentialsBuildOnTheLastFullBackupAndCreateNoCheckpoint() {
    String full = backup(DIFFERENTIAL).backupId();
    String first = backup(DIFFERENTIAL).backupId();
    String second = backup(DIFFERENTIAL).backupId();

    List<BackupJobRequest> plans = journal.arguments("runBackupJob", BackupJobRequest.class);
    assertThat(plans).extracting(BackupJobRequest::incrementalFrom)
        .containsExactly(null, "vmbackup-" + full, "vmbackup-" + full);
    assertThat(plans).extracting(BackupJobRequest::checkpoint).containsExactly("vmbackup-" + full, null, null);
    assertThat(plans.get(2).disks()).extracting(IncrementalDisk::backingFile)
        .containsExactly("../" + full + "/vda.qcow2", "../" + full + "/vdb.qcow2");
    assertThat(fakes.backup(first).parentBackupId()).isEqualTo(full);
    assertThat(fakes.backup(second).parentBackupId()).isEqualTo(full);
    assertThat(fakes.backup(second).checkpoint()).isNull();
  }

  @Test
  void anIncrementalAfterDifferentialsGoesOnFromTheNewestCheckpoint() {
    String full = backup(INCREMENTAL).backupId();
    backup(DIFFERENTIAL);
    backup(INCREMENTAL);

    BackupJobRequest last = journal.arguments("runBackupJob", BackupJobRequest.class).get(2);
    assertThat(last.incrementalFrom()).isEqualTo("vmbackup-" + full);
    assertThat(last.disks().get(0).backingFile()).isEqualTo("../" + full + "/vda.qcow2");
  }

  @Test
  void fullEveryStartsANewChainAfterThatManyIncrementalsAndDeletesTheOldCheckpoints() {
    BackupRequest request = new BackupRequest("vm1", "h1", null, null, Strategy.INCREMENTAL, 2, null);
    String full = backup(request).backupId();
    String first = backup(request).backupId();
    String second = backup(request).backupId();
    BackupResult newFull = backup(request);

    BackupJobRequest plan = journal.arguments("runBackupJob", BackupJobRequest.class).get(3);
    assertThat(plan.incrementalFrom()).isNull();
    assertThat(plan.disks()).extracting(IncrementalDisk::backingFile).containsOnlyNulls();
    assertThat(newFull.warnings())
        .containsExactly("new full backup: 2 incrementals since full backup " + full + " (fullEvery 2)");
    assertThat(fakes.backup(newFull.backupId()).parentBackupId()).isNull();
    assertThat(fakes.backup(newFull.backupId()).warnings()).isEqualTo(newFull.warnings());
    assertThat(journal.arguments("deleteCheckpoints", CheckpointDeletion.class).get(0).checkpoints())
        .containsExactlyInAnyOrder("vmbackup-" + full, "vmbackup-" + first, "vmbackup-" + second);
    assertThat(fakes.checkpoints).extracting(c -> c.name()).containsExactly("vmbackup-" + newFull.backupId());
  }

  @Test
  void fullEveryCountsDifferentialsSinceTheFullBackup() {
    BackupRequest request = new BackupRequest("vm1", "h1", null, null, Strategy.DIFFERENTIAL, 1, null);
    String full = backup(request).backupId();
    backup(request);
    BackupResult newFull = backup(request);

    assertThat(newFull.warnings())
        .containsExactly("new full backup: 1 differentials since full backup " + full + " (fullEvery 1)");
    assertThat(fakes.backup(newFull.backupId()).checkpoint()).isEqualTo("vmbackup-" + newFull.backupId());
  }

  /** Something found before an incremental that stops the chain from going on. */
  record Stale(String name, Consumer<IncrementalFakes> breakIt, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Stale> staleConditions() {
    return Stream.of(
        new Stale("checkpoint deleted behind vmbackup's back",
            fakes -> fakes.deleteCheckpoint(fakes.checkpoints.get(0).name()),
            "checkpoint vmbackup-%s of backup %s no longer exists in libvirt"),
        new Stale("bitmap missing on a disk",
            fakes -> fakes.bitmaps.put("vdb", List.of()),
            "bitmap vmbackup-%s of checkpoint vmbackup-%s is missing on disk vdb ("
                + Fixtures.IMAGES + "/vm1-vdb.qcow2)"),
        new Stale("disk resized", fakes -> fakes.sizes.put("vda", 2L << 30),
            "disk vda was resized since backup %s (from 1073741824 to 2147483648 bytes)"),
        new Stale("parent failed verification", fakes -> {
          Manifest parent = fakes.repository.remove(0);
          fakes.repository.add(parent.withVerification(new Verification("2026-11-23T00:00:00Z", false)));
        }, "backup %s failed verification"),
        new Stale("parent never verified", fakes -> {
          Manifest parent = fakes.repository.remove(0);
          fakes.repository.add(parent.withVerification(null));
        }, "backup %s was never verified"),
        new Stale("parent's files damaged", fakes -> fakes.problems.put(fakes.repository.get(0).backupId(),
            "vda.qcow2: missing"), "backup %s is damaged (vda.qcow2: missing)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("staleConditions")
  void eachStaleConditionStartsACleanNewFullBackupAndSaysWhy(Stale stale) {
    String parent = backup(INCREMENTAL).backupId();
    stale.breakIt().accept(fakes);

    BackupResult result = backup(INCREMENTAL);

    String reason = "new full backup: " + stale.reason().replace("%s", parent);
    assertThat(result.warnings()).containsExactly(reason);
    assertThat(fakes.backup(result.backupId()).warnings()).containsExactly(reason);
    BackupJobRequest plan = journal.arguments("runBackupJob", BackupJobRequest.class).get(1);
    assertThat(plan.incrementalFrom()).isNull();
    assertThat(plan.checkpoint()).isEqualTo("vmbackup-" + result.backupId());
    assertThat(plan.disks()).extracting(IncrementalDisk::backingFile).containsOnlyNulls();
    assertThat(fakes.backup(result.backupId()).parentBackupId()).isNull();
    // The stale checkpoint of the abandoned chain is deleted before the new one is created.
    assertThat(fakes.checkpoints).extracting(c -> c.name()).containsExactly("vmbackup-" + result.backupId());
  }

  @Test
  void anAddedDiskStartsANewFullBackup() {
    String parent = backup(INCREMENTAL).backupId();
    DomainInfo before = host.domain;
    List<DiskInfo> disks = new ArrayList<>(before.disks());
    disks.add(new DiskInfo("vdc", Fixtures.IMAGES + "/vm1-vdc.qcow2", "qcow2", List.of()));
    host.domain = new DomainInfo(before.name(), before.uuid(), before.state(), true, disks, List.of(), true, null,
        before.repository());

    BackupResult result = backup(INCREMENTAL);

    assertThat(result.warnings()).containsExactly("new full backup: disk vdc was added since backup " + parent);
    assertThat(journal.arguments("runBackupJob", BackupJobRequest.class).get(1).disks()).hasSize(3);
  }

  @Test
  void aRawDiskIsRefusedWithOneClearLine() {
    host.domain = Fixtures.domain(DomainState.RUNNING);

    WorkflowFailedException failed = backupFails(INCREMENTAL);

    assertThat(failureType(failed)).isEqualTo(FailureType.UNSUPPORTED_DISK.name());
    assertThat(rootMessage(failed)).contains("vdb (raw " + Fixtures.VDB + ")").contains("--allow-full-fallback")
        .doesNotContain("\n");
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory",
        "planIncrementalBackup", "discardBackup", "releaseDomainLock");
  }

  @Test
  void aRawDiskIsCopiedInFullEveryTimeWhenAllowed() {
    host.domain = Fixtures.domain(DomainState.RUNNING);
    BackupRequest request = new BackupRequest("vm1", "h1", null, null, Strategy.INCREMENTAL, null, true);

    backup(request);
    BackupResult second = backup(request);

    List<BackupJobRequest> plans = journal.arguments("runBackupJob", BackupJobRequest.class);
    assertThat(plans).extracting(BackupJobRequest::checkpoint).containsOnlyNulls();
    assertThat(plans).extracting(BackupJobRequest::incrementalFrom).containsOnlyNulls();
    assertThat(plans.get(1).disks()).extracting(IncrementalDisk::file)
        .containsExactly(second.path() + ".partial/vda.qcow2", second.path() + ".partial/vdb.raw");
    assertThat(second.warnings()).containsExactly("not backed up: " + Fixtures.SKIPPED, "every backup of vm1 is a full"
        + " copy: libvirt cannot track the changes of vdb (raw " + Fixtures.VDB + ") (allowFullFallback)");
  }

  @Test
  void memoryCaptureIsRefusedBeforeAnythingRuns() {
    WorkflowFailedException failed = backupFails(new BackupRequest("vm1", "h1", CaptureMode.MEMORY, null,
        Strategy.INCREMENTAL));

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.entries()).isEmpty();
  }

  @Test
  void negativeFullEveryIsRefused() {
    WorkflowFailedException failed =
        backupFails(new BackupRequest("vm1", "h1", null, null, Strategy.DIFFERENTIAL, -1, null));

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
  }

  @Test
  void aShutOffVmIsCopiedAsAStandaloneFullBackupAndTheChainGoesOnAfterwards() {
    String full = backup(INCREMENTAL).backupId();
    host.domain = IncrementalFakes.domain(DomainState.SHUTOFF);

    BackupResult offline = backup(INCREMENTAL);

    assertThat(journal.methods().subList(8, journal.methods().size())).containsExactly(
        "acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "copyToRepository", "verifyBackup",
        "releaseDomainLock");
    assertThat(journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class).offline()).isTrue();
    assertThat(offline.warnings()).anySatisfy(w -> assertThat(w).contains("standalone full copy"));

    host.domain = IncrementalFakes.domain(DomainState.RUNNING);
    backup(INCREMENTAL);
    assertThat(journal.arguments("runBackupJob", BackupJobRequest.class).get(1).incrementalFrom())
        .isEqualTo("vmbackup-" + full);
  }

  @Test
  void quiesceWithoutAgentIsRecordedAsCrash() {
    DomainInfo running = host.domain;
    host.domain = new DomainInfo(running.name(), running.uuid(), running.state(), true, running.disks(), List.of(),
        false, null, running.repository());

    BackupResult result = backup(INCREMENTAL);

    assertThat(journal.onlyArgument("runBackupJob", BackupJobRequest.class).agentAvailable()).isFalse();
    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(journal.onlyArgument("publishIncrementalBackup", PublishIncrementalRequest.class).header().capture())
        .isEqualTo(CaptureMode.CRASH);
  }

  /** A step that fails, and what runs then: the step itself, then the undo of each step reached, newest first. */
  record FailureCase(String name, String method, List<String> journal) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<FailureCase> failures() {
    List<String> start = List.of("acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "planIncrementalBackup");
    return Stream.of(
        new FailureCase("plan", "planIncrementalBackup",
            concat(start, List.of("discardBackup", "releaseDomainLock"))),
        new FailureCase("stale checkpoint deletion", "deleteCheckpoints",
            concat(start, List.of("deleteCheckpoints", "discardBackup", "releaseDomainLock"))),
        new FailureCase("backup job", "runBackupJob",
            concat(start, List.of("deleteCheckpoints", "runBackupJob", "cancelBackupJob", "discardBackup",
                "releaseDomainLock"))),
        new FailureCase("publish", "publishIncrementalBackup",
            concat(start, List.of("deleteCheckpoints", "runBackupJob", "publishIncrementalBackup", "cancelBackupJob",
                "discardBackup", "releaseDomainLock"))),
        new FailureCase("verify", "verifyBackup",
            concat(start, List.of("deleteCheckpoints", "runBackupJob", "publishIncrementalBackup", "verifyBackup",
                "cancelBackupJob", "discardBackup", "releaseDomainLock"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailedStepUndoesEveryStepReachedNewestFirst(FailureCase failure) {
    // An orphan checkpoint (of a backup that never completed) makes the plan delete one before the job.
    fakes.checkpoints.add(new dev.vmbackup.workflows.model.CheckpointState("vmbackup-20200101T000000Z",
        java.util.Map.of("vda", "vmbackup-20200101T000000Z", "vdb", "vmbackup-20200101T000000Z")));
    host.failNonRetryable(failure.method(), FailureType.REPOSITORY_FULL);

    WorkflowFailedException failed = backupFails(INCREMENTAL);

    assertThat(failureType(failed)).isEqualTo(FailureType.REPOSITORY_FULL.name());
    assertThat(journal.methods()).containsExactlyElementsOf(failure.journal());
    // The backup that did not complete leaves no checkpoint behind.
    assertThat(fakes.checkpoints).extracting(c -> c.name()).allMatch(name -> name.equals("vmbackup-20200101T000000Z")
        || !failure.journal().contains("deleteCheckpoints"));
    assertThat(fakes.repository).isEmpty();
  }

  @Test
  void theCompensationGetsTheSamePlanAsTheJob() {
    host.failNonRetryable("runBackupJob", FailureType.DOMAIN_STATE);

    backupFails(INCREMENTAL);

    assertThat(journal.onlyArgument("cancelBackupJob", BackupJobRequest.class))
        .isEqualTo(journal.onlyArgument("runBackupJob", BackupJobRequest.class));
    assertThat(fakes.checkpoints).isEmpty();
  }

  @Test
  void aFailedIncrementalLeavesTheChainToGoOnFromItsParent() {
    String full = backup(INCREMENTAL).backupId();
    host.failNonRetryable("publishIncrementalBackup", FailureType.REPOSITORY_FULL);
    backupFails(INCREMENTAL);
    host.failRetryable("publishIncrementalBackup", 0);

    BackupResult next = backup(INCREMENTAL);

    assertThat(next.warnings()).isEmpty();
    assertThat(fakes.backup(next.backupId()).parentBackupId()).isEqualTo(full);
    assertThat(next.parentBackupId()).as("the result names the parent too").isEqualTo(full);
  }

  @Test
  void cancellationDuringTheJobAbortsItAndDeletesItsCheckpoint() throws InterruptedException {
    FakeHost.Gate job = host.block("runBackupJob");
    BackupWorkflow workflow = harness.newBackup();
    WorkflowClient.start(workflow::backup, INCREMENTAL);
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);

    job.awaitEntered();
    stub.cancel();
    Throwable thrown = catchThrowable(() -> stub.getResult(BackupResult.class));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory",
        "planIncrementalBackup", "runBackupJob", "cancelBackupJob", "discardBackup", "releaseDomainLock");
  }

  @Test
  void statusShowsTheJobStep() throws InterruptedException {
    FakeHost.Gate job = host.block("runBackupJob");
    BackupWorkflow workflow = harness.newBackup();
    WorkflowClient.start(workflow::backup, INCREMENTAL);

    job.awaitEntered();
    String workflowId = WorkflowStub.fromTyped(workflow).getExecution().getWorkflowId();
    assertThat(harness.client.newWorkflowStub(BackupWorkflow.class, workflowId).status().step()).isEqualTo("backup");
    job.open();
    WorkflowStub.fromTyped(workflow).getResult(BackupResult.class);
  }

  /** One backup; the clock moves on so that the next gets another id. */
  private BackupResult backup(BackupRequest request) {
    BackupResult result = harness.newBackup().backup(request);
    harness.env.sleep(Duration.ofSeconds(10));
    return result;
  }

  private WorkflowFailedException backupFails(BackupRequest request) {
    Throwable thrown = catchThrowable(() -> harness.newBackup().backup(request));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    harness.env.sleep(Duration.ofSeconds(10));
    return (WorkflowFailedException) thrown;
  }

  private static String rootMessage(Throwable failure) {
    String message = failure.getMessage();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof io.temporal.failure.ApplicationFailure application) {
        message = application.getOriginalMessage();
      }
    }
    return message;
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
