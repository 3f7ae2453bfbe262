package dev.vmbackup.starter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.store.BackupSession;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.LocalBackend;
import dev.vmbackup.store.StoreKey;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.Strategy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store commands ({@code repository init}, {@code list}, {@code export}, {@code gc}, {@code sync}) through the real
 * command line, on an encrypted local store of a host configuration file. Backups are put into the store
 * directly with a {@link BackupSession}, as the store step does, so no libvirt or Temporal is needed;
 * qemu-img is.
 */
class StoreCommandsTest {
  private static final String DOMAIN = "vm-1";
  private static final String UUID = "5f0e6c1e-2a6b-4e8e-9c36-0d2b8d9b1a01";
  private static final long DISK_SIZE = 4L << 20;

  @TempDir Path dir;
  private Path config;
  private Path keyFile;
  private Path storeDir;
  private ChunkStore direct;

  private record Run(int code, String out, String err) {}

  @BeforeEach
  void hostWithAnEncryptedStore() throws IOException {
    keyFile = dir.resolve("store.key");
    StoreKey.create(keyFile);
    storeDir = dir.resolve("store");
    config = writeConfig("host.yaml", keyFile);
  }

  @AfterEach
  void closeStore() {
    if (direct != null) {
      direct.close();
    }
  }

  private Path writeConfig(String name, Path key) throws IOException {
    return Files.writeString(dir.resolve(name), String.join("\n",
        "repositories:",
        "  vault: {kind: store, path: " + storeDir + ", staging: " + dir.resolve("staging") + ", keyFile: " + key + "}",
        "  plain: {path: " + dir.resolve("files") + "}",
        "  clear: {kind: store, path: " + dir.resolve("clear") + "}",
        "  mirror: {kind: store, path: " + dir.resolve("mirror") + ", keyFile: " + key + "}",
        "defaultRepository: vault",
        ""));
  }

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = Stream.concat(Stream.of(args), Stream.of("--config", config.toString())).toArray(String[]::new);
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Run(code, out.toString(), err.toString());
  }

  /** A failure as the user sees it: exit 1 and one line on stderr. */
  private static void assertRefused(Run run, String message) {
    assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.err().strip().lines()).hasSize(1);
    assertThat(run.err()).contains(message);
  }

  private ChunkStore store() {
    if (direct == null) {
      direct = ChunkStore.open(new LocalBackend(storeDir), StoreKey.read(keyFile));
    }
    return direct;
  }

  /** A raw disk image of a few MiB: seeded random data, a hole, a repeated pattern. */
  private Path disk(String name, long seed) throws IOException {
    byte[] data = new byte[(int) DISK_SIZE];
    Random random = new Random(seed);
    byte[] head = new byte[1 << 20];
    random.nextBytes(head);
    System.arraycopy(head, 0, data, 0, head.length);
    for (int i = 2 << 20; i < 3 << 20; i++) {
      data[i] = (byte) (i % 251);
    }
    byte[] tail = new byte[1 << 20];
    random.nextBytes(tail);
    System.arraycopy(tail, 0, data, 3 << 20, tail.length);
    return Files.write(dir.resolve(name), data);
  }

  /** Puts a backup into the store as the store step does: disk vda, domain.xml, NVRAM and the files-kind manifest. */
  private String storeBackup(String backupId, Path image) throws IOException {
    byte[] xml = ("<domain><name>" + DOMAIN + "</name></domain>\n").getBytes(StandardCharsets.UTF_8);
    byte[] nvram = new byte[128 << 10];
    new Random(7).nextBytes(nvram);
    Manifest files = new Manifest(Manifest.FORMAT_VERSION, DOMAIN, UUID, "hv1", backupId, "2026-11-22T22:15:00Z",
        "2026-11-22T22:16:00Z", Strategy.FULL, CaptureMode.CRASH, CaptureMode.CRASH, List.of(),
        List.of(new ManifestDisk("vda", "vda.qcow2", "qcow2", DISK_SIZE, 1234, "0".repeat(64),
            "/var/lib/libvirt/images/vm-1.qcow2", List.of())),
        null, new ManifestFile(BackupLayout.DOMAIN_XML, xml.length, sha256(xml)),
        new ManifestFile(BackupLayout.NVRAM, nvram.length, sha256(nvram)), null);
    String id = BackupLayout.storeBackupId(UUID, backupId);
    try (BackupSession session = store().begin(DOMAIN, null, id);
        FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
      session.writeDisk("vda", channel, DISK_SIZE, null);
      session.writeBlob(BackupLayout.DOMAIN_XML, xml);
      session.writeBlob(BackupLayout.NVRAM, nvram);
      session.writeBlob(BackupLayout.MANIFEST, Json.MAPPER.writeValueAsBytes(files));
      session.commit();
    }
    return id;
  }

  @Test
  void initCreatesTheStoreOnceAndRefusesWhatItCannotCreate() {
    Run created = run("repository", "init", "vault");

    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).contains("store vault created at " + storeDir, "chunk size: 256.0 KiB",
        "key fingerprint: " + StoreKey.read(keyFile).fingerprint());
    assertThat(storeDir.resolve(ChunkStore.CONFIG_KEY)).isRegularFile();
    assertRefused(run("repository", "init", "vault"), "a store already exists");
    assertThat(run("repository", "init", "clear").out()).contains("key fingerprint: not encrypted");
    assertRefused(run("repository", "init", "plain"), "repositories of kind files need no init");
    assertRefused(run("repository", "init", "offsite"), "repository 'offsite' is not defined");
  }

  @Test
  void aKeyFileOthersMayReadIsRefusedBeforeAnythingIsCreated() throws IOException {
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));

    assertRefused(run("repository", "init", "vault"), "may be read by group or others");
    assertThat(storeDir).doesNotExist();
  }

  @Test
  void aWrongKeyFileIsOneLine() throws IOException {
    assertThat(run("repository", "init", "vault").code()).isZero();
    Path other = dir.resolve("other.key");
    StoreKey.create(other);
    config = writeConfig("wrong-key.yaml", other);

    assertRefused(run("list"), "wrong key file");
  }

  @Test
  void listShowsAnEmptyStoreThenItsBackup() throws IOException {
    assertThat(run("repository", "init", "vault").code()).isZero();
    Run empty = run("list");
    assertThat(empty.code()).as(empty.err()).isZero();
    assertThat(empty.out()).contains("no backups in store vault");
    assertThat(json(run("list", "--json")).get("backups")).isEmpty();

    String id = storeBackup("20261122T221500Z", disk("a.raw", 1));

    JsonNode listed = json(run("list", "--repository", "vault", "--json"));
    assertThat(listed.get("kind").asText()).isEqualTo("store");
    assertThat(listed.get("backups")).hasSize(1);
    JsonNode backup = listed.get("backups").get(0);
    assertThat(backup.get("storeBackupId").asText()).isEqualTo(id);
    assertThat(backup.get("manifest").get("backupId").asText()).isEqualTo("20261122T221500Z");
    assertThat(backup.get("manifest").get("domain").asText()).isEqualTo(DOMAIN);
    assertThat(backup.get("disks").get(0).get("name").asText()).isEqualTo("vda");
    assertThat(backup.get("disks").get(0).get("size").asLong()).isEqualTo(DISK_SIZE);
    assertThat(backup.get("newBytes").asLong()).isPositive();
    assertThat(run("list", DOMAIN).out()).contains("20261122T221500Z", "full", "crash", "vda 4.0 MiB");
  }

  @Test
  void exportWritesABackupDirectoryOfKindFilesWithAQcow2OfTheSameContent() throws Exception {
    assertThat(run("repository", "init", "vault").code()).isZero();
    Path original = disk("a.raw", 1);
    storeBackup("20261122T221500Z", original);
    Path target = dir.resolve("files").resolve(DOMAIN).resolve("20261122T221500Z");

    Run exported = run("export", DOMAIN, "20261122T221500Z", target.toString());

    assertThat(exported.code()).as(exported.err()).isZero();
    assertThat(exported.out()).contains("backup 20261122T221500Z of vm-1 exported to " + target);
    try (Stream<Path> files = Files.list(target)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .containsExactlyInAnyOrder("vda.qcow2", "domain.xml", "nvram.fd", "manifest.json");
    }
    Path image = target.resolve("vda.qcow2");
    assertThat(qemuImg("compare", "-f", "raw", "-F", "qcow2", original.toString(), image.toString())).isZero();
    Manifest manifest = Json.MAPPER.readValue(target.resolve("manifest.json").toFile(), Manifest.class);
    ManifestDisk disk = manifest.disks().get(0);
    assertThat(disk.format()).isEqualTo("qcow2");
    assertThat(disk.backing()).isEmpty();
    assertThat(disk.bytes()).isEqualTo(Files.size(image));
    assertThat(disk.sha256()).isEqualTo(sha256(Files.readAllBytes(image)));
    assertThat(manifest.backupId()).isEqualTo("20261122T221500Z");
    // The directory is a backup of kind files as vmbackup itself verifies one: checksums and qemu-img check.
    Run verified = run("verify", "--repository", dir.resolve("files").toString(), DOMAIN, "20261122T221500Z");
    assertThat(verified.code()).as(verified.err()).isZero();
  }

  @Test
  void exportIntoANonEmptyDirectoryRefusesAndChangesNothing() throws IOException {
    assertThat(run("repository", "init", "vault").code()).isZero();
    storeBackup("20261122T221500Z", disk("a.raw", 1));
    Path target = Files.createDirectories(dir.resolve("busy"));
    Files.writeString(target.resolve("keep.txt"), "mine");

    assertRefused(run("export", DOMAIN, "20261122T221500Z", target.toString()), "is not empty");
    try (Stream<Path> files = Files.list(target)) {
      assertThat(files).containsExactly(target.resolve("keep.txt"));
    }
    assertThat(target.resolve("keep.txt")).hasContent("mine");
    assertRefused(run("export", DOMAIN, "20261122T231500Z", dir.resolve("new").toString()), "no backup 20261122T231500Z");
    assertThat(dir.resolve("new")).doesNotExist();
  }

  @Test
  void aFailedExportLeavesNoBackupBehind() throws IOException {
    assertThat(run("repository", "init", "vault").code()).isZero();
    storeBackup("20261122T221500Z", disk("a.raw", 1));
    // The largest chunk holds random disk data, not the small manifest.json the export reads first: the
    // export gets as far as restoring the disk into its directory.
    try (Stream<Path> chunks = Files.walk(storeDir.resolve("chunks"))) {
      Files.delete(chunks.filter(Files::isRegularFile)
          .max(java.util.Comparator.comparingLong(StoreCommandsTest::size)).orElseThrow());
    }
    Path target = dir.resolve("out");
    assertThat(run("list").code()).as("the stored manifest.json is still readable").isZero();

    Run failed = run("export", DOMAIN, "20261122T221500Z", target.toString());

    assertRefused(failed, "chunks/");
    assertThat(target).doesNotExist();
  }

  @Test
  void repositoryVerifyReReadsTheChunksAndNamesTheBackupsABadOneBreaks() throws IOException {
    assertThat(run("repository", "init", "vault").code()).isZero();
    storeBackup("20261122T221500Z", disk("a.raw", 1));
    storeBackup("20261123T221500Z", disk("b.raw", 2));

    JsonNode intact = json(run("repository", "verify", "vault", "--json"));
    assertThat(intact.get("ok").asBoolean()).isTrue();
    assertThat(intact.get("backups").asInt()).isEqualTo(2);
    assertThat(intact.get("checkedChunks").asInt()).isEqualTo(intact.get("referencedChunks").asInt()).isPositive();
    JsonNode sampled = json(run("repository", "verify", "vault", "--sample", "50", "--json"));
    assertThat(sampled.get("checkedChunks").asInt()).isLessThan(intact.get("checkedChunks").asInt());

    // One bit flipped in the largest chunk: random disk data of one backup only (the seeds differ).
    Path largest;
    try (Stream<Path> chunks = Files.walk(storeDir.resolve("chunks"))) {
      largest = chunks.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong(StoreCommandsTest::size))
          .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(largest);
    bytes[bytes.length / 2] ^= 1;
    Files.write(largest, bytes);

    Run broken = run("repository", "verify", "vault");
    assertThat(broken.code()).isEqualTo(1);
    assertThat(broken.err()).contains("vmbackup: bad chunk chunks/")
        .containsPattern("vmbackup: backup failed verification: " + DOMAIN + " 2026112[23]T221500Z");
    assertThat(broken.err().lines().filter(line -> line.contains("failed verification")).count()).isEqualTo(1);
    assertRefused(run("repository", "verify", "vault", "--sample", "0"), "--sample is a percentage from 1 to 100");
    assertRefused(run("repository", "verify", "plain"), "plain");
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void gcDeletesAPrunedBackupsChunksAfterTheGracePeriodAndKeepsTheOthers() throws Exception {
    assertThat(run("repository", "init", "vault").code()).isZero();
    String pruned = storeBackup("20261122T221500Z", disk("a.raw", 1));
    Path kept = disk("b.raw", 2);
    storeBackup("20261123T221500Z", kept);
    store().prune(pruned);

    JsonNode young = json(run("gc", "--json"));
    assertThat(young.get("graceSeconds").asLong()).isEqualTo(24 * 3600);
    assertThat(young.get("deletedChunks").asInt()).isZero();
    assertThat(young.get("keptYoung").asInt()).isPositive();

    JsonNode collected = json(run("gc", "--grace", "0", "--json"));
    assertThat(collected.get("deletedChunks").asInt()).isPositive();
    assertThat(collected.get("deletedIndexes").asInt()).isPositive();
    try (Stream<Path> chunks = Files.walk(storeDir.resolve("chunks"))) {
      assertThat(chunks.filter(Files::isRegularFile).count()).isEqualTo(collected.get("markedChunks").asLong());
    }
    assertThat(store().verify(1.0, 0).ok()).isTrue();
    Path target = dir.resolve("out");
    assertThat(run("export", DOMAIN, "20261123T221500Z", target.toString()).code()).isZero();
    assertThat(qemuImg("compare", "-f", "raw", "-F", "qcow2", kept.toString(), target.resolve("vda.qcow2").toString()))
        .isZero();
    Run text = run("gc", "--grace", "0");
    assertThat(text.out()).contains("deleted chunks: 0");
  }

  @Test
  void syncCopiesTheBackupsTheOtherStoreLacksAndTheCopyExports() throws Exception {
    assertThat(run("repository", "init", "vault").code()).isZero();
    assertThat(run("repository", "init", "mirror").code()).isZero();
    storeBackup("20261122T221500Z", disk("a.raw", 1));
    Path second = disk("b.raw", 2);
    String secondId = storeBackup("20261123T221500Z", second);

    assertThat(json(run("sync", "--from", "vault", "--to", "mirror", "other-vm", "--json")).get("backupsCopied")
        .asInt()).as("another domain's backups only").isZero();
    JsonNode synced = json(run("sync", "--from", "vault", "--to", "mirror", DOMAIN, "--json"));

    assertThat(synced.get("backupsCopied").asInt()).isEqualTo(2);
    assertThat(synced.get("copied").get(1).asText()).isEqualTo(secondId);
    assertThat(synced.get("chunksSent").asLong()).isPositive();
    assertThat(synced.get("bytesSent").asLong()).isPositive();
    Run again = run("sync", "--from", "vault", "--to", "mirror");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("backups copied: 0", "chunks sent: 0 (0 B)", "chunks already there: 0");
    assertThat(json(run("list", "--repository", "mirror", "--json")).get("backups")).hasSize(2);
    Path target = dir.resolve("out");
    Run exported = run("export", "--repository", "mirror", DOMAIN, "20261123T221500Z", target.toString());
    assertThat(exported.code()).as(exported.err()).isZero();
    assertThat(qemuImg("compare", "-f", "raw", "-F", "qcow2", second.toString(), target.resolve("vda.qcow2").toString()))
        .isZero();
  }

  @Test
  void syncRefusesWhatItCannotCopyInOneLineAndWritesNothing() throws IOException {
    assertThat(run("repository", "init", "vault").code()).isZero();
    assertThat(run("repository", "init", "clear").code()).isZero();
    storeBackup("20261122T221500Z", disk("a.raw", 1));

    assertRefused(run("sync", "--from", "vault", "--to", "clear"),
        "cannot sync vault to clear: the stores have different keys");
    try (Stream<Path> files = Files.list(dir.resolve("clear"))) {
      assertThat(files.map(file -> file.getFileName().toString())).containsExactly(ChunkStore.CONFIG_KEY);
    }
    assertRefused(run("sync", "--from", "vault", "--to", "plain"),
        "repository plain is of kind files; vmbackup sync copies between stores only");
    assertRefused(run("sync", "--from", "vault", "--to", "vault"), "--from and --to both name vault");
    assertRefused(run("sync", "--from", "vault", "--to", "offsite"), "repository 'offsite' is not defined");
    assertRefused(run("sync", "--from", "vault", "--to", "mirror"), "store 'mirror'");
  }

  @Test
  void aCommandThatReadsFilesOnlyNamesItselfForAStore() {
    assertRefused(run("verify", "--repository", "vault", DOMAIN, "20261122T221500Z"),
        "repository vault is a store; vmbackup verify does not read stores yet");
    assertRefused(run("gc", "--repository", "plain"), "repository plain is of kind files; vmbackup gc reads stores only");
    assertRefused(run("gc", "--grace", "soon"), "--grace: 'soon' is not a duration");
  }

  private static JsonNode json(Run run) throws IOException {
    assertThat(run.code()).as(run.err()).isZero();
    return Json.MAPPER.readTree(run.out());
  }

  private static int qemuImg(String... args) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(Stream.concat(Stream.of("qemu-img"), Stream.of(args)).toList())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return process.waitFor();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
