package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What must hold after any backup, successful or not: the VM is in the state it was, on exactly its
 * original disks (live and persistent definition), with no overlay file, no libvirt snapshot metadata,
 * no block job and no frozen filesystem.
 */
final class Invariants {
  private Invariants() {}

  static void assertVmClean(TestGuest guest, String expectedState) {
    assertThat(guest.state()).as("state of %s", guest.name()).isEqualTo(expectedState);
    Map<String, String> expected = new LinkedHashMap<>();
    guest.disks().forEach(disk -> expected.put(disk.target(), guest.diskPath(disk.target()).toString()));
    assertThat(blockList(guest.name(), false)).as("disks of the running VM").isEqualTo(expected);
    assertThat(blockList(guest.name(), true)).as("disks of the persistent definition").isEqualTo(expected);
    assertThat(leftoverOverlays(guest.dir())).as("overlay files beside the images").isEmpty();
    assertThat(Commands.virsh("snapshot-list", guest.name(), "--name").trim())
        .as("libvirt snapshot metadata").isEmpty();
    if (expectedState.equals("running")) {
      for (dev.vmbackup.host.guest.TinyGuest.Disk disk : guest.disks()) {
        assertThat(Commands.virsh("blockjob", guest.name(), disk.target(), "--info"))
            .as("block job on %s", disk.target()).containsIgnoringCase("no current block job");
      }
      assertThat(guest.filesystemsFrozen()).as("guest filesystems frozen").isFalse();
    }
    for (dev.vmbackup.host.guest.TinyGuest.Disk disk : guest.disks()) {
      String chain = Commands.ok("qemu-img", "info", "-U", "--backing-chain", guest.diskPath(disk.target()).toString());
      assertThat(chain.lines().filter(line -> line.startsWith("image:")).count())
          .as("backing chain length of %s", disk.target()).isEqualTo(1);
    }
  }

  /** Target to source of each disk, from {@code virsh domblklist}. */
  static Map<String, String> blockList(String domain, boolean inactive) {
    String output = inactive ? Commands.virsh("domblklist", domain, "--inactive") : Commands.virsh("domblklist", domain);
    Map<String, String> disks = new LinkedHashMap<>();
    List<String> lines = output.lines().skip(2).map(String::strip).filter(line -> !line.isEmpty()).toList();
    for (String line : lines) {
      String[] parts = line.split("\\s+", 2);
      disks.put(parts[0], parts.length > 1 ? parts[1] : "");
    }
    return disks;
  }

  static List<Path> leftoverOverlays(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(file -> file.getFileName().toString().contains(".vmbackup-")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The repository holds no partial directory of any domain, and what it holds is what the README's
   * invariants promise: a directory without a manifest is not listed as a backup, and every file a
   * manifest names has the size and checksum the manifest records.
   */
  static void assertNoPartialBackups(Path repository) {
    if (!Files.exists(repository)) {
      return;
    }
    try (Stream<Path> files = Files.walk(repository, 2)) {
      assertThat(files.filter(file -> file.getFileName().toString().endsWith(".partial")).toList())
          .as("partial backup directories").isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertBackupsMatchTheirManifests(repository);
  }

  /** See {@link #assertNoPartialBackups}; every backup directory of every domain in the repository. */
  static void assertBackupsMatchTheirManifests(Path repository) {
    FileRepository files = new FileRepository(repository);
    for (Path domainDir : directories(repository)) {
      String domain = domainDir.getFileName().toString();
      List<String> listed = files.list(domain).stream().map(Manifest::backupId).toList();
      for (Path backup : directories(domainDir)) {
        String id = backup.getFileName().toString();
        if (!Files.exists(backup.resolve(Manifest.FILE_NAME))) {
          assertThat(listed).as("a directory without a manifest is not a backup").doesNotContain(id);
          continue;
        }
        Manifest manifest = files.readManifest(domain, id).orElseThrow();
        List<ManifestFile> named = new ArrayList<>();
        for (ManifestDisk disk : manifest.disks()) {
          named.add(new ManifestFile(disk.file(), disk.bytes(), disk.sha256()));
          disk.backing().forEach(layer -> named.add(new ManifestFile(layer.file(), layer.bytes(), layer.sha256())));
        }
        Stream.of(manifest.memoryState(), manifest.domainXml(), manifest.nvram()).filter(Objects::nonNull)
            .forEach(named::add);
        for (ManifestFile file : named) {
          Path path = backup.resolve(file.file());
          assertThat(path).as("a file the manifest of %s/%s names", domain, id).exists();
          assertThat(sha256(path)).as("the checksum of %s", path).isEqualTo(file.sha256());
        }
      }
    }
  }

  private static List<Path> directories(Path dir) {
    try (Stream<Path> children = Files.list(dir)) {
      return children.filter(Files::isDirectory).filter(child -> !child.getFileName().toString().startsWith("."))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checksums by path, size and modification time: a class's repository is checked after every test. */
  private static final Map<String, String> CHECKSUMS = new ConcurrentHashMap<>();

  private static String sha256(Path file) {
    try {
      String key = file + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
      String known = CHECKSUMS.get(key);
      if (known != null) {
        return known;
      }
      String hex = SparseCopier.sha256(file);
      CHECKSUMS.put(key, hex);
      return hex;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What must hold after any {@code chain} backup, successful or not: the VM is in the state it was, its
   * live and persistent definition both on {@code top} (the newest chain overlay), the running chain
   * exactly {@code chain} (top first, down to the VM's own image), no file of vmbackup's beside the
   * images that is not part of it, no snapshot metadata, no block job, no frozen filesystem.
   */
  static void assertVmOnChain(TestGuest guest, String expectedState, String target, List<String> chain) {
    assertThat(guest.state()).as("state of %s", guest.name()).isEqualTo(expectedState);
    String top = chain.get(0);
    assertThat(blockList(guest.name(), false)).as("disks of the running VM").containsEntry(target, top);
    assertThat(blockList(guest.name(), true)).as("disks of the persistent definition").containsEntry(target, top);
    assertThat(backingChain(top)).as("running chain of %s", target).isEqualTo(chain);
    assertThat(leftoverOverlays(guest.dir())).as("vmbackup files beside the images that the VM does not use")
        .allMatch(file -> chain.contains(file.toString()));
    assertThat(Commands.virsh("snapshot-list", guest.name(), "--name").trim()).as("libvirt snapshot metadata").isEmpty();
    if (expectedState.equals("running")) {
      assertThat(Commands.virsh("blockjob", guest.name(), target, "--info"))
          .as("block job on %s", target).containsIgnoringCase("no current block job");
      assertThat(guest.filesystemsFrozen()).as("guest filesystems frozen").isFalse();
    }
  }

  /** The image and every layer below it, per {@code qemu-img info --backing-chain}. */
  static List<String> backingChain(String image) {
    return Commands.ok("qemu-img", "info", "-U", "--backing-chain", image).lines()
        .filter(line -> line.startsWith("image: ")).map(line -> line.substring("image: ".length())).toList();
  }

  /** The overlay strategy chain puts on a disk image for a backup. */
  static String chainOverlay(TestGuest guest, String target, String backupId) {
    return guest.diskPath(target) + ".vmbackup-chain-" + backupId + ".qcow2";
  }
}
