package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.Fixtures.UUID_VM1;
import static dev.vmbackup.workflows.Fixtures.VDA;
import static dev.vmbackup.workflows.Fixtures.VDA_BASE;
import static dev.vmbackup.workflows.Fixtures.VDB;
import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainRecord;
import dev.vmbackup.workflows.model.ChainRecord.ChainTop;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decisions of strategy {@code chain} ({@link ChainBackup}): first run, later runs, a new chain when
 * the old one was changed outside vmbackup, consolidation, capture saved-state, and what is undone when
 * a step fails. The host is a {@link FakeHost}.
 */
class ChainBackupWorkflowTest {
  /** Two earlier chain backups of vm1. */
  static final String FIRST = "20261120T100000Z";
  static final String SECOND = "20261120T110000Z";
  static final long GIB = 1L << 30;

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

  static String vdaOverlay(String id) {
    return VDA + ".vmbackup-chain-" + id + ".qcow2";
  }

  static String vdbOverlay(String id) {
    return VDB + ".vmbackup-chain-" + id + ".qcow2";
  }

  /** vm1 after chain backups {@code ids} (oldest first): each disk on the newest overlay, the older ones below. */
  static DomainInfo onChain(String... ids) {
    return new DomainInfo("vm1", UUID_VM1, DomainState.RUNNING, true,
        List.of(diskOnChain("vda", VDA, "qcow2", List.of(new ImageLayer(VDA_BASE, "qcow2")), ids),
            diskOnChain("vdb", VDB, "raw", List.of(), ids)),
        List.of(), true, null, FakeHost.DEFAULT_REPOSITORY);
  }

  private static DiskInfo diskOnChain(String target, String image, String format, List<ImageLayer> below,
      String... ids) {
    if (ids.length == 0) {
      return new DiskInfo(target, image, format, below);
    }
    List<ImageLayer> backing = new ArrayList<>();
    for (int i = ids.length - 2; i >= 0; i--) {
      backing.add(new ImageLayer(image + ".vmbackup-chain-" + ids[i] + ".qcow2", "qcow2"));
    }
    backing.add(new ImageLayer(image, format));
    backing.addAll(below);
    return new DiskInfo(target, image + ".vmbackup-chain-" + ids[ids.length - 1] + ".qcow2", "qcow2", backing);
  }

  /** The manifest a chain backup {@code id} wrote, which left vm1 as {@code onChain(...ids, id)}. */
  static Manifest chainManifest(String id, String parent, DomainInfo leftOn) {
    List<ChainTop> tops = new ArrayList<>();
    List<ManifestDisk> disks = new ArrayList<>();
    for (DiskInfo disk : leftOn.disks()) {
      tops.add(new ChainTop(disk.target(), disk.source(), disk.backingChain().stream().map(ImageLayer::path).toList()));
      disks.add(new ManifestDisk(disk.target(), disk.target() + ".qcow2", "qcow2", GIB, 4096, "0".repeat(64),
          disk.backingChain().get(0).path(), List.of()));
    }
    return new Manifest(Manifest.FORMAT_VERSION, "vm1", UUID_VM1, "h1", id, "2026-11-20T10:00:00Z",
        "2026-11-20T10:01:00Z", Strategy.CHAIN, CaptureMode.QUIESCE, CaptureMode.QUIESCE, List.of(), disks, null,
        new ManifestFile("domain.xml", 100, "e".repeat(64)), null, new Verification("2026-11-20T10:02:00Z", true),
        parent, null, new ChainRecord(tops), null);
  }

  static ChainState state(Manifest head) {
    return new ChainState(head, List.of(), Map.of("vda", GIB, "vdb", GIB));
  }

  private static BackupRequest chain(CaptureMode capture) {
    return new BackupRequest("vm1", "h1", capture, null, Strategy.CHAIN);
  }

  private String backupId() {
    return BackupIds.next(journal.onlyArgument("prepareBackupDirectory", PrepareBackupRequest.class).proposedBackupId());
  }

  @Test
  void firstRunFreezesEveryDiskOntoANewOverlayCopiesTheWholeChainAndMergesNothing() {
    host.domain = Fixtures.domain(DomainState.RUNNING);

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.QUIESCE));

    assertThat(journal.entries()).containsExactly(
        "acquireDomainLock(vm1)",
        "pullDeletedLayers(vm1)",
        "inspectDomain(vm1)",
        "prepareBackupDirectory(vm1)",
        "readChainState(vm1)",
        "createExternalSnapshot(vm1)",
        "copyToRepository(vm1)",
        "verifyBackup(record=true)",
        "releaseDomainLock(vm1)");
    String id = backupId();
    ChainStateRequest asked = journal.onlyArgument("readChainState", ChainStateRequest.class);
    assertThat(asked.repository()).isEqualTo(FakeHost.DEFAULT_REPOSITORY);
    assertThat(asked.disks()).isEqualTo(host.domain.disks());

    SnapshotRequest plan = journal.onlyArgument("createExternalSnapshot", SnapshotRequest.class);
    assertThat(plan.overlays()).containsExactly(
        new DiskOverlay("vda", VDA, "qcow2", vdaOverlay(id)), new DiskOverlay("vdb", VDB, "raw", vdbOverlay(id)));

    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.header().strategy()).isEqualTo(Strategy.CHAIN);
    assertThat(copy.disks()).as("a new chain copies every frozen layer").isEqualTo(host.domain.disks());
    assertThat(copy.header().parentBackupId()).isNull();
    assertThat(copy.chain().disks()).containsExactly(
        new ChainTop("vda", vdaOverlay(id), List.of(VDA, VDA_BASE)),
        new ChainTop("vdb", vdbOverlay(id), List.of(VDB)));
    assertThat(copy.header().warnings()).noneMatch(warning -> warning.startsWith("new chain"));

    assertThat(result.strategy()).isEqualTo(Strategy.CHAIN);
    assertThat(result.parentBackupId()).isNull();
    assertThat(result.verified()).isTrue();
  }

  @Test
  void laterRunCopiesOnlyTheLayerItFrozeAndNamesItsParent() {
    host.domain = onChain(FIRST, SECOND);
    host.chainState = state(chainManifest(SECOND, FIRST, onChain(FIRST, SECOND)));

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.CRASH));

    assertThat(journal.methods()).containsExactly("acquireDomainLock", "pullDeletedLayers", "inspectDomain", "prepareBackupDirectory",
        "readChainState", "createExternalSnapshot", "copyToRepository", "verifyBackup", "releaseDomainLock");
    String id = backupId();
    SnapshotRequest plan = journal.onlyArgument("createExternalSnapshot", SnapshotRequest.class);
    // Overlays are named after the VM's own image, not after the overlay they go on.
    assertThat(plan.overlays()).containsExactly(
        new DiskOverlay("vda", vdaOverlay(SECOND), "qcow2", vdaOverlay(id)),
        new DiskOverlay("vdb", vdbOverlay(SECOND), "qcow2", vdbOverlay(id)));

    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.disks()).as("only the layer just frozen").containsExactly(
        new DiskInfo("vda", vdaOverlay(SECOND), "qcow2", List.of()),
        new DiskInfo("vdb", vdbOverlay(SECOND), "qcow2", List.of()));
    assertThat(copy.header().parentBackupId()).isEqualTo(SECOND);
    assertThat(copy.chain().disks()).containsExactly(
        new ChainTop("vda", vdaOverlay(id), List.of(vdaOverlay(SECOND), vdaOverlay(FIRST), VDA, VDA_BASE)),
        new ChainTop("vdb", vdbOverlay(id), List.of(vdbOverlay(SECOND), vdbOverlay(FIRST), VDB)));
    assertThat(copy.header().warnings()).isEmpty();
    assertThat(result.parentBackupId()).isEqualTo(SECOND);
  }

  @Test
  void aChainOneIncrementalShortOfFullEveryGrowsByOne() {
    host.domain = onChain(FIRST, SECOND);
    host.chainState = new ChainState(chainManifest(SECOND, FIRST, onChain(FIRST, SECOND)), List.of(),
        Map.of("vda", GIB, "vdb", GIB), BackupRequest.DEFAULT_FULL_EVERY);

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.CRASH));

    assertThat(result.parentBackupId()).isEqualTo(SECOND);
    assertThat(result.warnings()).isEmpty();
  }

  /** Something changed since the head backup; the run must start a new chain and say why. */
  record Break(String name, Consumer<FakeHost> script, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Break> breaks() {
    DomainInfo leftOn = onChain(FIRST, SECOND);
    Manifest head = chainManifest(SECOND, FIRST, leftOn);
    return Stream.of(
        new Break("the top overlay was committed by hand", fake -> {
          fake.domain = onChain(FIRST);
          fake.chainState = state(head);
        }, "disk vda runs on " + vdaOverlay(FIRST)),
        new Break("a layer below was replaced by hand", fake -> {
          DiskInfo vda = leftOn.disks().get(0);
          fake.domain = withDisks(leftOn, List.of(
              new DiskInfo("vda", vda.source(), "qcow2", List.of(new ImageLayer(vdaOverlay(FIRST), "qcow2"),
                  new ImageLayer("/var/lib/libvirt/images/vm1-vda-copy.qcow2", "qcow2"),
                  new ImageLayer(VDA_BASE, "qcow2"))),
              leftOn.disks().get(1)));
          fake.chainState = state(head);
        }, "layers below disk vda's overlay changed outside vmbackup"),
        new Break("a disk was resized", fake -> {
          fake.domain = leftOn;
          fake.chainState = new ChainState(head, List.of(), Map.of("vda", 2 * GIB, "vdb", GIB));
        }, "disk vda was resized from 1073741824 to 2147483648 bytes"),
        new Break("a disk was added", fake -> {
          List<DiskInfo> disks = new ArrayList<>(leftOn.disks());
          disks.add(new DiskInfo("vdc", "/var/lib/libvirt/images/vm1-vdc.qcow2", "qcow2", List.of()));
          fake.domain = withDisks(leftOn, disks);
          fake.chainState = new ChainState(head, List.of(), Map.of("vda", GIB, "vdb", GIB, "vdc", GIB));
        }, "the disks changed"),
        new Break("the domain was redefined", fake -> {
          fake.domain = new DomainInfo("vm1", "00000000-0000-0000-0000-000000000001", DomainState.RUNNING, true,
              leftOn.disks(), List.of(), true, null, FakeHost.DEFAULT_REPOSITORY);
          fake.chainState = state(head);
        }, "now has UUID"),
        new Break("an earlier backup of the chain is missing", fake -> {
          fake.domain = leftOn;
          fake.chainState = new ChainState(head, List.of("backup " + SECOND + " builds on backup " + FIRST
              + ", which is missing"), Map.of("vda", GIB, "vdb", GIB));
        }, "which is missing"),
        new Break("the head was never verified", fake -> {
          fake.domain = leftOn;
          fake.chainState = state(head.withVerification(null));
        }, "never verified"),
        new Break("the chain holds fullEvery incrementals", fake -> {
          fake.domain = leftOn;
          fake.chainState = new ChainState(head, List.of(), Map.of("vda", GIB, "vdb", GIB),
              1 + BackupRequest.DEFAULT_FULL_EVERY);
        }, BackupRequest.DEFAULT_FULL_EVERY + " incrementals since the chain's full copy (fullEvery "
            + BackupRequest.DEFAULT_FULL_EVERY + ")"),
        new Break("a layer was deleted by hand while the VM ran", fake -> {
          // After the repair the VM's overlay is backed by its own image again, which alone would
          // look like a consolidated chain that may be continued.
          DiskInfo vda = leftOn.disks().get(0);
          fake.domain = withDisks(leftOn, List.of(
              new DiskInfo("vda", vda.source(), "qcow2", List.of(new ImageLayer(VDA, "qcow2"),
                  new ImageLayer(VDA_BASE, "qcow2"))),
              leftOn.disks().get(1)));
          fake.chainState = state(head);
          fake.repairs = List.of("layers [" + vdaOverlay(FIRST) + "] of disk vda were deleted outside vmbackup");
        }, "the running chain was repaired: layers [" + vdaOverlay(FIRST) + "] of disk vda were deleted"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breaks")
  void aChainChangedOutsideVmbackupStartsANewChainWithAFullCopyAndSaysWhy(Break change) {
    change.script().accept(host);

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.CRASH));

    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.header().parentBackupId()).isNull();
    assertThat(copy.disks()).as("every frozen layer is copied").isEqualTo(host.domain.disks());
    assertThat(copy.header().warnings()).anySatisfy(warning ->
        assertThat(warning).startsWith("new chain: ").contains(change.reason()));
    assertThat(result.parentBackupId()).isNull();
    assertThat(result.warnings()).anyMatch(warning -> warning.startsWith("new chain: "));
  }

  private static DomainInfo withDisks(DomainInfo domain, List<DiskInfo> disks) {
    return new DomainInfo(domain.name(), domain.uuid(), domain.state(), domain.persistent(), disks,
        domain.skippedDisks(), domain.agentAvailable(), domain.nvram(), domain.repository());
  }

  @Test
  void theChainConsolidatedByAnEarlierRunThatFailedIsStillContinued() {
    // Run 3 consolidated (vda and vdb on SECOND's overlay, directly on their own images), then failed.
    DomainInfo consolidated = onChain(SECOND);
    host.domain = consolidated;
    host.chainState = state(chainManifest(SECOND, FIRST, onChain(FIRST, SECOND)));

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.CRASH));

    assertThat(result.parentBackupId()).isEqualTo(SECOND);
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void aRunThatWouldExceedTheChainLengthConsolidatesFirst() {
    String third = "20261120T120000Z";
    host.domain = onChain(FIRST, SECOND, third);
    host.chainState = state(chainManifest(third, SECOND, onChain(FIRST, SECOND, third)));

    harness.newBackup().backup(new BackupRequest("vm1", "h1", CaptureMode.CRASH, null, Strategy.CHAIN, 3));

    assertThat(journal.methods()).containsExactly("acquireDomainLock", "pullDeletedLayers", "inspectDomain", "prepareBackupDirectory",
        "readChainState", "consolidate", "createExternalSnapshot", "copyToRepository", "verifyBackup",
        "releaseDomainLock");
    ConsolidateRequest consolidate = journal.onlyArgument("consolidate", ConsolidateRequest.class);
    assertThat(consolidate.disks()).containsExactly(
        new ConsolidateRequest.Disk("vda", vdaOverlay(third), List.of(vdaOverlay(SECOND), vdaOverlay(FIRST)), VDA),
        new ConsolidateRequest.Disk("vdb", vdbOverlay(third), List.of(vdbOverlay(SECOND), vdbOverlay(FIRST)), VDB));
    String id = backupId();
    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.header().parentBackupId()).as("consolidation does not break the chain").isEqualTo(third);
    assertThat(copy.disks()).extracting(DiskInfo::source).containsExactly(vdaOverlay(third), vdbOverlay(third));
    assertThat(copy.chain().disks()).containsExactly(
        new ChainTop("vda", vdaOverlay(id), List.of(vdaOverlay(third), VDA, VDA_BASE)),
        new ChainTop("vdb", vdbOverlay(id), List.of(vdbOverlay(third), VDB)));
  }

  @Test
  void aChainWithinItsLengthIsNotConsolidated() {
    String third = "20261120T120000Z";
    host.domain = onChain(FIRST, SECOND, third);
    host.chainState = state(chainManifest(third, SECOND, onChain(FIRST, SECOND, third)));

    harness.newBackup().backup(new BackupRequest("vm1", "h1", CaptureMode.CRASH, null, Strategy.CHAIN, 4));

    assertThat(journal.methods()).doesNotContain("consolidate");
  }

  @Test
  void theDefaultChainLengthIsSevenOverlays() {
    String[] six = {"20261120T010000Z", "20261120T020000Z", "20261120T030000Z", "20261120T040000Z",
        "20261120T050000Z", "20261120T060000Z"};
    host.domain = onChain(six);
    host.chainState = state(chainManifest(six[5], six[4], onChain(six)));
    harness.newBackup().backup(chain(CaptureMode.CRASH));
    assertThat(journal.methods()).doesNotContain("consolidate");

    String[] seven = java.util.Arrays.copyOf(six, 7);
    seven[6] = "20261120T070000Z";
    host.domain = onChain(seven);
    host.chainState = state(chainManifest(seven[6], seven[5], onChain(seven)));
    harness.newBackup().backup(chain(CaptureMode.CRASH));
    assertThat(journal.onlyArgument("consolidate", ConsolidateRequest.class).disks().get(0).layers()).hasSize(6);
  }

  /** Ids of {@code count} chain backups an hour apart, oldest first. */
  private static String[] hourly(int count) {
    String[] ids = new String[count];
    for (int i = 0; i < count; i++) {
      ids[i] = String.format("20261120T%02d0000Z", i + 1);
    }
    return ids;
  }

  /**
   * vm1 on the newest overlay of chain backups {@code ids}, the older overlays consolidated away, and the
   * repository holding all of them as one chain.
   */
  private void onConsolidatedChain(String... ids) {
    host.domain = onChain(ids[ids.length - 1]);
    Manifest head = chainManifest(ids[ids.length - 1], ids[ids.length - 2], onChain(ids));
    host.chainState = new ChainState(head, List.of(), Map.of("vda", GIB, "vdb", GIB), ids.length);
  }

  /** The markers of {@link ChainBackup#FULL_EVERY_CHANGE} in a workflow's history. */
  private List<HistoryEvent> fullEveryMarkers(String workflowId) {
    return harness.client.fetchHistory(workflowId).getEvents().stream()
        .filter(HistoryEvent::hasMarkerRecordedEventAttributes)
        .filter(marker -> marker.toString().contains(ChainBackup.FULL_EVERY_CHANGE)).toList();
  }

  @Test
  void aChainHoldingFullEveryIncrementalsStartsANewChainAndRecordsAVersionMarker() {
    String[] ids = hourly(1 + BackupRequest.DEFAULT_FULL_EVERY);
    onConsolidatedChain(ids);
    String workflowId = "backup-" + UUID.randomUUID();

    BackupResult result = harness.client.newWorkflowStub(BackupWorkflow.class, WorkflowHarness.options(workflowId))
        .backup(chain(CaptureMode.CRASH));

    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.header().parentBackupId()).isNull();
    assertThat(copy.disks()).as("a new chain copies every frozen layer").isEqualTo(host.domain.disks());
    assertThat(result.parentBackupId()).isNull();
    assertThat(result.warnings()).contains("new chain: 7 incrementals since the chain's full copy (fullEvery 7)");
    assertThat(fullEveryMarkers(workflowId)).hasSize(1);
    RecordedHistories.record(harness.client, workflowId, "BackupWorkflow-completed-chain-full-every");
  }

  @Test
  void aChainBelowFullEveryIsContinuedWithoutAVersionMarker() {
    String[] ids = hourly(BackupRequest.DEFAULT_FULL_EVERY);
    onConsolidatedChain(ids);
    String workflowId = "backup-" + UUID.randomUUID();

    BackupResult result = harness.client.newWorkflowStub(BackupWorkflow.class, WorkflowHarness.options(workflowId))
        .backup(chain(CaptureMode.CRASH));

    assertThat(result.parentBackupId()).isEqualTo(ids[ids.length - 1]);
    assertThat(result.warnings()).noneMatch(warning -> warning.startsWith("new chain"));
    assertThat(fullEveryMarkers(workflowId)).as("histories the rule does not change stay as they were").isEmpty();
  }

  /** A chain step that fails, and what must be undone, newest first. */
  record FailureCase(String name, Consumer<FakeHost> script, CaptureMode capture, List<String> journal) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<FailureCase> failures() {
    List<String> start = List.of("acquireDomainLock", "pullDeletedLayers", "inspectDomain", "prepareBackupDirectory", "readChainState");
    List<String> end = List.of("discardBackup", "releaseDomainLock");
    return Stream.of(
        new FailureCase("reading the chain state fails",
            fake -> fake.failNonRetryable("readChainState", FailureType.REPOSITORY_NOT_WRITABLE), CaptureMode.CRASH,
            concat(start, end)),
        new FailureCase("consolidation finds the chain changed",
            fake -> fake.failNonRetryable("consolidate", FailureType.DISK_CHAIN_CHANGED), CaptureMode.CRASH,
            concat(start, List.of("consolidate"), end)),
        new FailureCase("the snapshot is refused",
            fake -> fake.failNonRetryable("createExternalSnapshot", FailureType.HYPERVISOR_REFUSED), CaptureMode.CRASH,
            concat(start, List.of("consolidate", "createExternalSnapshot", "revertExternalSnapshot"), end)),
        new FailureCase("the copy fills the repository",
            fake -> fake.failNonRetryable("copyToRepository", FailureType.REPOSITORY_FULL), CaptureMode.CRASH,
            concat(start, List.of("consolidate", "createExternalSnapshot", "copyToRepository",
                "revertExternalSnapshot"), end)),
        new FailureCase("verification finds a mismatch",
            fake -> fake.verifyOk = false, CaptureMode.CRASH,
            concat(start, List.of("consolidate", "createExternalSnapshot", "copyToRepository", "verifyBackup",
                "revertExternalSnapshot"), end)),
        new FailureCase("saved-state: the save fails",
            fake -> fake.failNonRetryable("saveAndRestore", FailureType.HYPERVISOR_REFUSED), CaptureMode.SAVED_STATE,
            concat(start, List.of("consolidate", "saveAndRestore", "undoSaveAndRestore", "revertExternalSnapshot"),
                end)),
        new FailureCase("saved-state: the copy fails after the restore",
            fake -> fake.failNonRetryable("copyToRepository", FailureType.REPOSITORY_FULL), CaptureMode.SAVED_STATE,
            concat(start, List.of("consolidate", "saveAndRestore", "copyToRepository", "undoSaveAndRestore",
                "revertExternalSnapshot"), end)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailedChainStepUndoesWhatThisRunDidNewestFirst(FailureCase failure) {
    String third = "20261120T120000Z";
    host.domain = onChain(FIRST, SECOND, third);
    host.chainState = state(chainManifest(third, SECOND, onChain(FIRST, SECOND, third)));
    failure.script().accept(host);
    BackupWorkflow workflow = harness.newBackup();

    Throwable thrown = catchThrowable(() ->
        workflow.backup(new BackupRequest("vm1", "h1", failure.capture(), null, Strategy.CHAIN, 3)));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    assertThat(journal.methods()).containsExactlyElementsOf(failure.journal());
    List<SnapshotRequest> reverted = journal.arguments("revertExternalSnapshot", SnapshotRequest.class);
    if (!reverted.isEmpty()) {
      // The new overlay is committed into the layer it froze, this run's starting point, never deeper.
      String id = backupId();
      assertThat(reverted.get(0).overlays()).containsExactly(
          new DiskOverlay("vda", vdaOverlay(third), "qcow2", vdaOverlay(id)),
          new DiskOverlay("vdb", vdbOverlay(third), "qcow2", vdbOverlay(id)));
    }
  }

  @Test
  void cancellationDuringConsolidationLetsItFinishThenUndoes() throws InterruptedException {
    String third = "20261120T120000Z";
    host.domain = onChain(FIRST, SECOND, third);
    host.chainState = state(chainManifest(third, SECOND, onChain(FIRST, SECOND, third)));
    FakeHost.Gate consolidation = host.block("consolidate");
    BackupWorkflow workflow = harness.newBackup();
    WorkflowClient.start(workflow::backup, new BackupRequest("vm1", "h1", CaptureMode.CRASH, null, Strategy.CHAIN, 3));
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);

    consolidation.awaitEntered();
    stub.cancel();
    consolidation.open();
    Throwable thrown = catchThrowable(() -> stub.getResult(BackupResult.class));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "pullDeletedLayers", "inspectDomain", "prepareBackupDirectory",
        "readChainState", "consolidate", "discardBackup", "releaseDomainLock");
  }

  @Test
  void savedStateOnAChainRestoresTheVmOntoTheNextOverlayAndKeepsTheStateWithTheBackup() {
    host.domain = onChain(FIRST, SECOND);
    host.chainState = state(chainManifest(SECOND, FIRST, onChain(FIRST, SECOND)));
    host.stoppedMillis = 2345;

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.SAVED_STATE));

    assertThat(journal.methods()).containsExactly("acquireDomainLock", "pullDeletedLayers", "inspectDomain", "prepareBackupDirectory",
        "readChainState", "saveAndRestore", "copyToRepository", "verifyBackup", "releaseDomainLock");
    String id = backupId();
    SavedStateRequest plan = journal.onlyArgument("saveAndRestore", SavedStateRequest.class);
    assertThat(plan.disks()).containsExactly(
        new SavedStateRequest.Disk("vda", vdaOverlay(SECOND), "qcow2", vdaOverlay(SECOND), vdaOverlay(id)),
        new SavedStateRequest.Disk("vdb", vdbOverlay(SECOND), "qcow2", vdbOverlay(SECOND), vdbOverlay(id)));
    assertThat(plan.disks()).noneMatch(SavedStateRequest.Disk::renamed);
    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.memoryFile()).isEqualTo(plan.stateFile()).endsWith(".partial/memory.save");
    assertThat(copy.header().capture()).isEqualTo(CaptureMode.SAVED_STATE);
    assertThat(copy.stoppedMillis()).isEqualTo(2345);
    assertThat(copy.header().parentBackupId()).isEqualTo(SECOND);
    assertThat(result.capture()).isEqualTo(CaptureMode.SAVED_STATE);
    assertThat(result.stoppedMillis()).isEqualTo(2345);
  }

  @Test
  void aShutOffVmStillMovesOntoTheNextOverlaySoThatTheFrozenLayerStaysFrozen() {
    DomainInfo on = onChain(FIRST, SECOND);
    host.domain = new DomainInfo("vm1", UUID_VM1, DomainState.SHUTOFF, true, on.disks(), List.of(), false, null,
        FakeHost.DEFAULT_REPOSITORY);
    host.chainState = state(chainManifest(SECOND, FIRST, on));

    BackupResult result = harness.newBackup().backup(chain(CaptureMode.QUIESCE));

    SnapshotRequest plan = journal.onlyArgument("createExternalSnapshot", SnapshotRequest.class);
    assertThat(plan.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(plan.stateBefore()).isEqualTo(DomainState.SHUTOFF);
    assertThat(journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class).offline()).isFalse();
    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(result.parentBackupId()).isEqualTo(SECOND);
  }

  @Test
  void aChainLengthBelowTwoIsRefusedBeforeAnythingRuns() {
    Throwable thrown = catchThrowable(() -> harness.newBackup().backup(
        new BackupRequest("vm1", "h1", CaptureMode.CRASH, null, Strategy.CHAIN, 1)));

    assertThat(failureType((WorkflowFailedException) thrown)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.entries()).isEmpty();
  }

  static Map<String, Long> sizes(DomainInfo domain) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    domain.disks().forEach(disk -> sizes.put(disk.target(), GIB));
    return sizes;
  }

  @SafeVarargs
  static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> part : parts) {
      all.addAll(part);
    }
    return all;
  }
}
