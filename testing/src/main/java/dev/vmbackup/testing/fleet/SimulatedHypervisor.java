package dev.vmbackup.testing.fleet;

import dev.vmbackup.host.hypervisor.BlockJob;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.hypervisor.HypervisorException.Kind;
import dev.vmbackup.host.hypervisor.SnapshotOptions;
import dev.vmbackup.host.xml.DomainDefinition;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.host.xml.DomainXml;
import dev.vmbackup.workflows.model.DomainState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * One simulated host's hypervisor: running VMs with one file-backed qcow2 disk each, whose disk chain,
 * snapshots and block jobs behave like libvirt's for what a full backup does (an external snapshot that
 * creates the overlay file and puts the disk on it, an active block commit that becomes ready after
 * {@link SimulatedDurations#commit()}, a pivot back onto the base). The images are real files, so the
 * real repository, copier and checksums work on them. Calls outside a full backup's path are refused.
 *
 * <p>Each snapshot begins a backup in the {@link ConcurrencyRecorder}.
 */
public final class SimulatedHypervisor implements Hypervisor {
  private static final String TARGET = "vda";
  private static final long JOB_END = 1L << 20;

  private final String host;
  private final SimulatedDurations durations;
  private final ConcurrencyRecorder recorder;
  private final Map<String, Vm> vms = new ConcurrentSkipListMap<>();

  /** A VM's disk chain, top first, and the active commit running on it, if any. */
  private static final class Vm {
    final String name;
    final String uuid = UUID.randomUUID().toString();
    final List<String> chain = new ArrayList<>();
    long commitStartedNanos = -1;

    Vm(String name, Path image) {
      this.name = name;
      chain.add(image.toString());
    }
  }

  public SimulatedHypervisor(String host, SimulatedDurations durations, ConcurrencyRecorder recorder) {
    this.host = host;
    this.durations = durations;
    this.recorder = recorder;
  }

  /** Defines and "starts" a VM running on {@code image} (a file that must exist; a name ending .qcow2 is qcow2). */
  public void addVm(String name, Path image) {
    vms.put(name, new Vm(name, image));
  }

  @Override
  public Optional<DomainStatus> lookup(String name) {
    Vm vm = vms.get(name);
    return vm == null ? Optional.empty() : Optional.of(new DomainStatus(name, vm.uuid, DomainState.RUNNING, true));
  }

  @Override
  public List<String> domainNames() {
    return List.copyOf(vms.keySet());
  }

  /**
   * The live XML carries the backing chain as libvirt's does. The persistent definition names the same
   * top image: libvirt also moves the persistent definition onto an external snapshot's overlay.
   */
  @Override
  public String domainXml(String name, boolean inactive) {
    Vm vm = vm(name);
    synchronized (vm) {
      StringBuilder xml = new StringBuilder("<domain type='kvm'><name>").append(name).append("</name><uuid>")
          .append(vm.uuid).append("</uuid><os><type arch='x86_64'>hvm</type></os><devices>")
          .append("<disk type='file' device='disk'><driver name='qemu' type='").append(format(vm.chain.get(0)))
          .append("'/><source file='").append(escape(vm.chain.get(0))).append("'/>");
      if (!inactive) {
        for (String layer : vm.chain.subList(1, vm.chain.size())) {
          xml.append("<backingStore type='file'><format type='").append(format(layer)).append("'/><source file='")
              .append(escape(layer)).append("'/>");
        }
        xml.append("<backingStore/>");
        xml.append("</backingStore>".repeat(vm.chain.size() - 1));
      }
      return xml.append("<target dev='").append(TARGET).append("' bus='virtio'/></disk></devices></domain>").toString();
    }
  }

  @Override
  public boolean pingAgent(String name) {
    vm(name);
    return true;
  }

  @Override
  public boolean filesystemsFrozen(String name) {
    return false;
  }

  @Override
  public void thawFilesystems(String name) {}

  @Override
  public boolean domainJobRunning(String name) {
    return false;
  }

  /** Creates each overlay file named in the snapshot XML and puts the disk on it, after the snapshot's duration. */
  @Override
  public void createExternalSnapshot(String name, String snapshotXml, SnapshotOptions options) {
    Vm vm = vm(name);
    List<String> overlays = overlays(snapshotXml);
    if (overlays.size() != 1 || options.memory()) {
      throw new HypervisorException(Kind.REFUSED, "the simulation takes disk-only snapshots of one disk");
    }
    recorder.begin(host, name);
    sleep(durations.snapshot().toMillis());
    synchronized (vm) {
      try {
        Files.createFile(Path.of(overlays.get(0)));
      } catch (IOException e) {
        throw new HypervisorException(Kind.OTHER, "cannot create overlay " + overlays.get(0) + ": " + e, e);
      }
      vm.chain.add(0, overlays.get(0));
    }
  }

  @Override
  public Optional<BlockJob> blockJob(String name, String target) {
    Vm vm = vm(name);
    synchronized (vm) {
      if (vm.commitStartedNanos < 0) {
        return Optional.empty();
      }
      double done = Math.min(1.0, (System.nanoTime() - vm.commitStartedNanos) / 1e6 / durations.commit().toMillis());
      return Optional.of(new BlockJob(BlockJob.TYPE_ACTIVE_COMMIT, (long) (done * JOB_END), JOB_END));
    }
  }

  @Override
  public void startActiveCommit(String name, String target, long bytesPerSecond) {
    Vm vm = vm(name);
    synchronized (vm) {
      if (vm.commitStartedNanos >= 0) {
        throw new HypervisorException(Kind.INVALID_STATE, "block job already running on " + name + " " + target);
      }
      if (vm.chain.size() < 2) {
        throw new HypervisorException(Kind.REFUSED, "disk " + target + " of " + name + " has no backing image");
      }
      vm.commitStartedNanos = System.nanoTime();
    }
  }

  @Override
  public void pivot(String name, String target) {
    Vm vm = vm(name);
    synchronized (vm) {
      if (blockJob(name, target).filter(BlockJob::ready).isEmpty()) {
        throw new HypervisorException(Kind.INVALID_STATE, "no ready block job on " + name + " " + target);
      }
      vm.chain.remove(0);
      vm.commitStartedNanos = -1;
    }
  }

  @Override
  public void abortBlockJob(String name, String target) {
    Vm vm = vm(name);
    synchronized (vm) {
      vm.commitStartedNanos = -1;
    }
  }

  @Override
  public void setBlockJobSpeed(String name, String target, long bytesPerSecond) {}

  @Override
  public boolean pausedByIoError(String name) {
    return false;
  }

  @Override
  public void resume(String name) {}

  /** Redefinition only ever moves the disk between images of its chain (the merge's last step). */
  @Override
  public void define(String xml) {
    DomainDefinition definition = DomainXml.parse(xml);
    Vm vm = vm(definition.name());
    synchronized (vm) {
      for (DomainDisk disk : definition.disks()) {
        int at = vm.chain.indexOf(disk.source());
        if (at < 0) {
          throw new HypervisorException(Kind.REFUSED, "the simulation cannot put a disk on " + disk.source());
        }
        vm.chain.subList(0, at).clear();
      }
    }
  }

  @Override
  public void startBlockPull(String name, String target) {
    throw notSimulated("block pull");
  }

  @Override
  public void start(String name) {
    throw notSimulated("start");
  }

  @Override
  public void destroy(String name) {
    throw notSimulated("destroy");
  }

  @Override
  public void undefine(String name) {
    throw notSimulated("undefine");
  }

  @Override
  public void restoreMemoryState(String stateFile) {
    throw notSimulated("memory restore");
  }

  @Override
  public void saveState(String name, String stateFile) {
    throw notSimulated("saved-state");
  }

  @Override
  public String savedStateXml(String stateFile) {
    throw notSimulated("saved-state");
  }

  @Override
  public void restoreState(String stateFile, String xml) {
    throw notSimulated("saved-state");
  }

  @Override
  public void startCommit(String name, String target, String top, String base, long bytesPerSecond) {
    throw notSimulated("inactive block commit (strategy chain)");
  }

  @Override
  public void startBlockPull(String name, String target, String base, long bytesPerSecond) {
    throw notSimulated("block pull (strategy chain)");
  }

  private Vm vm(String name) {
    Vm vm = vms.get(name);
    if (vm == null) {
      throw new HypervisorException(Kind.NO_DOMAIN, "no domain " + name + " on simulated host " + host);
    }
    return vm;
  }

  private static HypervisorException notSimulated(String what) {
    return new HypervisorException(Kind.REFUSED, what + " is not simulated: the fleet simulation runs full backups");
  }

  /** The overlay paths of the disks that the snapshot XML snapshots externally. */
  private static List<String> overlays(String snapshotXml) {
    try {
      var factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      var document = factory.newDocumentBuilder()
          .parse(new ByteArrayInputStream(snapshotXml.getBytes(StandardCharsets.UTF_8)));
      NodeList disks = document.getElementsByTagName("disk");
      List<String> overlays = new ArrayList<>();
      for (int i = 0; i < disks.getLength(); i++) {
        Element disk = (Element) disks.item(i);
        if ("external".equals(disk.getAttribute("snapshot"))) {
          overlays.add(((Element) disk.getElementsByTagName("source").item(0)).getAttribute("file"));
        }
      }
      return overlays;
    } catch (Exception e) {
      throw new HypervisorException(Kind.REFUSED, "unreadable snapshot XML: " + e.getMessage(), e);
    }
  }

  static String format(String image) {
    return image.endsWith(".qcow2") ? "qcow2" : "raw";
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
    }
  }
}
