package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.Fixtures.BACKUP_ID;
import static dev.vmbackup.workflows.Fixtures.manifest;
import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.StoreIngestRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.client.WorkflowFailedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decisions around store repositories: a backup is made and verified in the store's staging
 * directory, then put into the store and removed from staging, with its removal from the store
 * registered first; a restore unpacks the backup into staging first and removes it when it ends, however
 * it ends.
 */
class StoreWorkflowTest {
  private static final String STAGING = "/var/lib/vmbackup/staging/offsite";

  private WorkflowHarness harness;
  private FakeHost host;
  private Journal journal;

  @BeforeEach
  void startService() {
    harness = new WorkflowHarness();
    host = harness.host;
    journal = harness.journal();
  }

  @AfterEach
  void stopService() {
    harness.close();
  }

  @Test
  void aBackupIntoAStoreIsVerifiedInStagingThenStoredThenRemovedFromStaging() {
    host.domain = inStore(Fixtures.domain(DomainState.SHUTOFF));

    BackupResult result = harness.newBackup().backup(
        new BackupRequest("vm1", "h1", CaptureMode.CRASH, "offsite", Strategy.FULL));

    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory",
        "copyToRepository", "verifyBackup", "ingestIntoStore", "discardBackup", "releaseDomainLock");
    String backupId = result.backupId();
    assertThat(journal.onlyArgument("ingestIntoStore", StoreIngestRequest.class))
        .isEqualTo(new StoreIngestRequest("offsite", STAGING, "vm1", backupId));
    DiscardBackupRequest discard = journal.onlyArgument("discardBackup", DiscardBackupRequest.class);
    assertThat(discard.repository()).isEqualTo(STAGING);
    assertThat(discard.backupId()).isEqualTo(backupId);
    assertThat(result.path()).isEqualTo("store:offsite/id-" + backupId);
    assertThat(result.verified()).isTrue();
  }

  @Test
  void aFailedStoreStepRemovesWhatItMayHaveCommittedAndTheStagedBackup() {
    host.domain = inStore(Fixtures.domain(DomainState.SHUTOFF));
    host.failNonRetryable("ingestIntoStore", FailureType.VERIFICATION_FAILED);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class, () -> harness.newBackup()
        .backup(new BackupRequest("vm1", "h1", CaptureMode.CRASH, "offsite", Strategy.FULL)));

    assertThat(failureType(failed)).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory",
        "copyToRepository", "verifyBackup", "ingestIntoStore", "forgetStoreBackup", "discardBackup",
        "releaseDomainLock");
  }

  @Test
  void aStrategyOtherThanFullIntoAStoreIsRefusedBeforeAnythingIsPrepared() {
    host.domain = inStore(Fixtures.domain(DomainState.RUNNING));

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class, () -> harness.newBackup()
        .backup(new BackupRequest("vm1", "h1", CaptureMode.CRASH, "offsite", Strategy.INCREMENTAL)));

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "releaseDomainLock");
  }

  @Test
  void aRestoreFromAStoreUnpacksIntoStagingFirstAndRemovesItAfterwards() {
    host.store = "offsite";
    host.manifest = manifest(false);

    harness.newRestore().restore(asNew("offsite", Map.of()));

    assertThat(journal.methods()).containsExactly("acquireDomainLock", "resolveRepository", "resolveStore",
        "unpackFromStore", "readBackupChain", "verifyBackup", "checkRestoreTargets", "copyFromRepository",
        "defineRestoredDomain", "startDomain", "discardBackup", "releaseDomainLock");
    assertThat(journal.onlyArgument("unpackFromStore", StoreIngestRequest.class))
        .isEqualTo(new StoreIngestRequest("offsite", "offsite", "vm1", BACKUP_ID));
    assertThat(journal.onlyArgument("discardBackup", DiscardBackupRequest.class).backupId()).isEqualTo(BACKUP_ID);
  }

  @Test
  void aFailedRestoreFromAStoreRemovesTheUnpackedCopyToo() {
    host.store = "offsite";
    host.manifest = manifest(false);
    host.failNonRetryable("defineRestoredDomain", FailureType.HYPERVISOR_REFUSED);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> harness.newRestore().restore(asNew("offsite", Map.of())));

    assertThat(failureType(failed)).isEqualTo(FailureType.HYPERVISOR_REFUSED.name());
    assertThat(journal.methods()).containsSubsequence("unpackFromStore", "defineRestoredDomain", "undefineDomain",
        "deleteRestoredFiles", "discardBackup", "releaseDomainLock");
  }

  @Test
  void diskPointsFromAStoreAreRefusedBeforeAnythingIsUnpacked() {
    host.store = "offsite";
    host.manifest = manifest(false);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> harness.newRestore().restore(asNew("offsite", Map.of("vdb", "20261121T221500Z"))));

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "resolveRepository", "resolveStore",
        "releaseDomainLock");
  }

  @Test
  void upkeepSyncsOffSiteThenVerifiesThenCollects() {
    StoreMaintenanceResult result = harness.newStoreMaintenance().maintain(
        new StoreMaintenanceRequest("vault", "h1", "offsite", 10, 7L, 24));

    assertThat(journal.methods()).containsExactly("syncStore", "verifyStore", "collectStoreGarbage");
    assertThat(result.sync().target()).isEqualTo("offsite");
    assertThat(result.verify().ok()).isTrue();
    assertThat(result.collection().deletedChunks()).isEqualTo(3);
    assertThat(result.host()).isEqualTo("h1");
  }

  @Test
  void upkeepRunsOnlyThePartsAskedFor() {
    StoreMaintenanceResult result = harness.newStoreMaintenance().maintain(
        new StoreMaintenanceRequest("vault", "h1", null, 100, null, null));

    assertThat(journal.methods()).containsExactly("verifyStore");
    assertThat(result.sync()).isNull();
    assertThat(result.collection()).isNull();
  }

  @Test
  void damageFoundByTheVerificationFailsTheRunAfterTheCollection() {
    host.storeVerify = new StoreMaintenanceResult.Verify(2, 20, 20, List.of("chunks/ab/abcd: corrupt"),
        List.of("vm1 20261122T221500Z"));

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class, () -> harness
        .newStoreMaintenance().maintain(new StoreMaintenanceRequest("vault", "h1", null, 100, null, 24)));

    assertThat(failureType(failed)).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(journal.methods()).containsExactly("verifyStore", "collectStoreGarbage");
  }

  @Test
  void upkeepRequestsThatCouldHarmOrDoNothingAreRefusedBeforeAnyStep() {
    for (StoreMaintenanceRequest bad : List.of(
        new StoreMaintenanceRequest("vault", "h1", null, null, null, 0),
        new StoreMaintenanceRequest("vault", "h1", null, 101, null, null),
        new StoreMaintenanceRequest("vault", "h1", "vault", null, null, null),
        new StoreMaintenanceRequest("vault", "h1", null, null, null, null),
        new StoreMaintenanceRequest("/srv/vault", "h1", null, 10, null, null))) {
      WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
          () -> harness.newStoreMaintenance().maintain(bad));
      assertThat(failureType(failed)).as(bad.toString()).isEqualTo(FailureType.INVALID_INPUT.name());
    }
    assertThat(journal.methods()).isEmpty();
  }

  @Test
  void aDomainOfARepositoryOfKindFilesTravelsWithoutTheStoreField() {
    // A workflow worker of a build before stores refuses unknown fields: during a rolling upgrade it still
    // reads inspection results of new host workers (RollingUpgradeE2ETest).
    var converter = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE;
    String files = converter.toPayload(Fixtures.domain(DomainState.RUNNING)).orElseThrow().getData().toStringUtf8();
    String store = converter.toPayload(inStore(Fixtures.domain(DomainState.RUNNING))).orElseThrow().getData()
        .toStringUtf8();
    assertThat(files).doesNotContain("\"store\"");
    assertThat(store).contains("\"store\":\"offsite\"");
  }

  private static DomainInfo inStore(DomainInfo domain) {
    return new DomainInfo(domain.name(), domain.uuid(), domain.state(), domain.persistent(), domain.disks(),
        domain.skippedDisks(), domain.agentAvailable(), domain.nvram(), STAGING, "offsite");
  }

  private static RestoreRequest asNew(String repository, Map<String, String> diskPoints) {
    return new RestoreRequest("vm1", BACKUP_ID, "vm1-copy", null, null, "/srv/restore", null, null, repository,
        null, null, diskPoints);
  }
}
