package dev.vmbackup.starter;

import dev.vmbackup.activities.OverlayMerger;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.SnapshotOptions;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.xml.DomainDefinition;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.host.xml.DomainXml;
import dev.vmbackup.host.xml.SnapshotXml;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.Validation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * sanoid's pre- and post-snapshot scripts, so that the ZFS snapshots sanoid takes of a dataset holding
 * VM images are memory-consistent (the method of the sanoid seed): before the ZFS snapshot, each
 * running VM with disks in the dataset gets an external snapshot with its memory saved live into the
 * dataset, so the snapshot holds images frozen at the instant of the memory state; after it, the
 * overlays are committed back with pivot and the memory file is moved out of the live dataset (the ZFS
 * snapshot keeps its copy).
 */
@Command(name = "hook", mixinStandardHelpOptions = true,
    description = {"Use as sanoid's pre_snapshot_script (pre-snapshot) and post_snapshot_script (post-snapshot).",
        "The dataset comes from $SANOID_TARGET (its mountpoint from zfs) or --path; the snapshot name from"
            + " $SANOID_SNAPNAME."})
class HookCommand implements Callable<Integer> {
  private static final String PRE = "pre-snapshot";
  private static final String POST = "post-snapshot";

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PHASE", description = "pre-snapshot or post-snapshot")
  String phase;

  @Option(names = "--path", paramLabel = "DIR", description = "Directory of the VM images (default: the"
      + " mountpoint of $SANOID_TARGET).")
  Path path;

  @Option(names = "--domain", paramLabel = "DOMAIN", description = "Only these VMs (default: every running VM"
      + " with a disk under the directory).")
  List<String> domains;

  @Option(names = "--memory-dir", paramLabel = "DIR", defaultValue = "/var/lib/vmbackup/sanoid",
      description = "Where post-snapshot moves the memory files. Default: ${DEFAULT-VALUE}.")
  Path memoryDir;

  @Mixin LibvirtOptions libvirt;

  private final ProcessRunner runner = new ProcessRunner();

  @Override
  public Integer call() {
    if (!phase.equals(PRE) && !phase.equals(POST)) {
      throw new UserError("phase must be pre-snapshot or post-snapshot, not '" + phase + "'");
    }
    Path directory = directory();
    String snapshot = snapshotName();
    PrintWriter out = spec.commandLine().getOut();
    try (LibvirtHypervisor hypervisor = new LibvirtHypervisor(libvirt.uri())) {
      for (String domain : domains(hypervisor, directory)) {
        if (phase.equals(PRE)) {
          freeze(hypervisor, domain, directory, snapshot);
          out.printf("%s: disks frozen and memory saved for snapshot %s%n", domain, snapshot);
        } else {
          thaw(hypervisor, domain, directory, snapshot);
          out.printf("%s: back on its disks; memory of snapshot %s moved to %s%n", domain, snapshot,
              memoryDir.resolve(domain));
        }
      }
    }
    return 0;
  }

  private void freeze(LibvirtHypervisor hypervisor, String domain, Path directory, String snapshot) {
    DomainDefinition live = DomainXml.parse(hypervisor.domainXml(domain, false));
    List<SnapshotXml.Overlay> overlays = new ArrayList<>();
    List<String> excluded = new ArrayList<>();
    for (DomainDisk disk : live.disks()) {
      if (disk.source() != null && "disk".equals(disk.device()) && !disk.readOnly() && !disk.shareable()
          && "file".equals(disk.type())) {
        if (disk.source().endsWith(overlaySuffix(snapshot))) {
          return;
        }
        overlays.add(new SnapshotXml.Overlay(disk.target(), disk.source() + overlaySuffix(snapshot)));
      } else if (disk.source() != null) {
        excluded.add(disk.target());
      }
    }
    Path memory = memoryFile(directory, domain, snapshot);
    hypervisor.createExternalSnapshot(domain,
        SnapshotXml.external(BackupLayout.sanoidSnapshotName(snapshot), overlays, excluded, memory.toString()),
        new SnapshotOptions(false, true));
  }

  private void thaw(LibvirtHypervisor hypervisor, String domain, Path directory, String snapshot) {
    OverlayMerger merger = new OverlayMerger(hypervisor, new QemuImg(runner), 0);
    DomainDefinition live = DomainXml.parse(hypervisor.domainXml(domain, false));
    for (DomainDisk disk : live.disks()) {
      if (disk.source() != null && disk.source().endsWith(overlaySuffix(snapshot))) {
        String base = disk.source().substring(0, disk.source().length() - overlaySuffix(snapshot).length());
        merger.merge(domain, disk.target(), disk.source(), base, disk.backingChain().isEmpty()
            ? "qcow2" : disk.backingChain().get(0).format(), job -> { });
      }
    }
    Path memory = memoryFile(directory, domain, snapshot);
    if (Files.exists(memory)) {
      try {
        Path target = memoryDir.resolve(domain);
        Files.createDirectories(target);
        Files.move(memory, target.resolve(memory.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The running VMs with a disk in the directory, or the ones named. */
  private List<String> domains(LibvirtHypervisor hypervisor, Path directory) {
    if (domains != null && !domains.isEmpty()) {
      try {
        domains.forEach(domain -> Validation.domainName("domain", domain));
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      return domains;
    }
    List<String> found = new ArrayList<>();
    for (String name : hypervisor.domainNames()) {
      DomainStatus status = hypervisor.lookup(name).orElse(null);
      if (status == null || !status.state().isActive()) {
        continue;
      }
      boolean inDataset = DomainXml.parse(hypervisor.domainXml(name, false)).disks().stream()
          .anyMatch(disk -> disk.source() != null && Path.of(disk.source()).startsWith(directory));
      if (inDataset) {
        found.add(name);
      }
    }
    return found;
  }

  private Path directory() {
    if (path != null) {
      return path.toAbsolutePath().normalize();
    }
    String target = System.getenv("SANOID_TARGET");
    if (target == null || target.isBlank()) {
      throw new UserError("no dataset: run me from sanoid (SANOID_TARGET) or give --path DIR");
    }
    CommandResult mountpoint = runner.run(List.of("zfs", "get", "-H", "-o", "value", "mountpoint", target),
        Duration.ofSeconds(30));
    if (!mountpoint.succeeded() || !mountpoint.stdout().strip().startsWith("/")) {
      throw new UserError("cannot find the mountpoint of " + target + ": " + mountpoint.stderr().strip());
    }
    return Path.of(mountpoint.stdout().strip());
  }

  /** sanoid's snapshot name, made safe for a file name; or a timestamp when run by hand. */
  private static String snapshotName() {
    String name = System.getenv("SANOID_SNAPNAME");
    if (name == null || name.isBlank()) {
      name = Instant.now().toString();
    }
    return name.split(",")[0].replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  private static String overlaySuffix(String snapshot) {
    return BackupLayout.sanoidOverlaySuffix(snapshot);
  }

  private static Path memoryFile(Path directory, String domain, String snapshot) {
    return directory.resolve(BackupLayout.sanoidMemoryFile(domain, snapshot));
  }
}
