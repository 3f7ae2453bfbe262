package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.RestartsLibvirtd;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.model.BackupResult;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The randomized fault harness: rounds of backup, one fault at a random moment, the victim restarted two
 * seconds later, then the invariants. Strategies full, chain and incremental with captures crash,
 * quiesce and memory; faults SIGKILL of the worker, SIGSTOP of the worker for a minute, SIGKILL of
 * libvirtd, SIGKILL of the Temporal dev server (restarted on its SQLite file) and the repository's
 * filesystem filling up. After each round: no workflow left running, the backup complete and verified
 * or absent with nothing partial, the VM on its own disks (or on the chain of its newest chain backup),
 * and the next backup of that VM succeeding. Each fault lands at a seeded random fraction of the time a
 * backup of that strategy took last (measured by warm-up backups and by each round's next backup).
 *
 * <p>The seed is printed; {@code scripts/chaos.sh --seed S --rounds N} replays a run. The test command
 * runs a short fixed-seed set whose first rounds cover every fault once; a long run writes its report
 * ({@link ChaosReport}) to the file named by {@code vmbackup.chaos.report}.
 */
@RestartsLibvirtd
@WorkerOptions({"--copy-bandwidth", "8", "--merge-bandwidth", "8"})
class ChaosE2ETest extends EndToEndTest {
  private static final long DEFAULT_SEED = 20261130L;
  private static final int DEFAULT_ROUNDS = 5;
  private static final Duration DOWN = Duration.ofSeconds(2);
  private static final Duration FROZEN = Duration.ofSeconds(60);
  private static final List<String> STRATEGIES = List.of("full", "chain", "incremental");

  private static Path filesystemImage;

  /** The repository lives on a filesystem of its own, so that one fault can fill it up. */
  @BeforeAll
  static void mountRepository() throws IOException {
    Files.createDirectories(repository);
    filesystemImage = scratch.resolve("chaos-repository.img");
    Commands.ok("truncate", "-s", "4G", filesystemImage.toString());
    Commands.ok("mkfs.ext4", "-q", "-F", filesystemImage.toString());
    Commands.ok("mount", "-o", "loop", filesystemImage.toString(), repository.toString());
  }

  @AfterAll
  static void unmountRepository() {
    Commands.run("umount", repository.toString());
  }

  @Test
  void everyRoundEndsCompleteOrCompensatedWithEveryInvariantHolding() throws Exception {
    long seed = Long.getLong("vmbackup.chaos.seed", DEFAULT_SEED);
    int rounds = Integer.getInteger("vmbackup.chaos.rounds", DEFAULT_ROUNDS);
    System.out.printf("chaos: seed %d, %d rounds (replay: scripts/chaos.sh --seed %d --rounds %d)%n",
        seed, rounds, seed, rounds);
    Random random = new Random(seed);
    List<ChaosReport.Round> outcomes = new ArrayList<>();
    try (TestGuest plain = TestGuest.builder("chaos").disk(Disk.qcow2("vda").withBallast(48)).churnKiB(64).create();
         TestGuest chained = TestGuest.builder("chaoschain").disk(Disk.qcow2("vda").withBallast(48)).churnKiB(64)
             .create()) {
      ChainTop chainTop = new ChainTop(chained);
      // Warm-up: one backup of each strategy measures how long one takes here, so that each fault lands
      // at a random moment within a backup rather than after it; later incrementals build on these.
      Map<String, Duration> typical = new HashMap<>();
      for (String strategy : STRATEGIES) {
        TestGuest guest = strategy.equals("chain") ? chained : plain;
        typical.put(strategy, timedBackup(guest, strategy, chainTop));
      }
      List<Fault> firstFaults = new ArrayList<>(List.of(Fault.values()));
      Collections.shuffle(firstFaults, random);
      for (int round = 1; round <= rounds; round++) {
        Fault fault = round <= firstFaults.size()
            ? firstFaults.get(round - 1) : Fault.values()[random.nextInt(Fault.values().length)];
        String strategy = STRATEGIES.get(random.nextInt(STRATEGIES.size()));
        List<String> captures = strategy.equals("incremental") ? List.of("crash", "quiesce")
            : List.of("crash", "quiesce", "memory");
        String capture = captures.get(random.nextInt(captures.size()));
        // The moment is a seeded fraction of the first half of a typical backup, so that a replay hits the
        // same phase; the first half, because durations vary by half and more on a busy two-core host.
        long delayMillis = (long) (random.nextDouble() * typical.get(strategy).toMillis() / 2);
        TestGuest guest = strategy.equals("chain") ? chained : plain;
        System.out.printf("chaos round %d: %s/%s on %s, %s after %d ms%n",
            round, strategy, capture, guest.name(), fault, delayMillis);
        ChaosReport.Round outcome = round(round, guest, strategy, capture, fault, delayMillis, chainTop);
        typical.put(strategy, timedBackup(guest, strategy, chainTop));
        pruneToTheNewest(guest);
        outcomes.add(outcome);
        System.out.printf("chaos round %d: %s%n", round, outcome.summary());
      }
    } finally {
      String report = System.getProperty("vmbackup.chaos.report");
      if (report != null) {
        ChaosReport.write(Path.of(report), seed, rounds, outcomes);
      }
    }
    assertThat(outcomes).hasSize(rounds);
  }

  /**
   * Keeps the repository from filling up by itself over many rounds (only the fault may fill it): the
   * newest backups of the VM stay, and those that others build on (prune never deletes them).
   */
  private static void pruneToTheNewest(TestGuest guest) {
    CliResult prune = cli("prune", guest.name(), "--keep-last", "2");
    assertThat(prune.exitCode()).as("prune after the round: %s", prune).isZero();
  }

  private ChaosReport.Round round(int round, TestGuest guest, String strategy, String capture, Fault fault,
      long delayMillis, ChainTop chainTop) throws Exception {
    String workflowId = BackupWorkflow.workflowId(host, guest.name());
    Process backup = startCli("backup", guest.name(), "--strategy", strategy, "--capture", capture, "--json");
    Awaits.until("the backup runs", () -> Workflows.isRunning(client, workflowId) || !backup.isAlive());
    Thread.sleep(delayMillis);
    boolean endedBeforeTheFault = !Workflows.isRunning(client, workflowId);
    Instant restarted = inflict(fault);

    assertThat(backup.waitFor(15, TimeUnit.MINUTES)).as("the backup command finishes").isTrue();
    CliResult run = result(backup);
    // The command line may have told the user that the workflow goes on; it ends by itself anyway.
    Awaits.until("the workflow has ended", Duration.ofMinutes(10), () -> !Workflows.isRunning(client, workflowId));
    var info = Workflows.describe(client, workflowId).getWorkflowExecutionInfo();
    boolean completed = info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
    assertThat(info.getStatus()).as("how the backup ended (%s)", run)
        .isIn(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    Instant closed = Instant.ofEpochSecond(info.getCloseTime().getSeconds(), info.getCloseTime().getNanos());
    BackupResult result = completed ? client.newUntypedWorkflowStub(workflowId).getResult(BackupResult.class) : null;
    if (run.exitCode() == 0) {
      // The command line followed the workflow through the fault (a Temporal restart too) and reported
      // the result of that very run.
      assertThat(completed).as("the command reported success of a workflow that %s", info.getStatus()).isTrue();
      assertThat(run.json(BackupResult.class).backupId()).isEqualTo(result.backupId());
    } else {
      assertThat(run.stderr().strip()).as("one line on failure").doesNotContain("\n");
      if (completed) {
        // It gave up following, and said which workflow goes on.
        assertThat(run.stderr()).contains(workflowId).contains("goes on");
      }
    }

    if (completed) {
      assertThat(result.verified()).as("round %d: a completed backup is verified", round).isTrue();
      assertThat(cli("list", guest.name()).stdout()).contains(result.backupId());
      if (strategy.equals("full")) {
        DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      }
      chainTop.after(strategy, result);
    }
    assertHostClean(guest, strategy, chainTop);

    Duration recovery = endedBeforeTheFault || closed.isBefore(restarted)
        ? Duration.ZERO : Duration.between(restarted, closed);
    return new ChaosReport.Round(round, strategy, capture, fault.name(), delayMillis,
        endedBeforeTheFault ? "ended before the fault" : completed ? "complete" : "compensated", recovery);
  }

  /**
   * A backup with nothing in its way, which must succeed with every invariant holding: the warm-up, and
   * after each round the next backup of the VM. Returns how long its workflow ran (the fault clock of a
   * round starts once the workflow runs, so the command line's own start does not count).
   */
  private static Duration timedBackup(TestGuest guest, String strategy, ChainTop chainTop) {
    CliResult next = cli("backup", guest.name(), "--strategy", strategy, "--json");
    var info = Workflows.describe(client, BackupWorkflow.workflowId(host, guest.name())).getWorkflowExecutionInfo();
    Duration took = Duration.ofMillis(com.google.protobuf.util.Timestamps.toMillis(info.getCloseTime())
        - com.google.protobuf.util.Timestamps.toMillis(info.getStartTime()));
    assertThat(next.exitCode()).as("a backup with no fault: %s", next).isZero();
    BackupResult result = next.json(BackupResult.class);
    assertThat(result.verified()).isTrue();
    chainTop.after(strategy, result);
    assertHostClean(guest, strategy, chainTop);
    return took;
  }

  /** Applies the fault, waits {@link #DOWN} (a minute for a frozen worker), restores the victim. */
  private Instant inflict(Fault fault) throws IOException, InterruptedException {
    switch (fault) {
      case KILL_WORKER -> {
        worker.kill();
        Thread.sleep(DOWN.toMillis());
        restartWorker();
      }
      case STOP_WORKER -> {
        worker.suspend();
        Thread.sleep(FROZEN.toMillis());
        worker.resume();
      }
      case KILL_LIBVIRTD -> {
        Commands.run("pkill", "-KILL", "-x", "libvirtd");
        Awaits.until("libvirtd is dead", Duration.ofSeconds(30), () -> !Commands.run("pgrep", "-x", "libvirtd").succeeded());
        Thread.sleep(DOWN.toMillis());
        Commands.ok("libvirtd", "-d");
        Awaits.until("libvirtd answers again", Duration.ofSeconds(60),
            () -> Commands.tryVirsh("version").succeeded());
      }
      case KILL_TEMPORAL -> {
        server.kill();
        Thread.sleep(DOWN.toMillis());
        server.restart();
      }
      case FILL_REPOSITORY -> {
        Path filler = repository.resolve("chaos-filler");
        long free = Files.getFileStore(repository).getUsableSpace();
        Commands.ok("fallocate", "-l", Long.toString(Math.max(free, 4096)), filler.toString());
        Thread.sleep(DOWN.toMillis());
        Files.deleteIfExists(filler);
      }
    }
    return Instant.now();
  }

  private static void assertHostClean(TestGuest guest, String strategy, ChainTop chainTop) {
    Invariants.assertNoPartialBackups(repository);
    if (strategy.equals("chain")) {
      Invariants.assertVmOnChain(guest, "running", "vda", chainTop.chain());
    } else {
      Invariants.assertVmClean(guest, "running");
    }
  }

  enum Fault { KILL_WORKER, STOP_WORKER, KILL_LIBVIRTD, KILL_TEMPORAL, FILL_REPOSITORY }

  /** The overlay the chain guest runs on: its own image until a chain backup completes. */
  private static final class ChainTop {
    private final TestGuest guest;
    private String top;

    ChainTop(TestGuest guest) {
      this.guest = guest;
      this.top = guest.diskPath("vda").toString();
    }

    void after(String strategy, BackupResult result) {
      if (strategy.equals("chain")) {
        top = Invariants.chainOverlay(guest, "vda", result.backupId());
      }
    }

    /** Top first, down to the VM's own image, as {@code qemu-img info --backing-chain} lists it. */
    List<String> chain() {
      List<String> chain = Invariants.backingChain(top);
      assertThat(chain).as("chain below %s", top).endsWith(guest.diskPath("vda").toString());
      return chain;
    }
  }
}
