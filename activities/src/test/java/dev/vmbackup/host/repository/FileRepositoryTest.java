package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.ManifestImage;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRepositoryTest {
  private static final String DOMAIN = "web-1";
  private static final String ID = "20261122T221500Z";
  private static final String NEXT_ID = "20261122T221501Z";
  private static final String THIRD_ID = "20261122T221502Z";

  @TempDir Path tmp;
  private Path root;
  private FileRepository repository;

  @BeforeEach
  void createRepository() {
    // A root that does not exist yet: prepare creates it.
    root = tmp.resolve("backups/nested");
    repository = new FileRepository(root);
  }

  @Test
  void pathsFollowTheLayout() {
    assertThat(repository.root()).isEqualTo(root);
    assertThat(repository.backupDir(DOMAIN, ID)).isEqualTo(root.resolve("web-1/20261122T221500Z"));
    assertThat(repository.partialDir(DOMAIN, ID)).isEqualTo(root.resolve("web-1/20261122T221500Z.partial"));
  }

  @Test
  void namesThatCouldLeaveTheRepositoryAreRejected() {
    assertThatThrownBy(() -> repository.backupDir("../etc", ID)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> repository.backupDir("a/b", ID)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> repository.partialDir(DOMAIN, "../../x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> repository.prepare(DOMAIN, "latest", "run-1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void prepareCreatesTheOwnedPartialDirectory() throws IOException {
    PreparedBackup prepared = repository.prepare(DOMAIN, ID, "run-1");

    Path partial = root.resolve(DOMAIN).resolve(ID + ".partial");
    assertThat(prepared).isEqualTo(new PreparedBackup(
        ID, partial.toAbsolutePath().toString(), root.resolve(DOMAIN).resolve(ID).toAbsolutePath().toString()));
    assertThat(partial).isDirectory();
    assertThat(Files.readString(partial.resolve(".owner")).strip()).isEqualTo("run-1");
    assertThat(root.resolve(DOMAIN).resolve(ID)).doesNotExist();
  }

  @Test
  void prepareIsIdempotentForTheSameOwner() {
    PreparedBackup first = repository.prepare(DOMAIN, ID, "run-1");
    PreparedBackup again = repository.prepare(DOMAIN, ID, "run-1");

    assertThat(again).isEqualTo(first);
  }

  @Test
  void prepareTakesTheNextSecondWhenAnotherOwnerHasThePartialDirectory() throws IOException {
    repository.prepare(DOMAIN, ID, "run-1");

    PreparedBackup other = repository.prepare(DOMAIN, ID, "run-2");

    assertThat(other.backupId()).isEqualTo(NEXT_ID);
    assertThat(Files.readString(Path.of(other.partialDir(), ".owner")).strip()).isEqualTo("run-2");
    // The first owner still gets its own directory back.
    assertThat(repository.prepare(DOMAIN, ID, "run-1").backupId()).isEqualTo(ID);
    assertThat(repository.prepare(DOMAIN, ID, "run-2").backupId()).isEqualTo(NEXT_ID);
  }

  @Test
  void prepareSkipsIdsOfPublishedBackups() {
    publishedBackup(ID);
    repository.prepare(DOMAIN, NEXT_ID, "run-other");

    PreparedBackup prepared = repository.prepare(DOMAIN, ID, "run-3");

    assertThat(prepared.backupId()).isEqualTo(THIRD_ID);
  }

  @Test
  void prepareTakesOverAPartialDirectoryWithoutOwner() throws IOException {
    Files.createDirectories(repository.partialDir(DOMAIN, ID));

    PreparedBackup prepared = repository.prepare(DOMAIN, ID, "run-1");

    assertThat(prepared.backupId()).isEqualTo(ID);
    assertThat(Files.readString(Path.of(prepared.partialDir(), ".owner")).strip()).isEqualTo("run-1");
  }

  @Test
  void prepareUnderARegularFileIsNotWritable() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    FileRepository underFile = new FileRepository(file.resolve("backups"));

    assertThatThrownBy(() -> underFile.prepare(DOMAIN, ID, "run-1"))
        .isInstanceOfSatisfying(RepositoryException.class, e -> {
          assertThat(e.kind()).isEqualTo(RepositoryException.Kind.NOT_WRITABLE);
          assertThat(e.getMessage()).contains(file.resolve("backups").toString()).doesNotContain("\n");
        });
  }

  @Test
  void prepareInProcIsNotWritable() {
    FileRepository inProc = new FileRepository(Path.of("/proc/vmbackup-test-xyz"));

    assertThatThrownBy(() -> inProc.prepare(DOMAIN, ID, "run-1"))
        .isInstanceOfSatisfying(RepositoryException.class, e -> {
          assertThat(e.kind()).isEqualTo(RepositoryException.Kind.NOT_WRITABLE);
          assertThat(e.getMessage()).contains("/proc/vmbackup-test-xyz").doesNotContain("\n");
        });
  }

  @Test
  void publishRenamesThePartialDirectoryIntoPlace() throws IOException {
    PreparedBackup prepared = repository.prepare(DOMAIN, ID, "run-1");
    Path partial = Path.of(prepared.partialDir());
    Files.writeString(partial.resolve("vda.qcow2"), "disk");
    Files.createDirectories(partial.resolve("nvram"));
    Files.writeString(partial.resolve("nvram/VARS.fd"), "vars");
    Files.writeString(partial.resolve("readonly.xml"), "<domain/>");
    partial.resolve("readonly.xml").toFile().setReadOnly();

    repository.publish(DOMAIN, ID);

    Path published = Path.of(prepared.finalDir());
    assertThat(partial).doesNotExist();
    assertThat(published.resolve(".owner")).doesNotExist();
    assertThat(published.resolve("vda.qcow2")).hasContent("disk");
    assertThat(published.resolve("nvram/VARS.fd")).hasContent("vars");
    assertThat(published.resolve("readonly.xml")).hasContent("<domain/>");
  }

  @Test
  void publishingAgainIsANoOp() {
    repository.prepare(DOMAIN, ID, "run-1");
    repository.publish(DOMAIN, ID);

    repository.publish(DOMAIN, ID);

    assertThat(repository.backupDir(DOMAIN, ID)).isDirectory();
  }

  @Test
  void publishingWhatWasNeverPreparedIsNotFound() {
    assertThatThrownBy(() -> repository.publish(DOMAIN, ID))
        .isInstanceOfSatisfying(RepositoryException.class,
            e -> assertThat(e.kind()).isEqualTo(RepositoryException.Kind.NOT_FOUND));
  }

  @Test
  void aManifestRoundTripsAndUsesTheWireSpellings() throws IOException {
    PreparedBackup prepared = repository.prepare(DOMAIN, ID, "run-1");
    Manifest manifest = manifest(ID, CaptureMode.QUIESCE);
    repository.writeManifest(Path.of(prepared.partialDir()), manifest);
    repository.publish(DOMAIN, ID);

    assertThat(repository.readManifest(DOMAIN, ID)).contains(manifest);

    Path file = repository.backupDir(DOMAIN, ID).resolve("manifest.json");
    String json = Files.readString(file, StandardCharsets.UTF_8);
    JsonNode tree = Json.MAPPER.readTree(json);
    assertThat(tree.get("strategy").asText()).isEqualTo("full");
    assertThat(tree.get("captureRequested").asText()).isEqualTo("quiesce");
    assertThat(tree.get("capture").asText()).isEqualTo("quiesce");
    assertThat(tree.get("disks").get(0).get("backing").get(0).get("sourcePath").asText())
        .isEqualTo("/var/lib/libvirt/images/base.qcow2");
    assertThat(tree.has("memoryState")).as("null fields are left out").isFalse();
    assertThat(tree.has("verified")).isFalse();
    assertThat(tree.has("totalBytes")).as("derived values are not stored").isFalse();
    assertThat(json).startsWith("{\n  \"formatVersion\" : 1,");
    assertThat(repository.backupDir(DOMAIN, ID).resolve("manifest.json.tmp")).doesNotExist();
  }

  @Test
  void aManifestWithMemoryStateRoundTrips() throws IOException {
    Path dir = Path.of(repository.prepare(DOMAIN, ID, "run-1").partialDir());
    Manifest manifest = manifest(ID, CaptureMode.MEMORY)
        .withVerification(new Verification("2026-11-23T08:00:00Z", false));

    repository.writeManifest(dir, manifest);
    repository.publish(DOMAIN, ID);

    assertThat(repository.readManifest(DOMAIN, ID)).contains(manifest);
    JsonNode tree = Json.MAPPER.readTree(repository.backupDir(DOMAIN, ID).resolve("manifest.json").toFile());
    assertThat(tree.get("capture").asText()).isEqualTo("memory");
    assertThat(tree.get("memoryState").get("file").asText()).isEqualTo("memory.save");
    assertThat(tree.get("verified").get("ok").asBoolean()).isFalse();
  }

  @Test
  void writingAManifestAgainReplacesIt() {
    Path dir = Path.of(repository.prepare(DOMAIN, ID, "run-1").partialDir());
    repository.writeManifest(dir, manifest(ID));
    Manifest verified = manifest(ID).withVerification(new Verification("2026-11-23T08:00:00Z", true));

    repository.writeManifest(dir, verified);
    repository.publish(DOMAIN, ID);

    assertThat(repository.readManifest(DOMAIN, ID)).contains(verified);
  }

  @Test
  void readingAMissingBackupIsEmpty() {
    assertThat(repository.readManifest(DOMAIN, ID)).isEmpty();
    publishedBackupWithoutManifest(ID);
    assertThat(repository.readManifest(DOMAIN, ID)).isEmpty();
  }

  @Test
  void aCorruptManifestIsReportedAsCorrupt() throws IOException {
    Path dir = publishedBackupWithoutManifest(ID);
    Files.writeString(dir.resolve("manifest.json"), "{\"formatVersion\": 1, \"disks\": [");

    assertThatThrownBy(() -> repository.readManifest(DOMAIN, ID))
        .isInstanceOfSatisfying(RepositoryException.class, e -> {
          assertThat(e.kind()).isEqualTo(RepositoryException.Kind.CORRUPT);
          assertThat(e.getMessage()).contains(dir.resolve("manifest.json").toString());
        });
  }

  @Test
  void listReturnsPublishedBackupsOldestFirstAndSkipsEverythingElse() throws IOException {
    publishedBackup(THIRD_ID);
    publishedBackup(ID);
    publishedBackupWithoutManifest(NEXT_ID);
    Path corrupt = publishedBackupWithoutManifest("20261122T221503Z");
    Files.writeString(corrupt.resolve("manifest.json"), "not json");
    Path partial = Path.of(repository.prepare(DOMAIN, "20261122T221504Z", "run-9").partialDir());
    repository.writeManifest(partial, manifest("20261122T221504Z"));
    Path notABackup = Files.createDirectories(root.resolve(DOMAIN).resolve("notes"));
    repository.writeManifest(notABackup, manifest(ID));

    assertThat(repository.list(DOMAIN)).extracting(Manifest::backupId).containsExactly(ID, THIRD_ID);
    assertThat(repository.list("never-backed-up")).isEmpty();
  }

  @Test
  void discardRemovesTheBackupAndTheOwnersPartialDirectoriesOnly() {
    PreparedBackup mine = repository.prepare(DOMAIN, ID, "run-1");
    PreparedBackup theirs = repository.prepare(DOMAIN, ID, "run-2");
    publishedBackup("20261122T221000Z");
    // A partial directory of this owner whose id the workflow never learnt.
    PreparedBackup forgotten = repository.prepare(DOMAIN, "20261122T230000Z", "run-1");

    repository.discard(DOMAIN, ID, "run-1");

    assertThat(Path.of(mine.partialDir())).doesNotExist();
    assertThat(Path.of(forgotten.partialDir())).doesNotExist();
    assertThat(Path.of(theirs.partialDir())).isDirectory();
    assertThat(repository.list(DOMAIN)).extracting(Manifest::backupId).containsExactly("20261122T221000Z");
  }

  @Test
  void discardRemovesAPublishedBackupOfTheGivenId() {
    publishedBackup(ID);

    repository.discard(DOMAIN, ID, "run-1");

    assertThat(repository.backupDir(DOMAIN, ID)).doesNotExist();
  }

  @Test
  void discardIsIdempotentAndToleratesWhatIsMissing() {
    repository.prepare(DOMAIN, ID, "run-1");

    repository.discard(DOMAIN, ID, "run-1");
    repository.discard(DOMAIN, ID, "run-1");
    repository.discard(DOMAIN, null, "run-1");
    repository.discard("never-backed-up", ID, "run-1");

    assertThat(repository.partialDir(DOMAIN, ID)).doesNotExist();
  }

  @Test
  void domainsAreTheSortedVisibleDirectories() throws IOException {
    assertThat(repository.domains()).isEmpty();
    repository.prepare("zeta", ID, "run-1");
    repository.prepare("alpha", ID, "run-1");
    Files.createDirectories(root.resolve(".trash"));
    Files.writeString(root.resolve("README"), "backups");

    assertThat(repository.domains()).containsExactly("alpha", "zeta");
  }

  private Path publishedBackup(String backupId) {
    Path dir = Path.of(repository.prepare(DOMAIN, backupId, "run-" + backupId).partialDir());
    repository.writeManifest(dir, manifest(backupId));
    repository.publish(DOMAIN, backupId);
    return repository.backupDir(DOMAIN, backupId);
  }

  private Path publishedBackupWithoutManifest(String backupId) {
    repository.prepare(DOMAIN, backupId, "run-" + backupId);
    repository.publish(DOMAIN, backupId);
    return repository.backupDir(DOMAIN, backupId);
  }

  private static Manifest manifest(String backupId) {
    return manifest(backupId, CaptureMode.CRASH);
  }

  /** A manifest of two disks, one with a backing layer; with memory state for {@link CaptureMode#MEMORY}. */
  private static Manifest manifest(String backupId, CaptureMode capture) {
    ManifestImage base = new ManifestImage(
        "vda.backing-1.qcow2", "qcow2", 10_737_418_240L, 1_234_567, "1".repeat(64),
        "/var/lib/libvirt/images/base.qcow2");
    ManifestDisk vda = new ManifestDisk(
        "vda", "vda.qcow2", "qcow2", 10_737_418_240L, 7_654_321, "2".repeat(64),
        "/var/lib/libvirt/images/web-1.qcow2", List.of(base));
    ManifestDisk vdb = new ManifestDisk(
        "vdb", "vdb.raw", "raw", 1_073_741_824L, 1_073_741_824L, "3".repeat(64),
        "/var/lib/libvirt/images/web-1-data.raw", null);
    return new Manifest(
        Manifest.FORMAT_VERSION, DOMAIN, "6f1c2b4e-1111-2222-3333-444455556666", "host-a", backupId,
        "2026-11-22T22:15:00Z", "2026-11-22T22:19:30Z", Strategy.FULL, capture, capture,
        List.of("disk vdc is a CD-ROM and was left out"), List.of(vda, vdb),
        capture == CaptureMode.MEMORY ? new ManifestFile("memory.save", 2_147_483_648L, "4".repeat(64)) : null,
        new ManifestFile("domain.xml", 4_321, "5".repeat(64)),
        new ManifestFile("nvram/VARS.fd", 540_672, "6".repeat(64)),
        null);
  }
}
