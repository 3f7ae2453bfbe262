package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupResult;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rolling upgrades (issue 15): two builds of the worker, the previous one (a jar of an earlier commit,
 * built by {@code scripts/build-commit-jar.sh}) and the current one (the code under test), serve the same
 * host at once, polling the same workflow and host task queues, as while a fleet is upgraded one host at
 * a time. What makes that safe is that every change to a workflow's commands is behind
 * {@code Workflow.getVersion} (recorded histories replayed by {@code HistoryReplayTest}) and payload JSON
 * stays as every earlier worker wrote and reads it ({@code PublishRequestsWireFormatTest}); this proves it
 * end to end.
 *
 * <p>Both workers run with the class's host name and configuration, and are told apart in the workflow
 * history by their Temporal identity, {@code pid@hostname}.
 */
class RollingUpgradeE2ETest extends EndToEndTest {
  /**
   * The previous build: 1f6777b, the release line of 2c3619e (the last release-quality commit before the
   * session that added this test) with one fix backported, {@code AttemptFence}. Without the fence an
   * attempt that its worker's SIGTERM grace period keeps running goes on writing the backup after the next
   * attempt, on the new build, has verified and published it; this test found that on 2c3619e itself.
   * Builds from the fence on serialize their attempts, so an upgrade from them is safe; an upgrade from an
   * earlier build must let the old worker's copies end first (README, "Upgrading a fleet").
   *
   * <p>Its workflows lack the {@code chain-full-every} version marker (c366b56), its publish requests the
   * {@code PublishHeader} record, and its workflow, activity and request classes have their old names
   * (470e77c): the two builds really differ in workflow and activity code, while their task queues,
   * workflow and activity type names and payload JSON must be the same. Another commit:
   * {@code -Dvmbackup.previousBuild=COMMIT} or {@code $VMBACKUP_PREVIOUS_BUILD}.
   */
  static final String DEFAULT_PREVIOUS_BUILD = "1f6777b";

  /**
   * The previous build copies slowly in the upgrade test (96 MiB of ballast at 1 MiB/s), so that its copy
   * is certainly still running when the operator stops it; the current build copies at full speed.
   */
  private static final String PREVIOUS_COPY_MIB_PER_S = "1";

  private static String previousBuild;
  private static Path previousJar;
  private static TestGuest guest;
  private static final List<Path> previousLogs = new ArrayList<>();

  @BeforeAll
  static void buildThePreviousBuild() throws Exception {
    previousBuild = System.getProperty("vmbackup.previousBuild",
        System.getenv().getOrDefault("VMBACKUP_PREVIOUS_BUILD", DEFAULT_PREVIOUS_BUILD));
    Path script = TestHost.repositoryRoot().resolve("scripts/build-commit-jar.sh");
    Path out = scratch.resolve("previous-build.out");
    Path err = scratch.resolve("previous-build.err");
    Process build = new ProcessBuilder("bash", script.toString(), previousBuild)
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!build.waitFor(30, TimeUnit.MINUTES)) {
      build.destroyForcibly();
      fail("scripts/build-commit-jar.sh " + previousBuild + " did not finish in 30 minutes");
    }
    List<String> printed = Files.readAllLines(out, StandardCharsets.UTF_8);
    if (build.exitValue() != 0 || printed.isEmpty() || !Files.isRegularFile(Path.of(printed.get(printed.size() - 1)))) {
      fail("cannot build the previous build " + previousBuild + " (scripts/build-commit-jar.sh " + previousBuild
          + "): " + Files.readString(err, StandardCharsets.UTF_8).strip());
    }
    previousJar = Path.of(printed.get(printed.size() - 1));
    guest = TestGuest.builder("upgrade").disk(Disk.qcow2("vda").withBallast(96)).create();
  }

  @AfterAll
  static void closeGuestAndKeepLogs() throws IOException {
    if (guest != null) {
      guest.close();
    }
    // Beside the class worker's log, which the base class keeps, before it deletes the scratch directory.
    Path kept = Path.of("target", "worker-logs").toAbsolutePath();
    Files.createDirectories(kept);
    for (Path log : previousLogs) {
      if (Files.exists(log)) {
        Files.copy(log, kept.resolve(scratch.getFileName() + "-" + log.getFileName()),
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /**
   * Case A: both builds poll at once. Backups of strategies full and incremental (whose publish requests
   * differ in class between the builds, not in JSON) each complete and verify, with the VM clean, whichever
   * build's worker took each workflow and activity task. Which one took which is up to the server; the
   * test prints the split but asserts only that no other worker took any (the next test makes the
   * hand-over from one build to the other deterministic).
   */
  @Test
  void withBothBuildsPollingEveryBackupCompletesAndVerifies() {
    currentBuildRunning();
    try (WorkerProcess previous = previousBuildWorker("a", List.of())) {
      for (String strategy : List.of("full", "incremental", "incremental", "full")) {
        CliResult run = cli("backup", guest.name(), "--strategy", strategy, "--json");

        assertThat(run.exitCode()).as("%s backup with both builds polling: %s", strategy, run).isZero();
        BackupResult result = run.json(BackupResult.class);
        assertThat(result.verified()).isTrue();
        CliResult verify = cli("verify", guest.name(), result.backupId());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        Invariants.assertVmClean(guest, "running");
        Invariants.assertNoPartialBackups(repository);
        Chains.assertCheckpointsHonest(guest, repository);

        Served served = served(BackupWorkflow.workflowId(host, guest.name()), previous, worker);
        assertThat(served.others()).as("tasks taken by a worker of neither build").isEmpty();
        System.out.printf("rolling upgrade, both builds polling: %s backup %s: %s%n",
            strategy, result.backupId(), served.summary());
      }
    }
  }

  /**
   * Case B: a backup in flight during the upgrade completes. Only the previous build runs; a backup starts
   * and is inside its copy into the repository (on the previous build); the current build's worker starts
   * beside it, and the previous one is stopped as an operator (or systemd) stops it, with SIGTERM. The
   * backup completes, verified, the VM is clean, and its history shows workflow tasks completed by both
   * builds: the first by the previous one, the last by the current one.
   */
  @Test
  void aBackupInFlightWhileTheHostIsUpgradedCompletesOnTheNewBuild() throws Exception {
    // The host before the upgrade: the previous build alone.
    worker.close();
    WorkerProcess previous = previousBuildWorker("b", List.of("--copy-bandwidth", PREVIOUS_COPY_MIB_PER_S));
    Process backup = null;
    try {
      backup = startCli("backup", guest.name(), "--strategy", "full", "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the previous build copies into the repository", () ->
          "copy".equals(Workflows.step(client, workflowId)) && Workflows.progress(client, workflowId,
              "CopyToRepository").map(progress -> progress.bytesDone() > 0).orElse(false));
      String copying = copyWorkerIdentity(workflowId);
      assertThat(previous.hasIdentity(copying)).as("the previous build copies (worker %s)", copying).isTrue();

      // The upgrade: the new build starts beside the old one (on the class's HTTP port, which the old one,
      // started without any, leaves free), then the old one is stopped with SIGTERM.
      worker = newWorker().start(client, TaskQueues.host(host));
      assertThat(Workflows.step(client, workflowId))
          .as("the backup is still copying when the previous build is stopped (if not, copy more slowly)")
          .isEqualTo("copy");
      assertThat(previous.terminate(Duration.ofMinutes(2)))
          .as(() -> "the previous build's worker exits on SIGTERM by itself; log:\n" + previous.tail()).isTrue();

      assertThat(backup.waitFor(10, TimeUnit.MINUTES)).as("the backup command finishes").isTrue();
      CliResult run = result(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.verified()).isTrue();
      CliResult verify = cli("verify", guest.name(), result.backupId());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);

      Served served = served(workflowId, previous, worker);
      System.out.printf("rolling upgrade, in flight: backup %s: %s%n", result.backupId(), served.summary());
      assertThat(served.others()).as("tasks taken by a worker of neither build").isEmpty();
      assertThat(served.workflowTasks()).as("identities of the completed workflow tasks, in history order")
          .hasSizeGreaterThanOrEqualTo(2);
      assertThat(previous.hasIdentity(served.workflowTasks().get(0)))
          .as("the previous build started the workflow: %s", served.workflowTasks()).isTrue();
      assertThat(worker.hasIdentity(served.workflowTasks().get(served.workflowTasks().size() - 1)))
          .as("the current build completed the workflow: %s", served.workflowTasks()).isTrue();
      assertThat(served.activities()).as("activities after the upgrade ran on the current build")
          .anyMatch(worker::hasIdentity);
    } finally {
      if (backup != null && backup.isAlive()) {
        backup.destroyForcibly();
      }
      previous.kill();
      currentBuildRunning();
    }
  }

  /**
   * A worker of the previous build for the class's host, configuration and state directory, without an
   * HTTP port (the current build's worker may hold the class's), logging to a file of its own.
   */
  private static WorkerProcess previousBuildWorker(String name, List<String> extraOptions) {
    Path log = scratch.resolve("worker-previous-" + name + ".log");
    previousLogs.add(log);
    List<String> arguments = new ArrayList<>(List.of("--temporal", server.address(), "--host", host,
        "--config", hostConfig.toString(), "--http-port", "-1"));
    arguments.addAll(extraOptions);
    System.out.printf("rolling upgrade: previous build %s from %s%n", previousBuild, previousJar);
    return new WorkerProcess(previousJar, arguments, Map.of("VMBACKUP_STATE_DIR", stateDir.toString()), log)
        .start(client, TaskQueues.host(host));
  }

  /** The class's worker (the current build) is running, whatever a test before left. */
  private static void currentBuildRunning() {
    if (worker == null || !worker.alive()) {
      restartWorker();
    }
  }

  /** The identity of the worker that runs the pending copy into the repository. */
  private static String copyWorkerIdentity(String workflowId) {
    return Workflows.describe(client, workflowId).getPendingActivitiesList().stream()
        .filter(activity -> activity.getActivityType().getName().equals("CopyToRepository"))
        .map(PendingActivityInfo::getLastWorkerIdentity).findFirst().orElse("");
  }

  /** Who served a workflow's latest run: identities of its completed workflow tasks and started activities. */
  private record Served(List<String> workflowTasks, List<String> activities, WorkerProcess previous,
      WorkerProcess current) {
    List<String> others() {
      List<String> others = new ArrayList<>();
      for (String identity : workflowTasks) {
        if (!previous.hasIdentity(identity) && !current.hasIdentity(identity)) {
          others.add("workflow task: " + identity);
        }
      }
      for (String identity : activities) {
        if (!previous.hasIdentity(identity) && !current.hasIdentity(identity)) {
          others.add("activity: " + identity);
        }
      }
      return others;
    }

    String summary() {
      return String.format("workflow tasks previous %d / current %d, activities previous %d / current %d",
          workflowTasks.stream().filter(previous::hasIdentity).count(),
          workflowTasks.stream().filter(current::hasIdentity).count(),
          activities.stream().filter(previous::hasIdentity).count(),
          activities.stream().filter(current::hasIdentity).count());
    }
  }

  private static Served served(String workflowId, WorkerProcess previous, WorkerProcess current) {
    List<String> workflowTasks = new ArrayList<>();
    List<String> activities = new ArrayList<>();
    for (HistoryEvent event : client.fetchHistory(workflowId).getHistory().getEventsList()) {
      if (event.hasWorkflowTaskCompletedEventAttributes()) {
        workflowTasks.add(event.getWorkflowTaskCompletedEventAttributes().getIdentity());
      } else if (event.hasActivityTaskStartedEventAttributes()) {
        activities.add(event.getActivityTaskStartedEventAttributes().getIdentity());
      }
    }
    return new Served(workflowTasks, activities, previous, current);
  }
}
