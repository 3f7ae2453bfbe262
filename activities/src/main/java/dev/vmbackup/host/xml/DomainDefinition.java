package dev.vmbackup.host.xml;

import java.util.List;

/**
 * What vmbackup reads from a libvirt domain XML.
 *
 * @param type {@code kvm} or {@code qemu}
 * @param disks every {@code <disk>} in document order
 * @param nvram the {@code <os><nvram>} path, or null
 */
public record DomainDefinition(String name, String uuid, String type, List<DomainDisk> disks, String nvram) {
  public DomainDefinition {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
