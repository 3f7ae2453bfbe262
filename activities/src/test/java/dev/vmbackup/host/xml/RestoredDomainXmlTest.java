package dev.vmbackup.host.xml;

import static dev.vmbackup.host.xml.XmlFixtures.count;
import static dev.vmbackup.host.xml.XmlFixtures.dom;
import static dev.vmbackup.host.xml.XmlFixtures.load;
import static dev.vmbackup.host.xml.XmlFixtures.xpath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class RestoredDomainXmlTest {
  private static final String NAME = "restored-vm";
  private static final String UUID = "9d2c7a51-0e4b-4f3a-b8c6-2a1f0e9d8c7b";
  private static final String DIR = "/var/lib/vm restores/restored-vm";

  @Test
  void rewritesCapturedLiveXmlForNewDomain() {
    Map<String, String> disks = new LinkedHashMap<>();
    disks.put("vda", DIR + "/vda.qcow2");
    disks.put("vdb", DIR + "/vdb.qcow2");
    disks.put("vdc", DIR + "/vdc.raw");

    RestoredDomainXml.Rewritten rewritten =
        RestoredDomainXml.forNewDomain(load(XmlFixtures.LIVE_SNAPSHOT), NAME, UUID, disks, DIR);

    assertThat(rewritten.nvramCopy()).isNull();
    assertThat(rewritten.xml()).doesNotStartWith("<?xml");
    Document document = dom(rewritten.xml());
    assertThat(xpath(document, "/domain/name")).isEqualTo(NAME);
    assertThat(xpath(document, "/domain/uuid")).isEqualTo(UUID);
    assertThat(count(document, "/domain/@id")).isZero();
    assertThat(count(document, "//interface/mac")).isZero();
    assertThat(count(document, "//interface")).isEqualTo(1);

    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/source/@file")).isEqualTo(DIR + "/vda.qcow2");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/source/@file")).isEqualTo(DIR + "/vdb.qcow2");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdc']/source/@file")).isEqualTo(DIR + "/vdc.raw");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/driver/@type")).isEqualTo("qcow2");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdc']/driver/@type")).isEqualTo("raw");
    assertThat(count(document, "//disk/backingStore")).isZero();
    assertThat(count(document, "//source/@index")).isZero();
    // The empty CD-ROM drive is not restored and stays as it was.
    assertThat(count(document, "/domain/devices/disk[target/@dev='hdc']/source")).isZero();
    assertThat(count(document, "/domain/devices/disk[target/@dev='hdc']/readonly")).isEqualTo(1);

    assertThat(xpath(document, "/domain/devices/serial/source/@path")).isEqualTo(DIR + "/restored-vm-serial.log");
    assertThat(xpath(document, "/domain/devices/console/source/@path")).isEqualTo(DIR + "/restored-vm-serial.log");
    assertThat(count(document, "/domain/devices/channel")).isEqualTo(1);
    assertThat(count(document, "/domain/devices/channel/source")).isZero();
    assertThat(xpath(document, "/domain/devices/channel/target/@name")).isEqualTo("org.qemu.guest_agent.0");
    assertThat(xpath(document, "/domain/devices/graphics/@autoport")).isEqualTo("yes");
    assertThat(count(document, "/domain/devices/graphics/@port")).isZero();
    assertThat(xpath(document, "/domain/devices/graphics/listen/@address")).isEqualTo("127.0.0.1");

    assertThat(count(document, "//alias")).isZero();
    assertThat(count(document, "/domain/seclabel")).isZero();
    // Attributes named id elsewhere are configuration, not the runtime domain id.
    assertThat(xpath(document, "/domain/devices/audio/@id")).isEqualTo("1");
    assertThat(xpath(document, "/domain/description")).isEqualTo("vmbackup XML fixture & test domain");
    assertThat(count(document, "/domain/devices/controller")).isEqualTo(4);
  }

  @Test
  void movesNvramAndLogsOfUefiDomain() {
    RestoredDomainXml.Rewritten rewritten = RestoredDomainXml.forNewDomain(
        load(XmlFixtures.UEFI), NAME, UUID, Map.of("vda", DIR + "/vda.qcow2"), DIR + "/");

    assertThat(rewritten.nvramCopy())
        .isEqualTo(Map.entry("/var/lib/libvirt/qemu/nvram/uefi-guest_VARS.fd", DIR + "/restored-vm_VARS.fd"));
    Document document = dom(rewritten.xml());
    assertThat(xpath(document, "/domain/os/nvram")).isEqualTo(DIR + "/restored-vm_VARS.fd");
    assertThat(xpath(document, "/domain/os/nvram/@template")).isEqualTo("/usr/share/OVMF/OVMF_VARS_4M.fd");
    assertThat(xpath(document, "/domain/os/loader")).isEqualTo("/usr/share/OVMF/OVMF_CODE_4M.fd");
    assertThat(xpath(document, "/domain/devices/serial/log/@file")).isEqualTo(DIR + "/restored-vm-uefi-guest-serial0.log");
    assertThat(xpath(document, "/domain/devices/serial/log/@append")).isEqualTo("on");
    assertThat(xpath(document, "/domain/devices/console/log/@file")).isEqualTo(DIR + "/restored-vm-uefi-guest-serial0.log");

    // The guest agent socket is libvirt's to name; the service socket belongs to a server elsewhere.
    assertThat(count(document, "/domain/devices/channel[target/@name='org.qemu.guest_agent.0']/source")).isZero();
    assertThat(xpath(document, "/domain/devices/channel[target/@name='com.example.service.0']/source/@path"))
        .isEqualTo("/run/example/uefi-guest-service.sock");

    assertThat(xpath(document, "/domain/devices/graphics/@autoport")).isEqualTo("yes");
    assertThat(count(document, "/domain/devices/graphics/@port")).isZero();
    assertThat(xpath(document, "/domain/devices/graphics/@websocket")).isEqualTo("-1");

    // User aliases and a static label are configuration; the image label is output-only.
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/alias/@name")).isEqualTo("ua-system-disk");
    assertThat(xpath(document, "/domain/seclabel/label")).isEqualTo("+64055:+64055");
    assertThat(count(document, "/domain/seclabel/imagelabel")).isZero();

    // Disks that are not restored keep their storage, and foreign metadata is untouched.
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/source/@dev")).isEqualTo("/dev/vg0/uefi-guest-data");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdc']/@type")).isEqualTo("network");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='sda']/source/@file"))
        .isEqualTo("/var/lib/libvirt/images/installer.iso");
    assertThat(xpath(document, "/domain/metadata/*[local-name()='backup']/disk/@name")).isEqualTo("not-a-libvirt-disk");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/driver/@discard")).isEqualTo("unmap");
  }

  @Test
  void restoresBlockAndNetworkDisksAsFiles() {
    Map<String, String> disks = Map.of("vdb", DIR + "/vdb.img", "vdc", DIR + "/vdc.raw");

    Document document = dom(RestoredDomainXml.forNewDomain(load(XmlFixtures.UEFI), NAME, UUID, disks, DIR).xml());

    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/@type")).isEqualTo("file");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/source/@file")).isEqualTo(DIR + "/vdb.img");
    assertThat(count(document, "/domain/devices/disk[target/@dev='vdb']/source/@dev")).isZero();
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdb']/driver/@type")).isEqualTo("raw");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vdc']/@type")).isEqualTo("file");
    assertThat(count(document, "/domain/devices/disk[target/@dev='vdc']/source")).isEqualTo(1);
    assertThat(count(document, "/domain/devices/disk[target/@dev='vdc']/source/host")).isZero();
    assertThat(count(document, "/domain/devices/disk[target/@dev='vdc']/source/@protocol")).isZero();
    assertThat(count(document, "/domain/devices/disk[target/@dev='vdc']/shareable")).isEqualTo(1);
  }

  @Test
  void leavesDriverAloneForUnknownExtension() {
    Document document = dom(RestoredDomainXml.forNewDomain(
        load(XmlFixtures.INACTIVE), NAME, UUID, Map.of("vda", DIR + "/vda.disk"), DIR).xml());

    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/source/@file")).isEqualTo(DIR + "/vda.disk");
    assertThat(xpath(document, "/domain/devices/disk[target/@dev='vda']/driver/@type")).isEqualTo("qcow2");
  }

  @Test
  void addsMissingUuidAndReadsNvramSourceElement() {
    String xml = """
        <domain type='kvm'>
          <name>old</name>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
            <nvram type='file'>
              <source file='/srv/nvram/old_VARS.fd'/>
            </nvram>
          </os>
          <devices/>
          <seclabel type='dynamic' model='selinux' relabel='yes'>
            <label>system_u:system_r:svirt_t:s0:c1,c2</label>
            <imagelabel>system_u:object_r:svirt_image_t:s0:c1,c2</imagelabel>
            <baselabel>system_u:system_r:svirt_custom_t:s0</baselabel>
          </seclabel>
        </domain>
        """;

    RestoredDomainXml.Rewritten rewritten = RestoredDomainXml.forNewDomain(xml, NAME, UUID, null, DIR);

    Document document = dom(rewritten.xml());
    assertThat(xpath(document, "name(/domain/*[2])")).isEqualTo("uuid");
    assertThat(xpath(document, "/domain/uuid")).isEqualTo(UUID);
    assertThat(xpath(document, "/domain/os/nvram/source/@file")).isEqualTo(DIR + "/restored-vm_VARS.fd");
    assertThat(rewritten.nvramCopy()).isEqualTo(Map.entry("/srv/nvram/old_VARS.fd", DIR + "/restored-vm_VARS.fd"));
    // A dynamic label with a user-chosen base keeps the base; the generated labels go.
    assertThat(xpath(document, "/domain/seclabel/baselabel")).isEqualTo("system_u:system_r:svirt_custom_t:s0");
    assertThat(count(document, "/domain/seclabel/label")).isZero();
    assertThat(count(document, "/domain/seclabel/imagelabel")).isZero();
  }

  @Test
  void rejectsUnknownDiskTargetAndBlankArguments() {
    String xml = load(XmlFixtures.INACTIVE);

    assertThatThrownBy(() -> RestoredDomainXml.forNewDomain(xml, NAME, UUID, Map.of("vdz", DIR + "/vdz.qcow2"), DIR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vdz");
    assertThatThrownBy(() -> RestoredDomainXml.forNewDomain(xml, "", UUID, Map.of(), DIR))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RestoredDomainXml.forNewDomain("<domain>", NAME, UUID, Map.of(), DIR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Malformed XML");
  }
}
