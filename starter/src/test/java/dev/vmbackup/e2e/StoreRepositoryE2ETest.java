package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.config.HostConfigFile;
import dev.vmbackup.host.repository.ConfiguredStores;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.Manifest;
import dev.vmbackup.store.S3Settings;
import dev.vmbackup.store.VersityGw;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.ConsoleLog;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.worker.PayloadKey;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.StoreMaintenanceWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.RestoreResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backups into store repositories ({@code kind: store}) through the real worker and command line: an
 * encrypted store in a local directory and a store on a real S3 server (versitygw) process. The host
 * configuration of {@link EndToEndTest} gets three stores: {@code local} (encrypted), {@code offsite}
 * (S3, encrypted with the same key file) and {@code wrongkey} (the {@code local} store's directory with
 * another key).
 */
class StoreRepositoryE2ETest extends EndToEndTest {
  private static VersityGw s3;
  private static Path localStore;
  private static ConfiguredStores stores;

  @BeforeAll
  static void configureStores() throws Exception {
    s3 = VersityGw.start(Files.createDirectories(scratch.resolve("s3")));
    S3Settings bucket = s3.bucket("vmbackup-e2e", scratch, Duration.ofMinutes(2));
    Path key = scratch.resolve("store.key");
    PayloadKey.create(key);
    Path otherKey = scratch.resolve("other.key");
    PayloadKey.create(otherKey);
    localStore = scratch.resolve("store-local");
    Path config = scratch.resolve("vmbackup-stores.yaml");
    Files.writeString(config, Files.readString(hostConfig).replace("repositories:\n", String.join("\n",
        "repositories:",
        "  local: {kind: store, path: '" + localStore + "', keyFile: '" + key + "', staging: '"
            + scratch.resolve("staging-local") + "'}",
        "  offsite: {kind: store, path: 's3://" + bucket.bucket() + "/fleet1', endpoint: '" + s3.endpoint()
            + "', credentialsFile: '" + bucket.credentialsFile() + "', keyFile: '" + key + "', staging: '"
            + scratch.resolve("staging-offsite") + "'}",
        "  wrongkey: {kind: store, path: '" + localStore + "', keyFile: '" + otherKey + "', staging: '"
            + scratch.resolve("staging-wrongkey") + "'}",
        "")));
    hostConfig = config;
    stores = new ConfiguredStores(HostConfigFile.read(config));
    stores.init("local");
    stores.init("offsite");
    restartWorker();
  }

  @AfterAll
  static void stopS3() throws InterruptedException {
    if (stores != null) {
      stores.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void aShutOffVmsDiskGoesIntoTheLocalStoreWholeAndIsStoredOnceAcrossBackups() throws Exception {
    try (TestGuest guest = TestGuest.builder("stoff").shutOff().create()) {
      BackupResult first = backup(guest, "local", CaptureMode.CRASH);
      BackupResult second = backup(guest, "local", CaptureMode.CRASH);

      ChunkStore store = stores.open("local");
      Manifest one = stored(store, first);
      Manifest two = stored(store, second);
      // The disk is the image the guest sees, every byte of it: restored from the store, it equals the VM's.
      Path restored = scratch.resolve("stoff-vda.raw");
      store.restore(two, "vda", restored);
      // qemu-img compare exits 0 only when the two images' contents are identical.
      Commands.ok("qemu-img", "compare", "-f", "raw", restored.toString(), guest.diskPath("vda").toString());
      assertThat(one.item("vda").size()).isEqualTo(Files.size(restored));
      // Nothing changed between the two backups, so the second stored no chunk of the disk again.
      assertThat(one.item("vda").newChunks()).isPositive();
      assertThat(two.item("vda").newChunks()).isZero();
      assertThat(two.blobs()).extracting(Manifest.Item::name).contains(BackupLayout.DOMAIN_XML, BackupLayout.MANIFEST);
      assertThat(store.verify(List.of(one.backupId(), two.backupId())).ok()).isTrue();
      assertStagingEmpty("staging-local", guest);
      Invariants.assertVmClean(guest, "shut off");

      // The command line lists both, and exports the second as plain files that qemu-img reads.
      CliResult list = cli("list", guest.name(), "--repository", "local", "--json");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.json().get("backups").findValuesAsText("storeBackupId"))
          .containsExactly(one.backupId(), two.backupId());
      Path exported = scratch.resolve("stoff-export");
      CliResult export = cli("export", "--repository", "local", guest.name(), second.backupId(), exported.toString());
      assertThat(export.exitCode()).as(export.toString()).isZero();
      Commands.ok("qemu-img", "compare", "-F", "raw", exported.resolve("vda.qcow2").toString(), restored.toString());
      assertThat(exported.resolve(BackupLayout.MANIFEST)).exists();

      // Retention removes the older backup from the store's list; a collection then deletes only what no
      // backup uses, and the kept backup still reads back whole.
      CliResult prune = cli("prune", guest.name(), "--repository", "local", "--keep-last", "1");
      assertThat(prune.exitCode()).as(prune.toString()).isZero();
      assertThat(store.findManifest(one.backupId())).isEmpty();
      CliResult gc = cli("gc", "--repository", "local", "--grace", "0", "--json");
      assertThat(gc.exitCode()).as(gc.toString()).isZero();
      assertThat(gc.json().get("deletedIndexes").asLong()).isPositive();
      assertThat(store.verify(List.of(two.backupId())).ok()).isTrue();
      Path again = scratch.resolve("stoff-vda-again.raw");
      store.restore(store.findManifest(two.backupId()).orElseThrow(), "vda", again);
      Commands.ok("qemu-img", "compare", "-f", "raw", again.toString(), guest.diskPath("vda").toString());

      // Off-site: the kept backup goes onto S3, chunks and all, and reads back there byte for byte.
      CliResult sync = cli("sync", "--from", "local", "--to", "offsite", guest.name(), "--json");
      assertThat(sync.exitCode()).as(sync.toString()).isZero();
      ChunkStore offsite = stores.open("offsite");
      Manifest copied = offsite.findManifest(two.backupId()).orElseThrow();
      assertThat(offsite.verify(List.of(copied.backupId())).ok()).isTrue();
      Path fromS3 = scratch.resolve("stoff-vda-s3.raw");
      offsite.restore(copied, "vda", fromS3);
      Commands.ok("qemu-img", "compare", "-f", "raw", fromS3.toString(), guest.diskPath("vda").toString());
      CliResult resync = cli("sync", "--from", "local", "--to", "offsite", guest.name(), "--json");
      assertThat(resync.json().findValue("chunksSent").asLong()).as(resync.toString()).isZero();
    }
  }

  @Test
  void aRunningVmWithItsMemoryGoesOntoS3AndItsDiskIsACrashConsistentFilesystem() throws Exception {
    try (TestGuest guest = TestGuest.builder("sts3").create()) {
      BackupResult result = backup(guest, "offsite", CaptureMode.MEMORY);

      ChunkStore store = stores.open("offsite");
      Manifest manifest = stored(store, result);
      assertThat(manifest.blobs()).extracting(Manifest.Item::name)
          .contains(BackupLayout.MEMORY_STATE, BackupLayout.DOMAIN_XML, BackupLayout.MANIFEST);
      assertThat(manifest.item(BackupLayout.MEMORY_STATE).size()).isPositive();
      Path restored = scratch.resolve("sts3-vda.raw");
      store.restore(manifest, "vda", restored);
      DiskContent.read(restored, "raw").assertIntact();
      assertStagingEmpty("staging-offsite", guest);
      Invariants.assertVmClean(guest, "running");
    }
  }

  /**
   * Host A backs a VM up onto S3 and is lost (its worker stops for good); host B, whose worker now runs
   * the workflows too, restores the backup from S3 as a new VM, which boots. Nothing of the backup is
   * left on the machine outside the store: its staged copy went when it was stored.
   */
  @Test
  void aBackupOnS3IsRestoredOnAnotherHostAfterItsHostIsLostAsAVmThatBoots() throws Exception {
    String hostB = host + "-b";
    String copy = null;
    Path target = scratch.resolve("restored on b");
    WorkerProcess workerB = null;
    try (TestGuest guest = TestGuest.builder("stmove").create()) {
      BackupResult result = backup(guest, "offsite", CaptureMode.CRASH);
      assertStagingEmpty("staging-offsite", guest);
      worker.close();
      workerB = new WorkerProcess(List.of("--temporal", server.address(), "--host", hostB, "--config",
          hostConfig.toString(), "--http-port", "-1"), java.util.Map.of("VMBACKUP_STATE_DIR", stateDir.toString()),
          scratch.resolve("worker-b.log")).start(client, TaskQueues.host(hostB));

      copy = guest.name() + "-b";
      CliResult restore = result(startCliOn(hostB, "restore", guest.name(), result.backupId(), "--as", copy,
          "--target-dir", target.toString(), "--repository", "offsite", "--no-start", "--json"));

      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      RestoreResult restored = restore.json(RestoreResult.class);
      assertThat(restored.disks()).containsExactly(target.resolve(copy + "-vda.qcow2").toString());
      // The restored disk is the stored one: a clean filesystem with the same records.
      ChunkStore store = stores.open("offsite");
      Path fromStore = scratch.resolve("stmove-vda.raw");
      store.restore(stored(store, result), "vda", fromStore);
      DiskContent restoredDisk = DiskContent.read(target.resolve(copy + "-vda.qcow2"), "qcow2").assertIntact();
      assertThat(restoredDisk.records()).isNotEmpty().isEqualTo(DiskContent.read(fromStore, "raw").records());
      assertStagingEmpty("staging-offsite", guest);

      Commands.virsh("start", copy);
      GuestRecord booted = new ConsoleLog(target.resolve(copy + "-console.log"))
          .waitForNewRecords(3, Duration.ofSeconds(90));
      assertThat(booted.boot()).isNotEqualTo(guest.console().last().orElseThrow().boot());
    } finally {
      if (copy != null) {
        Commands.tryVirsh("destroy", copy);
        Commands.tryVirsh("undefine", copy, "--nvram");
      }
      TestHost.deleteRecursively(target);
      if (workerB != null) {
        workerB.close();
      }
      restartWorker();
    }
  }

  /**
   * The S3 server process is stopped while the backup reaches the store step, and started again a few
   * seconds later on the same port: the store's client retries, and the backup completes and verifies.
   */
  @Test
  void anS3ServerThatGoesAwayDuringTheStoreStepIsWaitedForAndTheBackupCompletes() throws Exception {
    try (TestGuest guest = TestGuest.builder("sts3down").create()) {
      // A first backup while the server runs: the worker then holds the store open, as a worker that has
      // backed up before does, and the second backup needs the server only from its store step on.
      backup(guest, "offsite", CaptureMode.CRASH);
      s3.stop();
      Process backup;
      try {
        backup = startCli("backup", guest.name(), "--repository", "offsite", "--capture", "crash", "--json");
        BackupWorkflow running = client.newWorkflowStub(BackupWorkflow.class,
            BackupWorkflow.workflowId(host, guest.name()));
        Awaits.until("the backup reaches its store step", Duration.ofMinutes(5), () -> {
          try {
            return "store".equals(running.status().step());
          } catch (RuntimeException notStartedYet) {
            return false;
          }
        });
        Thread.sleep(3000);
      } finally {
        s3.startProcess();
      }
      CliResult run = result(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      ChunkStore store = stores.open("offsite");
      Manifest manifest = stored(store, result);
      assertThat(store.verify(List.of(manifest.backupId())).ok()).isTrue();
      assertStagingEmpty("staging-offsite", guest);
      Invariants.assertVmClean(guest, "running");
    }
  }

  /**
   * A Temporal Schedule starts the store's upkeep, as an operator would schedule it nightly: the run copies
   * the local store's backups onto S3, re-reads every chunk of the local store, and collects its garbage.
   */
  @Test
  void aScheduleRunsTheStoresUpkeepSyncVerifyAndCollection() throws Exception {
    try (TestGuest guest = TestGuest.builder("stkeep").shutOff().create()) {
      BackupResult result = backup(guest, "local", CaptureMode.CRASH);
      String storeId = stored(stores.open("local"), result).backupId();
      ScheduleClient schedules = ScheduleClient.newInstance(client.getWorkflowServiceStubs(),
          ScheduleClientOptions.newBuilder().setNamespace(client.getOptions().getNamespace()).build());
      String scheduleId = "store-upkeep-" + host;
      ScheduleHandle schedule = schedules.createSchedule(scheduleId, Schedule.newBuilder()
          .setAction(ScheduleActionStartWorkflow.newBuilder()
              .setWorkflowType(StoreMaintenanceWorkflow.class.getSimpleName())
              .setArguments(new StoreMaintenanceRequest("local", host, "offsite", 100, null, 24))
              .setOptions(WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS)
                  .setWorkflowId(StoreMaintenanceWorkflow.workflowId(host, "local")).build())
              .build())
          .setSpec(ScheduleSpec.newBuilder().build())
          .build(), ScheduleOptions.newBuilder().setTriggerImmediately(true).build());
      try {
        String[] started = new String[1];
        Awaits.until("the schedule starts the upkeep", Duration.ofMinutes(1), () -> {
          var recent = schedule.describe().getInfo().getRecentActions();
          if (recent.isEmpty()) {
            return false;
          }
          started[0] = ((ScheduleActionExecutionStartWorkflow) recent.get(0).getAction()).getWorkflowId();
          return true;
        });
        StoreMaintenanceResult upkeep = client.newUntypedWorkflowStub(started[0])
            .getResult(StoreMaintenanceResult.class);

        assertThat(upkeep.host()).isEqualTo(host);
        assertThat(upkeep.verify().ok()).as(upkeep.toString()).isTrue();
        assertThat(upkeep.verify().checkedChunks()).isEqualTo(upkeep.verify().referencedChunks()).isPositive();
        assertThat(upkeep.collection().markedChunks()).isPositive();
        assertThat(upkeep.sync().target()).isEqualTo("offsite");
        ChunkStore offsite = stores.open("offsite");
        assertThat(offsite.findManifest(storeId)).isPresent();
        assertThat(offsite.verify(List.of(storeId)).ok()).isTrue();
      } finally {
        schedule.delete();
      }
    }
  }

  @Test
  void aStrategyTheStoreDoesNotTakeIsRefusedBeforeAnythingIsDone() throws Exception {
    try (TestGuest guest = TestGuest.builder("stinc").create()) {
      List<String> before = stores.open("local").backupIds();
      CliResult run = cli("backup", guest.name(), "--repository", "local", "--strategy", "incremental");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr().strip()).isEqualTo("vmbackup: repository local is a store, which takes strategy full"
          + " so far; strategy incremental needs a repository of kind files");
      assertThat(stores.open("local").backupIds()).isEqualTo(before);
      assertStagingEmpty("staging-local", guest);
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void aWrongKeyFileFailsTheBackupWithOneLineAndLeavesTheStoreAndTheVmAsTheyWere() throws Exception {
    try (TestGuest guest = TestGuest.builder("stkey").create()) {
      List<String> before = stores.open("local").backupIds();
      CliResult run = cli("backup", guest.name(), "--repository", "wrongkey");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr().strip()).startsWith("vmbackup: ").contains("wrong key file");
      assertThat(stores.open("local").backupIds()).isEqualTo(before);
      assertStagingEmpty("staging-wrongkey", guest);
      Invariants.assertVmClean(guest, "running");
    }
  }

  private static BackupResult backup(TestGuest guest, String repositoryName, CaptureMode capture) {
    CliResult run = cli("backup", guest.name(), "--repository", repositoryName, "--capture", capture.wireName(), "--json");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    BackupResult result = run.json(BackupResult.class);
    assertThat(result.verified()).isTrue();
    return result;
  }

  /** The store's backup of a result, found by the id the result reports. */
  private static Manifest stored(ChunkStore store, BackupResult result) {
    assertThat(result.path()).startsWith("store:");
    String id = result.path().substring(result.path().lastIndexOf('/') + 1);
    Manifest manifest = store.findManifest(id).orElseThrow(() -> new AssertionError("no backup " + id + " in the store"));
    assertThat(manifest.vm()).isEqualTo(result.domain());
    assertThat(manifest.disks()).extracting(Manifest.Item::name).containsExactly("vda");
    return manifest;
  }

  /** The staged backup went once it was in the store (or the failed run discarded it). */
  private static void assertStagingEmpty(String staging, TestGuest guest) throws IOException {
    Path dir = scratch.resolve(staging).resolve(guest.name());
    if (Files.isDirectory(dir)) {
      try (var entries = Files.list(dir)) {
        assertThat(entries.toList()).as("staging directory " + dir).isEmpty();
      }
    }
  }
}
