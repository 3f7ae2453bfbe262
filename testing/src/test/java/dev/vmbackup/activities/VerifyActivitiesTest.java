package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.repository.FileRepositories;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.Verification;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Re-reading a published backup against its manifest, after the repository was damaged in various ways. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class VerifyActivitiesTest {
  private ActivityHarness harness;
  private VerifyActivities verify;
  private PublishedBackup backup;

  @BeforeEach
  void setUp() {
    harness = new ActivityHarness("verify");
    harness.env.registerActivitiesImplementations(
        new RepositoryCopyActivitiesImpl(new FileRepositories(), harness.hypervisor, harness.images, harness.copier),
        new VerifyActivitiesImpl(new FileRepositories(), harness.images));
    verify = harness.stub(VerifyActivities.class);
    backup = PublishedBackup.create(harness);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void anIntactBackupVerifies() {
    VerifyResult result = verify(false);

    assertThat(result.problems()).isEmpty();
    assertThat(result.ok()).isTrue();
    assertThat(result.path()).isEqualTo(backup.dir().toString());
    assertThat(result.filesChecked()).as("the image and the domain XML").isEqualTo(2);
    assertThat(result.bytesChecked()).isEqualTo(backup.manifest().totalBytes());
  }

  @Test
  void oneFlippedByteIsFoundAndNamed() throws IOException {
    Path image = backup.diskFile();
    flipByte(image, Files.size(image) / 2);

    VerifyResult result = verify(false);

    assertThat(result.ok()).isFalse();
    assertThat(result.problems()).singleElement().asString()
        .startsWith(image.getFileName().toString()).contains("checksum");
  }

  @Test
  void aTruncatedFileIsFound() throws IOException {
    Path xml = backup.dir().resolve(backup.manifest().domainXml().file());
    long size = Files.size(xml);
    try (RandomAccessFile file = new RandomAccessFile(xml.toFile(), "rw")) {
      file.setLength(size - 1);
    }

    VerifyResult result = verify(false);

    assertThat(result.ok()).isFalse();
    assertThat(result.problems()).singleElement().asString()
        .startsWith(xml.getFileName().toString()).contains(String.valueOf(size - 1), String.valueOf(size));
  }

  @Test
  void aMissingFileIsFound() throws IOException {
    Files.delete(backup.diskFile());

    VerifyResult result = verify(false);

    assertThat(result.ok()).isFalse();
    assertThat(result.problems()).singleElement().asString().contains(backup.diskFile().getFileName() + ": missing");
  }

  @Test
  void aManifestNamingFilesOutsideTheBackupIsNotFollowed() throws IOException {
    // Copies of the backup's files just outside it: following the names would find them intact.
    Manifest manifest = backup.manifest();
    ManifestDisk disk = manifest.disks().get(0);
    Path outside = backup.dir().resolveSibling("x");
    Files.copy(backup.diskFile(), outside, StandardCopyOption.REPLACE_EXISTING);
    ManifestDisk escaping = new ManifestDisk(disk.target(), "../x", disk.format(), disk.virtualSize(), disk.bytes(),
        disk.sha256(), disk.sourcePath(), disk.backing());
    ManifestFile xml = manifest.domainXml();
    Path absolute = harness.dir.resolve("domain.xml");
    Files.copy(backup.dir().resolve(xml.file()), absolute);
    ManifestFile absoluteXml = new ManifestFile(absolute.toString(), xml.bytes(), xml.sha256());
    backup.repository().writeManifest(backup.dir(), new Manifest(manifest.formatVersion(), manifest.domain(),
        manifest.uuid(), manifest.host(), manifest.backupId(), manifest.startedAt(), manifest.completedAt(),
        manifest.strategy(), manifest.captureRequested(), manifest.capture(), manifest.warnings(),
        List.of(escaping), manifest.memoryState(), absoluteXml, manifest.nvram(), null));

    VerifyResult result = verify(false);

    assertThat(result.ok()).isFalse();
    assertThat(result.problems()).hasSize(2);
    assertThat(result.problems().get(0)).contains("'../x'", "outside");
    assertThat(result.problems().get(1)).contains("'" + absolute + "'", "outside");
  }

  @Test
  void recordingWritesTheOutcomeIntoTheManifest() throws IOException {
    assertThat(backup.manifest().verified()).isNull();
    Instant before = Instant.now().minusSeconds(1);

    VerifyResult good = verify(true);

    Verification recorded = backup.currentManifest().verified();
    assertThat(good.ok()).isTrue();
    assertThat(recorded).isNotNull();
    assertThat(recorded.ok()).isTrue();
    assertThat(Instant.parse(recorded.at())).isAfter(before);
    // Recording touches the verified field only.
    assertThat(backup.currentManifest().withVerification(null)).isEqualTo(backup.manifest());
    assertThat(verify(false).ok()).as("the rewritten manifest still verifies").isTrue();

    flipByte(backup.diskFile(), 0);
    VerifyResult bad = verify(true);

    assertThat(bad.ok()).isFalse();
    assertThat(backup.currentManifest().verified().ok()).isFalse();
  }

  @Test
  void aBackupThatDoesNotExistIsReportedAsSuch() {
    ApplicationFailure failure = failureOf(() ->
        verify.verifyBackup(new VerifyRequest(backup.repositoryPath(), backup.domain(), "20200101T000000Z", false)));

    assertThat(failure.getType()).isEqualTo(FailureType.BACKUP_NOT_FOUND.name());
    assertThat(failure.isNonRetryable()).isTrue();
  }

  private VerifyResult verify(boolean record) {
    return verify.verifyBackup(new VerifyRequest(backup.repositoryPath(), backup.domain(), backup.backupId(), record));
  }

  static void flipByte(Path file, long position) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(position);
      int value = raf.read();
      raf.seek(position);
      raf.write(value ^ 0xff);
    }
  }
}
