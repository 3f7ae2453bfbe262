package dev.vmbackup.host.xml;

import static dev.vmbackup.host.xml.XmlFixtures.count;
import static dev.vmbackup.host.xml.XmlFixtures.dom;
import static dev.vmbackup.host.xml.XmlFixtures.load;
import static dev.vmbackup.host.xml.XmlFixtures.xpath;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.activities.HostSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Checks that libvirt itself accepts the rewritten definitions: each test defines a uniquely named
 * domain from a captured fixture, reads back its inactive XML and undefines it again. Nothing is
 * started. Skipped where {@code qemu:///system} is not reachable.
 */
class RestoredDomainXmlVirshTest {
  private static final String CONNECT = HostSettings.libvirtUri(null);
  private static final String ORIGINAL_MAC = "52:54:00:12:34:56";

  @TempDir Path dir;

  @BeforeAll
  static void requireLibvirt() {
    Virsh version = virsh("version");
    Assumptions.assumeTrue(version.exitCode() == 0, () -> "libvirt is not reachable: " + version.output());
  }

  @Test
  void virshDefinesRewrittenLiveXml() throws IOException {
    Path restoreDir = Files.createDirectories(dir.resolve("restore dir"));
    Map<String, String> disks = Map.of(
        "vda", emptyFile(restoreDir.resolve("vda.qcow2")),
        "vdb", emptyFile(restoreDir.resolve("vdb.qcow2")),
        "vdc", emptyFile(restoreDir.resolve("vdc.raw")));
    String name = uniqueName();
    String uuid = UUID.randomUUID().toString();

    RestoredDomainXml.Rewritten rewritten =
        RestoredDomainXml.forNewDomain(load(XmlFixtures.LIVE_SNAPSHOT), name, uuid, disks, restoreDir.toString());
    Document defined = defineAndReadBack(rewritten.xml(), name);

    assertThat(xpath(defined, "/domain/uuid")).isEqualTo(uuid);
    String mac = xpath(defined, "/domain/devices/interface/mac/@address");
    assertThat(mac).isNotEmpty().isNotEqualTo(ORIGINAL_MAC);
    assertThat(xpath(defined, "/domain/devices/disk[target/@dev='vda']/source/@file")).isEqualTo(disks.get("vda"));
    assertThat(xpath(defined, "/domain/devices/disk[target/@dev='vdc']/driver/@type")).isEqualTo("raw");
    assertThat(count(defined, "/domain/devices/disk/backingStore")).isZero();
    assertThat(xpath(defined, "/domain/devices/serial/source/@path"))
        .isEqualTo(restoreDir + "/" + name + "-serial.log");
    assertThat(count(defined, "/domain/devices/channel/source")).isZero();
    assertThat(xpath(defined, "/domain/devices/graphics/@autoport")).isEqualTo("yes");
    assertThat(count(defined, "/domain/seclabel/label")).isZero();
  }

  @Test
  void virshDefinesRewrittenXmlWithEscapedPaths() throws IOException {
    Path restoreDir = Files.createDirectories(dir.resolve("R&D 'restore' \"dir\" <é> \uD83D\uDE00"));
    Map<String, String> disks = Map.of("vda", emptyFile(restoreDir.resolve("vda & more.qcow2")));
    String name = uniqueName();

    RestoredDomainXml.Rewritten rewritten = RestoredDomainXml.forNewDomain(
        load(XmlFixtures.LIVE_ESCAPED), name, UUID.randomUUID().toString(), disks, restoreDir.toString());
    Document defined = defineAndReadBack(rewritten.xml(), name);

    assertThat(xpath(defined, "/domain/devices/disk[target/@dev='vda']/source/@file")).isEqualTo(disks.get("vda"));
  }

  @Test
  void virshDefinesRewrittenUefiXml() throws IOException {
    // The hand-written fixture asks for KVM, which not every host offers; defining does not care.
    String xml = load(XmlFixtures.UEFI).replace("<domain type='kvm'>", "<domain type='qemu'>");
    Path restoreDir = Files.createDirectories(dir.resolve("uefi"));
    Map<String, String> disks = Map.of(
        "vda", emptyFile(restoreDir.resolve("vda.qcow2")),
        "vdb", emptyFile(restoreDir.resolve("vdb.img")));
    String name = uniqueName();

    RestoredDomainXml.Rewritten rewritten =
        RestoredDomainXml.forNewDomain(xml, name, UUID.randomUUID().toString(), disks, restoreDir.toString());
    Document defined = defineAndReadBack(rewritten.xml(), name);

    assertThat(xpath(defined, "/domain/os/nvram")).isEqualTo(rewritten.nvramCopy().getValue());
    assertThat(xpath(defined, "/domain/devices/disk[target/@dev='vdb']/@type")).isEqualTo("file");
    assertThat(xpath(defined, "/domain/devices/serial/log/@file"))
        .isEqualTo(restoreDir + "/" + name + "-uefi-guest-serial0.log");
    assertThat(xpath(defined, "/domain/devices/graphics/@websocket")).isEqualTo("-1");
  }

  /** Defines the domain, returns its inactive XML as libvirt stores it, and always undefines it. */
  private Document defineAndReadBack(String xml, String name) throws IOException {
    Path file = dir.resolve(name + ".xml");
    Files.writeString(file, xml, StandardCharsets.UTF_8);
    Virsh define = virsh("define", file.toString());
    try {
      assertThat(define.exitCode()).as("virsh define: %s%n%s", define.output(), xml).isZero();
      Virsh dump = virsh("dumpxml", "--inactive", name);
      assertThat(dump.exitCode()).as("virsh dumpxml: %s", dump.output()).isZero();
      return dom(dump.output());
    } finally {
      if (define.exitCode() == 0) {
        // The NVRAM file of the UEFI case was never created, so there is nothing of it to delete.
        Virsh undefine = virsh("undefine", "--keep-nvram", name);
        assertThat(undefine.exitCode()).as("virsh undefine: %s", undefine.output()).isZero();
      }
    }
  }

  private static String emptyFile(Path path) throws IOException {
    return Files.createFile(path).toString();
  }

  private static String uniqueName() {
    return "vmbackup-xmltest-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private record Virsh(int exitCode, String output) {}

  private static Virsh virsh(String... arguments) {
    List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", CONNECT));
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // A hung libvirtd should fail the test rather than block the build forever.
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Virsh(-1, "virsh did not finish: " + String.join(" ", command));
      }
      return new Virsh(process.exitValue(), output);
    } catch (IOException e) {
      return new Virsh(-1, "cannot run virsh: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Virsh(-1, "interrupted");
    }
  }
}
