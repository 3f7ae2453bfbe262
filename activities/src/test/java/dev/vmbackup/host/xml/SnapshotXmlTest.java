package dev.vmbackup.host.xml;

import static dev.vmbackup.host.xml.XmlFixtures.count;
import static dev.vmbackup.host.xml.XmlFixtures.dom;
import static dev.vmbackup.host.xml.XmlFixtures.xpath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.host.xml.SnapshotXml.Overlay;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class SnapshotXmlTest {
  @Test
  void buildsDiskOnlyExternalSnapshot() {
    String xml = SnapshotXml.external(
        "vmbackup-20240101",
        List.of(new Overlay("vda", "/var/lib/libvirt/images/vda.ov.qcow2"), new Overlay("vdb", "/srv/vdb.ov.qcow2")),
        List.of("hdc"),
        null);

    assertThat(xml).doesNotStartWith("<?xml");
    Document document = dom(xml);
    Element root = document.getDocumentElement();
    assertThat(root.getTagName()).isEqualTo("domainsnapshot");
    assertThat(xpath(document, "/domainsnapshot/name")).isEqualTo("vmbackup-20240101");
    assertThat(xpath(document, "/domainsnapshot/memory/@snapshot")).isEqualTo("no");
    assertThat(count(document, "/domainsnapshot/memory/@file")).isZero();
    assertThat(count(document, "/domainsnapshot/disks/disk")).isEqualTo(3);
    assertThat(xpath(document, "/domainsnapshot/disks/disk[1]/@name")).isEqualTo("vda");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[1]/@snapshot")).isEqualTo("external");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[1]/driver/@type")).isEqualTo("qcow2");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[1]/source/@file"))
        .isEqualTo("/var/lib/libvirt/images/vda.ov.qcow2");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[2]/@name")).isEqualTo("vdb");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[2]/source/@file")).isEqualTo("/srv/vdb.ov.qcow2");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[3]/@name")).isEqualTo("hdc");
    assertThat(xpath(document, "/domainsnapshot/disks/disk[3]/@snapshot")).isEqualTo("no");
    assertThat(count(document, "/domainsnapshot/disks/disk[3]/*")).isZero();
  }

  @Test
  void buildsSnapshotWithExternalMemory() {
    Document document = dom(SnapshotXml.external(
        "with-memory", List.of(new Overlay("vda", "/srv/vda.ov.qcow2")), null, "/srv/with-memory.mem"));

    assertThat(xpath(document, "/domainsnapshot/memory/@snapshot")).isEqualTo("external");
    assertThat(xpath(document, "/domainsnapshot/memory/@file")).isEqualTo("/srv/with-memory.mem");
    assertThat(count(document, "/domainsnapshot/disks/disk")).isEqualTo(1);
  }

  @Test
  void escapesAwkwardPathsAndNames() {
    String directory = "/var/lib/vm backups/R&D 'team' \"quoted\" <x> Ünïcødé 日本 \uD83D\uDE00";
    String overlay = directory + "/vda.ov.qcow2";
    String memory = directory + "/memory & state.mem";
    String name = "snap <&> \"'";

    String xml = SnapshotXml.external(name, List.of(new Overlay("vda", overlay)), List.of("sdb"), memory);

    Document document = dom(xml);
    assertThat(xpath(document, "/domainsnapshot/name")).isEqualTo(name);
    assertThat(xpath(document, "/domainsnapshot/disks/disk[@name='vda']/source/@file")).isEqualTo(overlay);
    assertThat(xpath(document, "/domainsnapshot/memory/@file")).isEqualTo(memory);
    assertThat(xpath(document, "/domainsnapshot/disks/disk[@name='sdb']/@snapshot")).isEqualTo("no");
  }

  @Test
  void rejectsBlankNameAndPaths() {
    assertThatThrownBy(() -> SnapshotXml.external(" ", List.of(), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SnapshotXml.external("s", List.of(new Overlay("vda", "")), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SnapshotXml.external("s", List.of(new Overlay(null, "/srv/x")), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
