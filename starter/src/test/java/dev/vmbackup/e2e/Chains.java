package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.Manifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Helpers of the end-to-end tests of incremental backups: a reference copy of a disk at a point in
 * time, the manifests of a repository, and the checkpoint invariants.
 */
final class Chains {
  private Chains() {}

  /**
   * The guest's disk as it is now, while its filesystems are frozen through the agent: the guest
   * cannot change the disk until {@link #thaw}, so a backup taken meanwhile must hold exactly this.
   * The copy is made with qemu-img, independently of vmbackup.
   */
  static Path freezeAndCopy(TestGuest guest, String target, Path copy) {
    Commands.virsh("domfsfreeze", guest.name());
    Commands.ok("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", guest.diskPath(target).toString(),
        copy.toString());
    return copy;
  }

  static void thaw(TestGuest guest) {
    Commands.virsh("domfsthaw", guest.name());
  }

  /** Fails unless the image shows the same guest content as the raw reference. */
  static void assertSameContent(Path reference, Path image, String format) {
    var compared = Commands.run("qemu-img", "compare", "-f", "raw", "-F", format, reference.toString(),
        image.toString());
    assertThat(compared.exitCode()).as("qemu-img compare %s %s: %s%s", reference, image, compared.stdout(),
        compared.stderr()).isZero();
  }

  static Manifest manifest(Path repository, String domain, String backupId) {
    return new FileRepository(repository).readManifest(domain, backupId).orElseThrow();
  }

  static List<Manifest> manifests(Path repository, String domain) {
    return new FileRepository(repository).list(domain);
  }

  static List<String> checkpoints(String domain) {
    return Commands.virsh("checkpoint-list", domain, "--name").lines().map(String::strip)
        .filter(line -> !line.isEmpty()).sorted().toList();
  }

  /** Bytes the checkpoint's bitmap on the disk marks as changed now. */
  static long dirtyBytes(String domain, String checkpoint, String target) {
    String xml = Commands.virsh("checkpoint-dumpxml", domain, checkpoint, "--size", "--no-domain");
    return BackupXml.checkpointDisks(xml).stream().filter(disk -> disk.target().equals(target)).findFirst()
        .map(BackupXml.CheckpointDisk::size).orElseThrow();
  }

  /**
   * Checkpoint hygiene: every checkpoint of the domain is the checkpoint of a backup in the repository
   * (none of a backup that did not complete), there are never more than the newest backup's, the newest
   * full backup's and one being made, and on a running VM QEMU has every bitmap of each.
   */
  static void assertCheckpointsHonest(TestGuest guest, Path repository) {
    List<String> checkpoints = checkpoints(guest.name());
    Set<String> recorded = manifests(repository, guest.name()).stream().map(Manifest::checkpoint)
        .filter(name -> name != null).collect(Collectors.toSet());
    assertThat(recorded).as("checkpoints of backups in the repository").containsAll(checkpoints);
    assertThat(checkpoints).as("checkpoints kept").hasSizeLessThanOrEqualTo(3);
    if (guest.state().equals("running")) {
      for (String checkpoint : checkpoints) {
        String xml = Commands.virsh("checkpoint-dumpxml", guest.name(), checkpoint, "--size", "--no-domain");
        assertThat(BackupXml.checkpointDisks(xml)).as("bitmaps of %s", checkpoint)
            .allSatisfy(disk -> assertThat(disk.bitmap() == null || disk.size() != null).isTrue());
      }
    }
  }

  static Optional<Manifest> newest(Path repository, String domain) {
    List<Manifest> all = manifests(repository, domain);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }
}
