package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.PruneDecision;
import dev.vmbackup.workflows.model.PruneResult;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retention through the CLI and the prune workflow, against real backups in a real repository. */
class PruneE2ETest extends EndToEndTest {
  @Test
  void aDryRunShowsWhatWouldGoThenThePruneKeepsTheNewestAndTheProtected() {
    try (TestGuest guest = TestGuest.builder("prune").create()) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        CliResult backup = cli("backup", guest.name(), "--capture", "crash", "--json");
        assertThat(backup.exitCode()).as(backup.toString()).isZero();
        ids.add(backup.json(BackupResult.class).backupId());
      }
      assertThat(cli("protect", guest.name(), ids.get(0)).exitCode()).isZero();

      CliResult dryRun = cli("prune", guest.name(), "--keep-last", "1", "--dry-run", "--json");
      assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
      PruneResult preview = dryRun.json(PruneResult.class);
      assertThat(preview.removed()).isEmpty();
      assertThat(preview.decisions()).filteredOn(d -> !d.keep()).extracting(PruneDecision::backupId)
          .containsExactlyInAnyOrder(ids.get(1), ids.get(2));
      ids.forEach(id -> assertThat(repository.resolve(guest.name()).resolve(id)).isDirectory());

      CliResult prune = cli("prune", guest.name(), "--keep-last", "1");
      assertThat(prune.exitCode()).as(prune.toString()).isZero();
      assertThat(prune.stdout()).contains("removed 2 of 4 backups");

      assertThat(repository.resolve(guest.name()).resolve(ids.get(1))).doesNotExist();
      assertThat(repository.resolve(guest.name()).resolve(ids.get(2))).doesNotExist();
      String list = cli("list", guest.name()).stdout();
      assertThat(list).contains(ids.get(0)).contains(ids.get(3))
          .doesNotContain(ids.get(1)).doesNotContain(ids.get(2));
      // What remains is intact.
      assertThat(cli("verify", guest.name(), ids.get(3)).exitCode()).isZero();
      assertThat(cli("verify", guest.name(), ids.get(0)).exitCode()).isZero();
      try (var left = Files.list(repository.resolve(guest.name()))) {
        assertThat(left.map(path -> path.getFileName().toString()))
            .containsExactlyInAnyOrder(ids.get(0), ids.get(3));
      }
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void chainsCutByFullEveryAreDeletedWholeAndTheKeptChainStillRestores() {
    try (TestGuest guest = TestGuest.builder("prunechain").churnKiB(64).create()) {
      List<BackupResult> backups = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        CliResult backup = cli("backup", guest.name(), "--strategy", "chain", "--full-every", "1", "--json");
        assertThat(backup.exitCode()).as(backup.toString()).isZero();
        backups.add(backup.json(BackupResult.class));
      }
      assertThat(backups).extracting(BackupResult::parentBackupId)
          .containsExactly(null, backups.get(0).backupId(), null, backups.get(2).backupId());
      assertThat(backups.get(2).warnings())
          .contains("new chain: 1 incremental since the chain's full copy (fullEvery 1)");

      CliResult prune = cli("prune", guest.name(), "--keep-last", "1");

      assertThat(prune.exitCode()).as(prune.toString()).isZero();
      // The newest backup needs its parent; the older chain is needed by nothing and goes whole.
      assertThat(prune.stdout()).contains("removed 2 of 4 backups");
      String list = cli("list", guest.name()).stdout();
      assertThat(list).contains(backups.get(2).backupId()).contains(backups.get(3).backupId())
          .doesNotContain(backups.get(0).backupId()).doesNotContain(backups.get(1).backupId());
      assertThat(cli("verify", guest.name(), backups.get(3).backupId()).exitCode()).isZero();
      DiskContent.read(ChainE2ETest.restore(guest, backups.get(3), "kept", false), "qcow2").assertIntact();
      Invariants.assertNoPartialBackups(repository);
    }
  }

  @Test
  void aPruneWithoutRulesIsRefused() {
    CliResult run = cli("prune", "vm1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("vmbackup: give at least one rule, e.g. --keep-daily 7 --keep-weekly 4");
  }
}
