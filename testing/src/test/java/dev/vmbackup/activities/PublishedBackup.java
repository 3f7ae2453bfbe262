package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.BACKUP_ID;

import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.activities.RepositoryCopyActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.Strategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * A backup in a repository, made by the real retain activity from a small ext4 disk image, without a
 * VM: the tests that read backups need one but not the guest behind it.
 *
 * @param dir the published backup directory
 * @param image the host image the backup was taken of
 */
record PublishedBackup(FileRepository repository, String domain, String backupId, Path dir, Path image,
    Manifest manifest) {
  static final String DOMAIN = "vmbt-fixture";

  /** Needs {@link RepositoryCopyActivitiesImpl} registered in the harness's environment. */
  static PublishedBackup create(ActivityHarness harness) {
    try {
      Path host = Files.createDirectories(harness.dir.resolve("host"));
      TinyGuest.makeDisk(new ProcessRunner(), host, TinyGuest.Disk.qcow2("vda"));
      Path image = host.resolve("vda.qcow2");
      FileRepository repository = new FileRepository(harness.dir.resolve("repository"));
      PreparedBackup prepared = repository.prepare(DOMAIN, BACKUP_ID, "fixture-run");
      // What the backup directory step saves; the retain step lists it in the manifest.
      Files.writeString(Path.of(prepared.partialDir(), BackupLayout.DOMAIN_XML),
          "<domain type='qemu'><name>" + DOMAIN + "</name></domain>\n", StandardCharsets.UTF_8);
      RepositoryCopyRequest request = new RepositoryCopyRequest(new PublishHeader(repository.root().toString(),
          DOMAIN, prepared.backupId(), prepared.partialDir(), prepared.finalDir(), "testhost",
          UUID.randomUUID().toString(), Strategy.FULL, CaptureMode.CRASH, CaptureMode.CRASH, List.of(), null,
          System.currentTimeMillis(), null),
          List.of(new DiskInfo("vda", image.toString(), "qcow2", List.of())), null, false);
      harness.stub(RepositoryCopyActivities.class).copyToRepository(request);
      Manifest manifest = repository.readManifest(DOMAIN, prepared.backupId()).orElseThrow();
      return new PublishedBackup(repository, DOMAIN, prepared.backupId(), Path.of(prepared.finalDir()), image,
          manifest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String repositoryPath() {
    return repository.root().toString();
  }

  Path diskFile() {
    return dir.resolve(manifest.disks().get(0).file());
  }

  Manifest currentManifest() {
    return repository.readManifest(domain, backupId).orElseThrow();
  }
}
