package dev.vmbackup.activities;

import static dev.vmbackup.activities.ChainFixtures.activeImage;
import static dev.vmbackup.activities.ChainFixtures.chain;
import static dev.vmbackup.activities.ChainFixtures.definedImage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.activities.SavedStateActivities;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Capture saved-state against the real libvirtd and a running test guest: the stoney cloud method
 * (rename aside, overlay at the image's path, restore, pull, move into the backup), the chain variant,
 * and the compensation in each state a failure can leave the VM in. The guest's record counter tells a
 * VM restored from its saved state (same boot, counter goes on) from one that was booted again.
 */
class SavedStateActivitiesTest {
  private static ChainFixtures host;
  private static SavedStateActivities saved;

  @BeforeAll
  static void connect() {
    TestHost.requireReady();
    host = new ChainFixtures();
    host.env.registerActivitiesImplementations(
        new SavedStateActivitiesImpl(host.hypervisor, host.images, new SparseCopier(), 0));
    saved = host.stub(SavedStateActivities.class);
  }

  @AfterAll
  static void disconnect() {
    if (host != null) {
      host.close();
    }
  }

  private static SavedStateRequest renamedPlan(TestGuest guest, String backupId) throws Exception {
    String image = guest.diskPath("vda").toString();
    Path partial = Files.createDirectories(guest.dir().resolve(backupId + ".partial"));
    return new SavedStateRequest(guest.name(), backupId, partial.resolve("memory.save").toString(), partial.toString(),
        List.of(new SavedStateRequest.Disk("vda", image, "qcow2", image + ".vmbackup-" + backupId + ".frozen", image)),
        DomainState.RUNNING);
  }

  @Test
  void theStoneyCloudMethodStopsTheVmBrieflyAndMovesTheFrozenImageIntoTheBackup() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainstoney").disk(Disk.qcow2("vda").withBallast(16)).create()) {
      SavedStateRequest plan = renamedPlan(guest, "20261120T010000Z");
      String image = guest.diskPath("vda").toString();
      String frozen = plan.disks().get(0).frozen();
      GuestRecord before = guest.console().last().orElseThrow();

      SavedStateResult result = saved.saveAndRestore(plan);

      assertThat(result.stoppedMillis()).isPositive().isLessThan(60_000);
      assertThat(guest.state()).isEqualTo("running");
      assertThat(activeImage(guest.name(), "vda")).isEqualTo(image);
      assertThat(chain(image)).containsExactly(image, frozen);
      assertThat(Files.size(Path.of(plan.stateFile()))).isPositive();
      GuestRecord resumed = guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      assertThat(resumed.boot()).as("restored, not booted again").isEqualTo(before.boot());

      saved.pullIntoOverlays(plan);
      assertThat(chain(image)).as("the frozen data is in the image again").containsExactly(image);
      assertThat(definedImage(guest.name(), "vda")).isEqualTo(image);

      saved.retainFrozenImages(plan);
      Path retained = Path.of(plan.partialDir(), "vda.qcow2");
      assertThat(Files.exists(Path.of(frozen))).as("moved, not copied").isFalse();
      assertThat(retained).exists();
      var done = Json.MAPPER.readValue(Path.of(plan.partialDir(), ".vda.qcow2.done").toFile(),
          SparseCopier.Copied.class);
      assertThat(done.sha256()).isEqualTo(SparseCopier.sha256(retained));
      assertThat(done.bytesWritten()).as("a rename writes nothing").isZero();
      // The retained image is the disk at the instant of the save: clean, without journal replay.
      DiskContent frozenContent = DiskContent.read(retained, "qcow2").assertIntact();
      assertThat(frozenContent.last().sequence()).isBetween(before.sequence(), resumed.sequence());

      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      Commands.virsh("destroy", guest.name());
      DiskContent now = DiskContent.read(Path.of(image), "qcow2").assertIntact();
      assertThat(now.records().stream().map(GuestRecord::boot).distinct()).containsExactly(before.boot());
    }
  }

  @Test
  void onAChainTheVmIsRestoredOntoTheNextOverlayAndItsDefinitionFollows() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainsaved").create()) {
      String image = guest.diskPath("vda").toString();
      String overlay = image + ".vmbackup-chain-20261120T010000Z.qcow2";
      Path partial = Files.createDirectories(guest.dir().resolve("chain.partial"));
      SavedStateRequest plan = new SavedStateRequest(guest.name(), "20261120T010000Z",
          partial.resolve("memory.save").toString(), partial.toString(),
          List.of(new SavedStateRequest.Disk("vda", image, "qcow2", image, overlay)), DomainState.RUNNING);

      SavedStateResult result = saved.saveAndRestore(plan);
      // A retry after the worker died finds the VM restored and reports the same stopped time.
      assertThat(saved.saveAndRestore(plan).stoppedMillis()).isEqualTo(result.stoppedMillis());

      assertThat(activeImage(guest.name(), "vda")).isEqualTo(overlay);
      assertThat(definedImage(guest.name(), "vda")).isEqualTo(overlay);
      assertThat(chain(overlay)).containsExactly(overlay, image);
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  @Test
  void aVmLeftSavedAndNeverRestoredIsRestoredFromItsStateWithItsImageBackInPlace() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainundosave").create()) {
      SavedStateRequest plan = renamedPlan(guest, "20261120T010000Z");
      String image = guest.diskPath("vda").toString();
      GuestRecord before = guest.console().last().orElseThrow();
      // An attempt saved the VM, renamed its image aside, made the overlay, and died.
      Files.writeString(Path.of(plan.partialDir(), BackupLayout.SAVED_STATE_MARKER),
          "{\"savedAtMillis\":" + System.currentTimeMillis() + "}");
      Commands.virsh("save", guest.name(), plan.stateFile());
      Files.move(Path.of(image), Path.of(plan.disks().get(0).frozen()));
      Commands.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", plan.disks().get(0).frozen(), "-F", "qcow2",
          image);

      saved.undoSaveAndRestore(plan);

      assertThat(guest.state()).isEqualTo("running");
      assertThat(Files.exists(Path.of(plan.disks().get(0).frozen()))).isFalse();
      assertThat(chain(image)).containsExactly(image);
      GuestRecord after = guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      assertThat(after.boot()).as("resumed from the saved state").isEqualTo(before.boot());
    }
  }

  @Test
  void aVmAlreadyRunningOnTheOverlayGetsTheFrozenDataPulledBackAndNeedsNothingOfTheBackup() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainundorun").churnKiB(64).create()) {
      SavedStateRequest plan = renamedPlan(guest, "20261120T010000Z");
      String image = guest.diskPath("vda").toString();
      saved.saveAndRestore(plan);
      GuestRecord written = guest.console().waitForNewRecords(5, Duration.ofSeconds(60));

      saved.undoSaveAndRestore(plan);

      assertThat(guest.state()).isEqualTo("running");
      assertThat(chain(image)).containsExactly(image);
      assertThat(Files.exists(Path.of(plan.disks().get(0).frozen()))).isFalse();
      Commands.virsh("destroy", guest.name());
      DiskContent now = DiskContent.read(Path.of(image), "qcow2").assertIntact();
      assertThat(now.last().sequence()).isGreaterThanOrEqualTo(written.sequence());
    }
  }

  @Test
  void aVmWhoseSavedStateIsUnusableIsStartedInstead() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainundobad").create()) {
      SavedStateRequest plan = renamedPlan(guest, "20261120T010000Z");
      GuestRecord before = guest.console().last().orElseThrow();
      Files.writeString(Path.of(plan.partialDir(), BackupLayout.SAVED_STATE_MARKER),
          "{\"savedAtMillis\":" + System.currentTimeMillis() + "}");
      Commands.virsh("save", guest.name(), plan.stateFile());
      Files.writeString(Path.of(plan.stateFile()), "not a saved state");

      saved.undoSaveAndRestore(plan);

      assertThat(guest.state()).isEqualTo("running");
      GuestRecord after = guest.console().waitForNewRecords(3, Duration.ofSeconds(90));
      assertThat(after.boot()).as("booted again").isNotEqualTo(before.boot());
    }
  }
}
