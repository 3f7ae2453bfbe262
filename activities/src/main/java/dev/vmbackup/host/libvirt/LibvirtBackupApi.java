package dev.vmbackup.host.libvirt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmbackup.host.hypervisor.BackupApi;
import dev.vmbackup.host.hypervisor.HypervisorException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.DomainCheckpoint;
import org.libvirt.DomainJobStats;
import org.libvirt.TypedIntParameter;
import org.libvirt.TypedLongParameter;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.libvirt.TypedUintParameter;
import org.libvirt.TypedUlongParameter;

/** {@link BackupApi} over libvirt-java and JNA, on the connection of a {@link LibvirtHypervisor}. */
final class LibvirtBackupApi implements BackupApi {
  /** {@code VIR_DOMAIN_JOB_OPERATION_BACKUP}. */
  private static final int OPERATION_BACKUP = 9;
  // virDomainJobType. libvirt-java's Domain.JobType has them as bit flags (1 << n), which they are not.
  private static final int JOB_NONE = 0;
  private static final int JOB_COMPLETED = 3;
  private static final int JOB_FAILED = 4;
  private static final int JOB_CANCELLED = 5;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LibvirtHypervisor hypervisor;

  LibvirtBackupApi(LibvirtHypervisor hypervisor) {
    this.hypervisor = hypervisor;
  }

  @Override
  public void freezeFilesystems(String domain) {
    hypervisor.onDomain(domain, "freeze the filesystems of " + domain, d -> {
      LibvirtExtras.check(
          LibvirtExtras.virt().virDomainFSFreeze(LibvirtExtras.pointer(d), null, 0, 0), "virDomainFSFreeze");
      return null;
    });
  }

  @Override
  public void beginBackup(String domain, String backupXml, String checkpointXml) {
    hypervisor.onDomain(domain, "start the backup job of " + domain, d -> {
      d.backupBegin(backupXml, checkpointXml, Domain.DomainBackupBeginFlags.REUSE_EXTERNAL);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>libvirt has no call for this, so it goes to QEMU's monitor (which libvirt records as a taint of
   * the domain in its log); it is used only after a job start failed on such a bitmap.
   */
  @Override
  public List<String> removeLeftoverJobBitmaps(String domain, List<String> targets) {
    List<String> names = targets.stream().map(target -> "backup-" + target).toList();
    return hypervisor.onDomain(domain, "remove leftover backup bitmaps of " + domain, d -> {
      JsonNode nodes = parse(d.qemuMonitorCommand(
          "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}", 0)).path("return");
      List<String> removed = new ArrayList<>();
      for (JsonNode node : nodes) {
        String nodeName = node.path("node-name").asText();
        for (JsonNode bitmap : node.path("dirty-bitmaps")) {
          String name = bitmap.path("name").asText();
          if (names.contains(name) && !bitmap.path("persistent").asBoolean(false)) {
            ObjectNode command = JSON.createObjectNode().put("execute", "block-dirty-bitmap-remove");
            command.putObject("arguments").put("node", nodeName).put("name", name);
            d.qemuMonitorCommand(command.toString(), 0);
            removed.add(nodeName + "/" + name);
          }
        }
      }
      return removed;
    });
  }

  private static JsonNode parse(String reply) {
    try {
      return JSON.readTree(reply);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("QEMU's monitor answered with something other than JSON: " + reply, e);
    }
  }

  @Override
  public Optional<String> backupJobXml(String domain) {
    try {
      return Optional.of(hypervisor.onDomain(domain, "read the backup job of " + domain, d -> d.getBackupXMLDesc(0)));
    } catch (HypervisorException e) {
      // VIR_ERR_NO_DOMAIN_BACKUP, which libvirt-java does not know by name; or a domain not running.
      String message = e.getMessage();
      if (message.contains("no domain backup job") || message.contains("domain is not running")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Optional<JobProgress> activeJob(String domain) {
    DomainJobStats stats = hypervisor.onDomain(domain, "read the job of " + domain, d -> d.getJobStats(0));
    if (stats.type == JOB_NONE) {
      return Optional.empty();
    }
    // A backup reports its progress in the disk counters.
    return Optional.of(new JobProgress(longValue(stats, "disk_processed"), longValue(stats, "disk_total")));
  }

  @Override
  public Optional<FinishedJob> lastFinishedJob(String domain) {
    int flags = Domain.GetJobStatsFlags.COMPLETED | Domain.GetJobStatsFlags.KEEP_COMPLETED;
    DomainJobStats stats = hypervisor.onDomain(domain, "read the last job of " + domain, d -> d.getJobStats(flags));
    JobOutcome outcome;
    if (stats.type == JOB_COMPLETED) {
      outcome = JobOutcome.COMPLETED;
    } else if (stats.type == JOB_FAILED) {
      outcome = JobOutcome.FAILED;
    } else if (stats.type == JOB_CANCELLED) {
      outcome = JobOutcome.CANCELLED;
    } else {
      return Optional.empty();
    }
    boolean backup = false;
    String error = null;
    for (TypedParameter parameter : stats.stats == null ? new TypedParameter[0] : stats.stats) {
      if ("operation".equals(parameter.field)) {
        backup = intValue(parameter) == OPERATION_BACKUP;
      } else if ("errmsg".equals(parameter.field) && parameter instanceof TypedStringParameter text) {
        error = text.value;
      }
    }
    return Optional.of(new FinishedJob(outcome, backup, error));
  }

  @Override
  public void forgetFinishedJob(String domain) {
    // Reading the completed job's statistics without KEEP_COMPLETED discards them.
    hypervisor.onDomain(domain, "read the last job of " + domain,
        d -> d.getJobStats(Domain.GetJobStatsFlags.COMPLETED));
  }

  @Override
  public void abortJob(String domain) {
    hypervisor.onDomain(domain, "abort the job of " + domain, Domain::abortJob);
  }

  @Override
  public void setBackupBandwidth(String domain, String target, long bytesPerSecond) {
    hypervisor.onDomain(domain, "limit the backup job of " + domain + " " + target, d -> {
      LibvirtExtras.check(LibvirtExtras.virt().virDomainBlockJobSetSpeed(LibvirtExtras.pointer(d), target,
          bytesPerSecond, LibvirtExtras.SPEED_BANDWIDTH_BYTES), "virDomainBlockJobSetSpeed");
      return null;
    });
  }

  @Override
  public List<String> checkpointNames(String domain) {
    String[] names = hypervisor.onDomain(domain, "list the checkpoints of " + domain, d -> d.checkpointListNames(0));
    return names == null ? List.of() : Arrays.stream(names).sorted().toList();
  }

  @Override
  public Optional<String> checkpointXml(String domain, String name, boolean withSizes) {
    if (!checkpointNames(domain).contains(name)) {
      return Optional.empty();
    }
    int flags = DomainCheckpoint.XMLFlags.NO_DOMAIN | (withSizes ? DomainCheckpoint.XMLFlags.XML_SIZE : 0);
    return Optional.of(hypervisor.onDomain(domain, "read checkpoint " + name + " of " + domain, d -> {
      DomainCheckpoint checkpoint = d.checkpointLookupByName(name);
      try {
        return checkpoint.getXMLDesc(flags);
      } finally {
        checkpoint.free();
      }
    }));
  }

  @Override
  public void deleteCheckpoint(String domain, String name, boolean metadataOnly) {
    int flags = metadataOnly ? DomainCheckpoint.CheckpointDeleteFlags.METADATA_ONLY : 0;
    hypervisor.onDomain(domain, "delete checkpoint " + name + " of " + domain, d -> {
      DomainCheckpoint checkpoint = d.checkpointLookupByName(name);
      try {
        return checkpoint.delete(flags);
      } finally {
        checkpoint.free();
      }
    });
  }

  private static long longValue(DomainJobStats stats, String field) {
    for (TypedParameter parameter : stats.stats == null ? new TypedParameter[0] : stats.stats) {
      if (field.equals(parameter.field)) {
        if (parameter instanceof TypedUlongParameter value) {
          return value.value;
        }
        if (parameter instanceof TypedLongParameter value) {
          return value.value;
        }
        return intValue(parameter);
      }
    }
    return 0;
  }

  private static long intValue(TypedParameter parameter) {
    if (parameter instanceof TypedIntParameter value) {
      return value.value;
    }
    if (parameter instanceof TypedUintParameter value) {
      return value.value;
    }
    return -1;
  }
}
