package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.xml.DomainDefinition;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.host.xml.DomainXml;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Reads which image each disk of a domain uses right now. */
final class DomainDisks {
  private DomainDisks() {}

  /** The domain's definition as it runs (live XML) or, when shut off, as defined. */
  static DomainDefinition current(Hypervisor hypervisor, String domain, boolean active) {
    return DomainXml.parse(hypervisor.domainXml(domain, !active));
  }

  /** The persistent definition. */
  static DomainDefinition persistent(Hypervisor hypervisor, String domain) {
    return DomainXml.parse(hypervisor.domainXml(domain, true));
  }

  /** Target to source path of every disk that has one. */
  static Map<String, String> sources(DomainDefinition definition) {
    Map<String, String> sources = new LinkedHashMap<>();
    for (DomainDisk disk : definition.disks()) {
      if (disk.source() != null) {
        sources.put(disk.target(), disk.source());
      }
    }
    return sources;
  }

  static Optional<DomainDisk> disk(DomainDefinition definition, String target) {
    return definition.disks().stream().filter(disk -> disk.target().equals(target)).findFirst();
  }
}
