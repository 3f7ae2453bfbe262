package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.repository.FileRepositories;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.RestoreActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.DomainRef;
import dev.vmbackup.workflows.model.FilePlacement;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.SetAsideRequest;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The host side of a restore: copying out of the repository, moving files aside, undefining. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestoreActivitiesTest {
  private static final String SUFFIX = ".vmbackup-replaced-20251125T230000Z";

  private ActivityHarness harness;
  private RestoreActivities restore;

  @BeforeEach
  void setUp() {
    harness = new ActivityHarness("restore");
    harness.env.registerActivitiesImplementations(
        new RepositoryCopyActivitiesImpl(new FileRepositories(), harness.hypervisor, harness.images, harness.copier),
        new RestoreActivitiesImpl(new FileRepositories(), harness.hypervisor, harness.images, harness.copier));
    restore = harness.stub(RestoreActivities.class);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void aCopyOutOfADamagedRepositoryFailsAndLeavesNothingBehind() throws IOException {
    PublishedBackup backup = PublishedBackup.create(harness);
    ManifestDisk disk = backup.manifest().disks().get(0);
    Path restored = harness.dir.resolve("restored/vda.qcow2");

    restore.copyFromRepository(copyRequest(backup, restored));

    assertThat(SparseCopier.sha256(restored)).as("an intact backup restores").isEqualTo(disk.sha256());

    VerifyActivitiesTest.flipByte(backup.diskFile(), Files.size(backup.diskFile()) / 3);
    Path again = harness.dir.resolve("restored-again/vda.qcow2");

    ApplicationFailure failure = failureOf(() -> restore.copyFromRepository(copyRequest(backup, again)));

    assertThat(failure.getType()).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains(disk.file());
    assertThat(again).as("no half-trusted image is left for a VM to boot from").doesNotExist();
  }

  @Test
  void filesSetAsideComeBackAndRetriesChangeNothing() throws IOException {
    Path dir = Files.createDirectories(harness.dir.resolve("target"));
    Path existing = Files.writeString(dir.resolve("vda.qcow2"), "the VM's current disk");
    Path absent = dir.resolve("vdb.qcow2");
    SetAsideRequest request = new SetAsideRequest(List.of(existing.toString(), absent.toString()), SUFFIX);
    Path aside = Path.of(existing + SUFFIX);

    List<String> moved = restore.setAsideFiles(request);
    List<String> movedAgain = restore.setAsideFiles(request);

    assertThat(moved).containsExactly(aside.toString());
    assertThat(movedAgain).isEqualTo(moved);
    assertThat(existing).doesNotExist();
    assertThat(aside).hasContent("the VM's current disk");
    assertThat(Path.of(absent + SUFFIX)).doesNotExist();

    // The restore writes its copy; a late retry of the set-aside must not move it over the original.
    Files.writeString(existing, "restored disk");
    assertThat(restore.setAsideFiles(request)).isEqualTo(moved);
    assertThat(aside).hasContent("the VM's current disk");

    restore.returnSetAsideFiles(request);
    restore.returnSetAsideFiles(request);

    assertThat(existing).hasContent("the VM's current disk");
    assertThat(aside).doesNotExist();
    assertThat(absent).doesNotExist();
    assertThat(Path.of(absent + SUFFIX)).doesNotExist();
  }

  @Test
  void undefineLeavesADomainWithAnotherUuidAlone() {
    ActivityHarness.requireHost();
    try (TestGuest guest = TestGuest.builder("undefine").create()) {
      String uuid = Commands.virsh("domuuid", guest.name()).trim();
      // The restore defined its domain under this name, and someone replaced it since.
      String restoredUuid = UUID.randomUUID().toString();

      restore.undefineDomain(new DomainRef(guest.name(), restoredUuid));

      assertThat(Domains.state(guest.name())).isEqualTo("running");
      assertThat(Commands.virsh("dominfo", guest.name())).contains("Persistent:     yes");

      restore.undefineDomain(new DomainRef(guest.name(), uuid));

      assertThat(Commands.tryVirsh("dominfo", guest.name()).succeeded()).as("undefined").isFalse();
      // Again, with the domain gone: nothing to do, no failure.
      restore.undefineDomain(new DomainRef(guest.name(), uuid));
    }
  }

  private static RestoreCopyRequest copyRequest(PublishedBackup backup, Path destination) {
    ManifestDisk disk = backup.manifest().disks().get(0);
    FilePlacement file = new FilePlacement(disk.file(), destination.toString(), disk.format(), disk.bytes(),
        disk.sha256());
    return new RestoreCopyRequest(new BackupRef(backup.repositoryPath(), backup.domain(), backup.backupId()),
        List.of(new DiskPlacement(disk.target(), List.of(file))));
  }
}
