package dev.vmbackup.host.guest;

import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The tiny guest of the demo and the tests: the Debian cloud kernel with a busybox initramfs that runs
 * qemu-guest-agent and appends numbered records to each of its disks (scripts/build-test-guest.sh
 * builds the kernel and initramfs). This class makes its disks and its domain XML.
 */
public final class TinyGuest {
  /** Where scripts/build-test-guest.sh caches the kernel and initramfs. */
  public static final Path DEFAULT_GUEST_DIR =
      Path.of(System.getenv().getOrDefault("VMBACKUP_CACHE", "/var/cache/vmbackup"), "guest");

  /**
   * A disk: an ext4 filesystem made on the host.
   *
   * @param fileName file name inside the guest's directory
   * @param format {@code qcow2} or {@code raw}
   * @param ballastMiB random data put into the filesystem ({@code /ballast}) when it is made, so that
   *     copies of the disk take a while
   */
  public record Disk(String target, String fileName, String format, int sizeMiB, int ballastMiB) {
    public static Disk qcow2(String target) {
      return new Disk(target, target + ".qcow2", "qcow2", 64, 0);
    }

    public static Disk raw(String target) {
      return new Disk(target, target + ".raw", "raw", 64, 0);
    }

    /** The same disk, grown as needed, with that much random data in it. */
    public Disk withBallast(int mib) {
      return new Disk(target, fileName, format, Math.max(sizeMiB, mib + 48), mib);
    }
  }

  /**
   * Everything the domain XML needs.
   *
   * @param type {@code qemu} (TCG) or {@code kvm}
   * @param churnKiB random data the guest rewrites per record on every disk, to fill overlays; 0 for none
   */
  public record Spec(String name, Path dir, List<Disk> disks, int memoryMiB, boolean agent, int churnKiB, String type,
      Path guestDir) {}

  private TinyGuest() {}

  /** Makes an empty ext4 filesystem in the disk's file, in its format. */
  public static void makeDisk(ProcessRunner runner, Path dir, Disk disk) {
    Path raw = dir.resolve(disk.fileName() + ".mkfs");
    Duration timeout = Duration.ofMinutes(2);
    try {
      runner.runChecked(List.of("truncate", "-s", disk.sizeMiB() + "M", raw.toString()), timeout);
      if (disk.ballastMiB() > 0) {
        Path content = Files.createTempDirectory(dir, ".content-");
        runner.runChecked(List.of("dd", "if=/dev/urandom", "of=" + content.resolve("ballast"), "bs=1M",
            "count=" + disk.ballastMiB(), "status=none"), timeout);
        runner.runChecked(List.of("mkfs.ext4", "-q", "-F", "-L", disk.target(), "-d", content.toString(),
            raw.toString()), timeout);
        Files.delete(content.resolve("ballast"));
        Files.delete(content);
      } else {
        runner.runChecked(List.of("mkfs.ext4", "-q", "-F", "-L", disk.target(), raw.toString()), timeout);
      }
      Path image = dir.resolve(disk.fileName());
      if (disk.format().equals("raw")) {
        Files.move(raw, image);
      } else {
        runner.runChecked(
            List.of("qemu-img", "convert", "-f", "raw", "-O", disk.format(), raw.toString(), image.toString()), timeout);
        Files.delete(raw);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The domain XML: direct kernel boot, virtio disks, serial console appended to a file, guest agent channel. */
  public static String domainXml(Spec spec) {
    StringBuilder xml = new StringBuilder();
    xml.append("<domain type='").append(spec.type()).append("'>\n")
        .append("  <name>").append(spec.name()).append("</name>\n")
        .append("  <memory unit='MiB'>").append(spec.memoryMiB()).append("</memory>\n")
        .append("  <vcpu>1</vcpu>\n")
        .append("  <os>\n")
        .append("    <type arch='x86_64' machine='pc'>hvm</type>\n")
        .append("    <kernel>").append(escape(spec.guestDir().resolve("vmlinuz").toString())).append("</kernel>\n")
        .append("    <initrd>").append(escape(spec.guestDir().resolve("initrd.img").toString())).append("</initrd>\n")
        .append("    <cmdline>console=ttyS0 quiet vmbackup.churn_kib=").append(spec.churnKiB()).append("</cmdline>\n")
        .append("  </os>\n")
        .append("  <on_poweroff>destroy</on_poweroff>\n")
        .append("  <devices>\n");
    for (Disk disk : spec.disks()) {
      xml.append("    <disk type='file' device='disk'>\n")
          .append("      <driver name='qemu' type='").append(disk.format()).append("'/>\n")
          .append("      <source file='").append(escape(spec.dir().resolve(disk.fileName()).toString())).append("'/>\n")
          .append("      <target dev='").append(disk.target()).append("' bus='virtio'/>\n")
          .append("    </disk>\n");
    }
    xml.append("    <serial type='file'>\n")
        .append("      <source path='").append(escape(spec.dir().resolve("console.log").toString()))
        .append("' append='on'/>\n")
        .append("      <target port='0'/>\n")
        .append("    </serial>\n");
    if (spec.agent()) {
      xml.append("    <channel type='unix'>\n")
          .append("      <target type='virtio' name='org.qemu.guest_agent.0'/>\n")
          .append("    </channel>\n");
    }
    xml.append("    <memballoon model='none'/>\n")
        .append("  </devices>\n")
        .append("</domain>\n");
    return xml.toString();
  }

  private static String escape(String value) {
    return value.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
