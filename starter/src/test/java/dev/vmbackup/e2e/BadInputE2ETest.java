package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets one clear line on stderr and a non-zero exit, and changes nothing: the VM is
 * untouched and nothing partial is listed. So does a backup on a host whose worker does not come
 * while the command waits for it; one that starts in time runs the backup.
 */
class BadInputE2ETest extends EndToEndTest {
  @Test
  void anUnknownDomainIsNamedInTheError() {
    CliResult run = cli("backup", "no-such-vm-here");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("vmbackup: domain no-such-vm-here not found on host " + host);
    Invariants.assertNoPartialBackups(repository);
  }

  /**
   * The worker's own metrics (README, "Metrics"): a real backup counts as succeeded with the bytes it
   * copied and the time of its success, and a failed one counts as failed under its failure type.
   */
  @Test
  void theWorkerCountsSucceededAndFailedBackupsInItsMetrics() throws Exception {
    long startedAt = System.currentTimeMillis() / 1000;
    String missing = "no-such-vm-metrics";
    try (TestGuest guest = TestGuest.builder("metrics").create()) {
      CliResult good = cli("backup", guest.name(), "--capture", "crash", "--json");
      CliResult bad = cli("backup", missing);

      assertThat(good.exitCode()).as(good.toString()).isZero();
      assertThat(bad.exitCode()).isEqualTo(1);
      String failedType = "type=\"DOMAIN_NOT_FOUND\"";
      String missingDomain = "domain=\"" + missing + "\"";
      // The SDK's metrics scope reports to the registry every 10 s, so the scrape waits for that report.
      String[] scraped = {""};
      Awaits.until("the worker reports the failed backup", Duration.ofSeconds(60), () -> {
        scraped[0] = scrapeWorker();
        return metricSum(scraped[0], "vmbackup_backups_failed_total", missingDomain, failedType) > 0;
      });
      String metrics = scraped[0];
      String domain = "domain=\"" + guest.name() + "\"";
      assertThat(metricSum(metrics, "vmbackup_backups_succeeded_total", domain)).isEqualTo(1.0);
      assertThat(metricSum(metrics, "vmbackup_bytes_copied_total", domain))
          .isEqualTo((double) good.json(BackupResult.class).bytesCopied()).isPositive();
      assertThat(metricSum(metrics, "vmbackup_last_success_timestamp_seconds", domain))
          .isGreaterThanOrEqualTo(startedAt);
      assertThat(metricSum(metrics, "vmbackup_backups_failed_total", domain)).isZero();
      assertThat(metricSum(metrics, "vmbackup_backups_failed_total", missingDomain, failedType)).isEqualTo(1.0);
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
    }
  }

  private static String scrapeWorker() {
    try {
      var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + workerHttpPort + "/prometheus")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The sum of a metric's samples whose labels contain every one of {@code labels}. */
  private static double metricSum(String metrics, String name, String... labels) {
    return metrics.lines()
        .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
        .filter(line -> Stream.of(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  static Stream<Arguments> badNames() {
    String name = " is not allowed: use letters, digits and . _ + - only (no '/' or '..', at most 128 characters,"
        + " not starting with '.', '+' or '-')";
    String id = "' is not valid: expected a UTC timestamp such as 20261122T221500Z";
    return Stream.of(
        Arguments.of(new String[] {"backup", "../etc"}, "vmbackup: domain '../etc'" + name),
        Arguments.of(new String[] {"backup", "vm/one"}, "vmbackup: domain 'vm/one'" + name),
        Arguments.of(new String[] {"backup", "vm;rm -rf /"}, "vmbackup: domain 'vm;rm -rf /'" + name),
        Arguments.of(new String[] {"restore", "vm1", "../../etc", "--as", "x"}, "vmbackup: backup id '../../etc" + id),
        Arguments.of(new String[] {"restore", "vm1", "20261122T221500Z", "--as", "a/../b"},
            "vmbackup: new domain name 'a/../b'" + name),
        Arguments.of(new String[] {"verify", "..", "20261122T221500Z"}, "vmbackup: domain '..'" + name),
        Arguments.of(new String[] {"list", "vm/.."}, "vmbackup: domain 'vm/..'" + name),
        // The workflow's own request validation, run by the command line before it starts anything.
        Arguments.of(new String[] {"backup", "vm1", "--strategy", "incremental", "--capture", "memory"},
            "vmbackup: capture memory is not available with strategy incremental: libvirt's backup API copies"
                + " disks only; use quiesce or crash"),
        Arguments.of(new String[] {"backup", "vm1", "--strategy", "chain", "--max-chain-length", "1"},
            "vmbackup: maxChainLength 1 is too small: a chain needs at least 2 overlays"),
        Arguments.of(new String[] {"backup", "vm1", "--full-every", "-1"},
            "vmbackup: fullEvery must be 0 or more, not -1"));
  }

  @ParameterizedTest
  @MethodSource("badNames")
  void namesWithSlashesOrDotDotAreRefusedBeforeAnythingStarts(String[] arguments, String message) {
    long workflowsBefore = Workflows.count(client);

    CliResult run = cli(arguments);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo(message);
    assertThat(run.stdout()).isEmpty();
    assertThat(Workflows.count(client)).as("workflows started by a refused request").isEqualTo(workflowsBefore);
    Invariants.assertNoPartialBackups(repository);
  }

  /**
   * A worker that starts while the command waits for it (up to 10 s, README "Where the work runs") is
   * in time: the backup runs on it. The worker is started a moment after the command, and a worker's start
   * (a JVM, Micronaut, then the connection) takes longer than the command's own start to its first look
   * at the queue, so the command finds no worker at first and waits.
   */
  @Test
  void aBackupWaitsForTheWorkerOfAHostThatIsStarting() throws Exception {
    String starting = host + "-late";
    try (TestGuest guest = TestGuest.builder("late").create()) {
      Process backup = startCliOn(starting, "backup", guest.name(), "--capture", "crash", "--json");
      WorkerProcess late = null;
      try {
        DevServer.sleep(500);
        assertThat(backup.isAlive()).as("the command is running").isTrue();
        late = otherHostWorker(starting, "");

        assertThat(backup.waitFor(15, TimeUnit.MINUTES)).as("the backup finished").isTrue();
        CliResult run = result(backup);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        BackupResult result = run.json(BackupResult.class);
        assertThat(result.host()).isEqualTo(starting);
        CliResult verify = cli("verify", guest.name(), result.backupId());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        Invariants.assertVmClean(guest, "running");
      } finally {
        backup.destroyForcibly();
        if (late != null) {
          late.close();
        }
      }
    }
  }

  /** No worker comes: after its wait the command refuses with one line and starts nothing. */
  @Test
  void aBackupOnAHostWithoutAWorkerIsRefusedAfterTheWaitAndStartsNothing() {
    String down = host + "-down";
    long workflowsBefore = Workflows.count(client);

    // No VM is needed: the command looks for the host's worker before anything else reaches the host.
    CliResult run = result(startCliOn(down, "backup", "no-worker-vm", "--capture", "crash"));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr().strip()).isEqualTo("vmbackup: no worker polls task queue vmbackup-host-" + down
        + " on Temporal at " + server.address() + " (waited 10 s); start one with: vmbackup worker --temporal "
        + server.address() + " --host " + down);
    assertThat(Workflows.count(client)).as("workflows started without a worker").isEqualTo(workflowsBefore);
    Invariants.assertNoPartialBackups(repository);
  }

  @Test
  void aRepositoryThatCannotBeWrittenIsReportedAndTheVmIsUntouched() throws Exception {
    try (TestGuest guest = TestGuest.builder("rorepo").create()) {
      Path readOnly = scratch.resolve("read-only");
      Files.createDirectories(readOnly);
      Commands.ok("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", readOnly.toString());
      try {
        CliResult run = cli("backup", guest.name(), "--repository", readOnly.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr().strip()).contains(readOnly.toString()).contains("writable").doesNotContain("\n");
        Invariants.assertVmClean(guest, "running");
      } finally {
        Commands.run("umount", readOnly.toString());
      }
    }
  }

  @Test
  void aRepositoryThatFillsUpMidCopyIsReportedAndNothingPartialIsLeft() throws Exception {
    try (TestGuest guest = TestGuest.builder("full").disk(Disk.qcow2("vda").withBallast(48)).create()) {
      Path image = scratch.resolve("small-fs.img");
      Path small = scratch.resolve("small repository");
      Files.createDirectories(small);
      Commands.ok("truncate", "-s", "24M", image.toString());
      Commands.ok("mkfs.ext4", "-q", "-F", image.toString());
      Commands.ok("mount", "-o", "loop", image.toString(), small.toString());
      try {
        CliResult run = cli("backup", guest.name(), "--repository", small.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr().strip()).contains("No space left on device").doesNotContain("\n");
        Invariants.assertVmClean(guest, "running");
        Invariants.assertNoPartialBackups(small);
        CliResult list = cli("list", guest.name(), "--repository", small.toString());
        assertThat(list.stdout()).contains("no backups");
      } finally {
        Commands.run("umount", small.toString());
      }
    }
  }

  @Test
  void aRestoreOfABackupThatDoesNotExistSaysSo() {
    CliResult run = cli("restore", "vm1", "20200101T000000Z", "--as", "vm1-copy");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).contains("no backup 20200101T000000Z of vm1").doesNotContain("\n");
    assertThat(Commands.tryVirsh("dominfo", "vm1-copy").succeeded()).isFalse();
  }

}
