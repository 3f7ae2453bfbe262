package dev.vmbackup.host.xml;

import static dev.vmbackup.host.xml.XmlFixtures.CAPTURE_DIR;
import static dev.vmbackup.host.xml.XmlFixtures.count;
import static dev.vmbackup.host.xml.XmlFixtures.dom;
import static dev.vmbackup.host.xml.XmlFixtures.load;
import static dev.vmbackup.host.xml.XmlFixtures.xpath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.vmbackup.workflows.model.ImageLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class DomainXmlTest {
  private static final String SYSTEM = CAPTURE_DIR + "/disk images/system.qcow2";
  private static final String SYSTEM_OVERLAY = CAPTURE_DIR + "/disk images/system.ov.qcow2";
  private static final String BASE = CAPTURE_DIR + "/base.qcow2";
  private static final String DATA = CAPTURE_DIR + "/data.qcow2";
  private static final String DATA_OVERLAY = CAPTURE_DIR + "/data.ov.qcow2";
  private static final String SCRATCH = CAPTURE_DIR + "/scratch.raw";

  @Test
  void parsesCapturedInactiveXml() {
    DomainDefinition domain = DomainXml.parse(load(XmlFixtures.INACTIVE));

    assertThat(domain.name()).isEqualTo("vmbackup-xml-fixture");
    assertThat(domain.uuid()).isEqualTo("5f1c0e0a-3b7e-4c53-9d5e-6f0a1b2c3d4e");
    assertThat(domain.type()).isEqualTo("qemu");
    assertThat(domain.nvram()).isNull();
    assertThat(domain.disks())
        .extracting(DomainDisk::target, DomainDisk::device, DomainDisk::type, DomainDisk::source, DomainDisk::format)
        .containsExactly(
            tuple("vda", "disk", "file", SYSTEM, "qcow2"),
            tuple("vdb", "disk", "file", DATA, "qcow2"),
            tuple("vdc", "disk", "file", SCRATCH, "raw"),
            tuple("hdc", "cdrom", "file", null, "raw"));
    assertThat(domain.disks()).extracting(DomainDisk::readOnly).containsExactly(false, false, false, true);
    assertThat(domain.disks()).allSatisfy(disk -> {
      assertThat(disk.shareable()).isFalse();
      // Inactive XML carries no backing chains.
      assertThat(disk.backingChain()).isEmpty();
    });
  }

  @Test
  void readsBackingChainsOfCapturedLiveXml() {
    DomainDefinition domain = DomainXml.parse(load(XmlFixtures.LIVE));

    assertThat(domain.disks()).extracting(DomainDisk::target).containsExactly("vda", "vdb", "vdc", "hdc");
    DomainDisk vda = domain.disks().get(0);
    assertThat(vda.source()).isEqualTo(SYSTEM);
    assertThat(vda.backingChain()).containsExactly(new ImageLayer(BASE, "qcow2"));
    // vdb and vdc end in an empty <backingStore/> right away.
    assertThat(domain.disks().get(1).backingChain()).isEmpty();
    assertThat(domain.disks().get(2).backingChain()).isEmpty();
    // libvirt drops the driver type of an empty CD-ROM drive from the live XML.
    DomainDisk cdrom = domain.disks().get(3);
    assertThat(cdrom.readOnly()).isTrue();
    assertThat(cdrom.format()).isNull();
    assertThat(cdrom.source()).isNull();
  }

  @Test
  void readsBackingChainsNearestFirstAfterExternalSnapshot() {
    DomainDefinition domain = DomainXml.parse(load(XmlFixtures.LIVE_SNAPSHOT));

    DomainDisk vda = domain.disks().get(0);
    assertThat(vda.source()).isEqualTo(SYSTEM_OVERLAY);
    assertThat(vda.backingChain())
        .containsExactly(new ImageLayer(SYSTEM, "qcow2"), new ImageLayer(BASE, "qcow2"));
    DomainDisk vdb = domain.disks().get(1);
    assertThat(vdb.source()).isEqualTo(DATA_OVERLAY);
    assertThat(vdb.backingChain()).containsExactly(new ImageLayer(DATA, "qcow2"));
    DomainDisk vdc = domain.disks().get(2);
    assertThat(vdc.source()).isEqualTo(SCRATCH);
    assertThat(vdc.backingChain()).isEmpty();
  }

  @Test
  void decodesEscapedPathsWrittenByLibvirt() {
    DomainDefinition domain = DomainXml.parse(load(XmlFixtures.LIVE_ESCAPED));

    DomainDisk vda = domain.disks().get(0);
    assertThat(vda.source()).isEqualTo(CAPTURE_DIR + "/we&ird 'dir\" <é> \uD83D\uDE00/vda.ov.qcow2");
    assertThat(vda.backingChain())
        .extracting(ImageLayer::path)
        .containsExactly(SYSTEM_OVERLAY, SYSTEM, BASE);
  }

  @Test
  void parsesHandWrittenUefiDomain() {
    DomainDefinition domain = DomainXml.parse(load(XmlFixtures.UEFI));

    assertThat(domain.type()).isEqualTo("kvm");
    assertThat(domain.nvram()).isEqualTo("/var/lib/libvirt/qemu/nvram/uefi-guest_VARS.fd");
    // The <disk> inside <metadata> belongs to another application and is not a device.
    assertThat(domain.disks()).extracting(DomainDisk::target).containsExactly("vda", "vdb", "vdc", "sda");
    DomainDisk block = domain.disks().get(1);
    assertThat(block.type()).isEqualTo("block");
    assertThat(block.source()).isEqualTo("/dev/vg0/uefi-guest-data");
    DomainDisk network = domain.disks().get(2);
    assertThat(network.type()).isEqualTo("network");
    assertThat(network.source()).isNull();
    assertThat(network.shareable()).isTrue();
    DomainDisk cdrom = domain.disks().get(3);
    assertThat(cdrom.device()).isEqualTo("cdrom");
    assertThat(cdrom.source()).isEqualTo("/var/lib/libvirt/images/installer.iso");
    assertThat(cdrom.readOnly()).isTrue();
  }

  @Test
  void appliesLibvirtDefaultsAndReadsNvramSourceElement() {
    String xml = """
        <domain type='kvm'>
          <name>defaults</name>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
            <nvram type='file'>
              <source file='/srv/nvram/defaults_VARS.fd'/>
            </nvram>
          </os>
          <devices>
            <disk>
              <source file='/srv/defaults.img'/>
              <target dev='vda'/>
            </disk>
          </devices>
        </domain>
        """;

    DomainDefinition domain = DomainXml.parse(xml);

    assertThat(domain.uuid()).isNull();
    assertThat(domain.nvram()).isEqualTo("/srv/nvram/defaults_VARS.fd");
    DomainDisk disk = domain.disks().get(0);
    assertThat(disk.type()).isEqualTo("file");
    assertThat(disk.device()).isEqualTo("disk");
    assertThat(disk.source()).isEqualTo("/srv/defaults.img");
    assertThat(disk.format()).isNull();
  }

  @Test
  void stopsBackingChainAtFirstLayerThatIsNotAFile() {
    String xml = """
        <domain type='kvm'>
          <name>mixed</name>
          <devices>
            <disk type='file' device='disk'>
              <driver name='qemu' type='qcow2'/>
              <source file='/srv/top.qcow2'/>
              <backingStore type='file'>
                <format type='qcow2'/>
                <source file='/srv/middle.qcow2'/>
                <backingStore type='network'>
                  <format type='raw'/>
                  <source protocol='nbd' name='base'/>
                  <backingStore type='file'>
                    <format type='raw'/>
                    <source file='/srv/unreachable.raw'/>
                  </backingStore>
                </backingStore>
              </backingStore>
              <target dev='vda'/>
            </disk>
          </devices>
        </domain>
        """;

    assertThat(DomainXml.parse(xml).disks().get(0).backingChain())
        .containsExactly(new ImageLayer("/srv/middle.qcow2", "qcow2"));
  }

  @Test
  void withDiskSourceReplacesSourceDriverAndBackingChain() {
    String path = "/var/lib/vm backups/new & improved/vda.raw";

    String xml = DomainXml.withDiskSource(load(XmlFixtures.LIVE_SNAPSHOT), "vda", path, "raw");

    assertThat(xml).doesNotStartWith("<?xml");
    DomainDefinition domain = DomainXml.parse(xml);
    DomainDisk vda = domain.disks().get(0);
    assertThat(vda.source()).isEqualTo(path);
    assertThat(vda.format()).isEqualTo("raw");
    assertThat(vda.backingChain()).isEmpty();
    // The other disks keep their sources and chains.
    assertThat(domain.disks().get(1).source()).isEqualTo(DATA_OVERLAY);
    assertThat(domain.disks().get(1).backingChain()).containsExactly(new ImageLayer(DATA, "qcow2"));
    Document document = dom(xml);
    assertThat(count(document, "/domain/devices/disk[target/@dev='vda']/backingStore")).isZero();
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/alias/@name")).isEqualTo("virtio-disk0");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/driver/@name")).isEqualTo("qemu");
    assertThat(xpath(document, "/domain/description")).isEqualTo("vmbackup XML fixture & test domain");
  }

  @Test
  void withDiskSourceKeepsEverythingElseUnchanged() {
    String original = load(XmlFixtures.INACTIVE);

    // Setting vda to what it already is must give back an equal document, whitespace included.
    String xml = DomainXml.withDiskSource(original, "vda", SYSTEM, "qcow2");

    assertThat(dom(xml).isEqualNode(dom(original))).as(xml).isTrue();
  }

  @Test
  void withDiskSourceCreatesMissingSourceAndDriver() {
    String xml = """
        <domain type='qemu'>
          <name>cdrom</name>
          <devices>
            <disk type='file' device='cdrom'>
              <target dev='hdc' bus='ide'/>
              <readonly/>
            </disk>
          </devices>
        </domain>
        """;

    Document document = dom(DomainXml.withDiskSource(xml, "hdc", "/srv/disc.qcow2", "qcow2"));

    assertThat(xpath(document, "name(/domain/devices/disk/*[1])")).isEqualTo("driver");
    assertThat(xpath(document, "/domain/devices/disk/driver/@name")).isEqualTo("qemu");
    assertThat(xpath(document, "/domain/devices/disk/driver/@type")).isEqualTo("qcow2");
    assertThat(xpath(document, "name(/domain/devices/disk/*[2])")).isEqualTo("source");
    assertThat(xpath(document, "/domain/devices/disk/source/@file")).isEqualTo("/srv/disc.qcow2");
    assertThat(count(document, "/domain/devices/disk/readonly")).isEqualTo(1);
  }

  @Test
  void withDiskSourceTurnsBlockDiskIntoFileDisk() {
    Document document = dom(DomainXml.withDiskSource(load(XmlFixtures.UEFI), "vdb", "/srv/data.qcow2", "qcow2"));

    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/@type")).isEqualTo("file");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/source/@file")).isEqualTo("/srv/data.qcow2");
    assertThat(count(document, "/domain/devices/disk[target/@dev='vdb']/source/@dev")).isZero();
    // Driver attributes other than the type are tuning the user chose and stay.
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/driver/@cache")).isEqualTo("none");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/driver/@type")).isEqualTo("qcow2");
  }

  @Test
  void withDiskSourceRejectsUnknownTarget() {
    assertThatThrownBy(() -> DomainXml.withDiskSource(load(XmlFixtures.INACTIVE), "vdz", "/srv/x.qcow2", "qcow2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vdz");
  }

  @Test
  void rejectsMalformedXmlWithOneLineMessage() {
    assertThatThrownBy(() -> DomainXml.parse("<domain><name>broken</domain>"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Malformed XML")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThatThrownBy(() -> DomainXml.parse(""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsOtherDocuments() {
    assertThatThrownBy(() -> DomainXml.parse("<domainsnapshot><name>s</name></domainsnapshot>"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("domainsnapshot");
  }

  @Test
  void rejectsDoctypeWithExternalEntity(@TempDir Path dir) throws Exception {
    Path secret = Files.writeString(dir.resolve("secret.txt"), "top-secret-content");
    String xml = "<?xml version='1.0'?>\n"
        + "<!DOCTYPE domain [<!ENTITY leak SYSTEM '" + secret.toUri() + "'>]>\n"
        + "<domain type='kvm'><name>&leak;</name></domain>";

    assertThatThrownBy(() -> DomainXml.parse(xml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DOCTYPE")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("top-secret-content"));
    assertThatThrownBy(() -> DomainXml.withDiskSource(xml, "vda", "/srv/x.qcow2", "qcow2"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsInternalEntityExpansion() {
    String xml = "<!DOCTYPE domain [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
        + "<domain type='kvm'><name>&b;</name></domain>";

    assertThatThrownBy(() -> DomainXml.parse(xml)).isInstanceOf(IllegalArgumentException.class);
  }
}
