package dev.vmbackup.host.libvirt;

import dev.vmbackup.host.hypervisor.BackupApi;
import dev.vmbackup.host.hypervisor.BlockJob;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.hypervisor.HypervisorException.Kind;
import dev.vmbackup.host.hypervisor.SnapshotOptions;
import dev.vmbackup.workflows.model.DomainState;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainBlockJobInfo;
import org.libvirt.DomainInfo;
import org.libvirt.DomainSnapshot;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Hypervisor} over libvirt-java, plus JNA for the few calls it lacks. Owns one connection and
 * opens a new one when the old one is found dead (libvirtd restarted), so that the next activity
 * attempt works without restarting the worker.
 */
public final class LibvirtHypervisor implements Hypervisor, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LibvirtHypervisor.class);
  private static final int AGENT_TIMEOUT_SECONDS = 5;
  /** Thawing many filesystems takes longer than a ping, but a guest that cannot answer must not block a step. */
  private static final int THAW_TIMEOUT_SECONDS = 15;

  private final String uri;
  private final LibvirtBackupApi backupApi = new LibvirtBackupApi(this);
  private Connect connection;

  public LibvirtHypervisor(String uri) {
    this.uri = uri;
    LibvirtExtras.silenceErrorPrinting();
  }

  @FunctionalInterface
  interface DomainCall<T> {
    T apply(Domain domain) throws LibvirtException;
  }

  @FunctionalInterface
  private interface ConnectCall<T> {
    T apply(Connect connect) throws LibvirtException;
  }

  @Override
  public Optional<DomainStatus> lookup(String name) {
    try {
      return Optional.of(onDomain(name, "look up domain " + name, domain -> new DomainStatus(
          domain.getName(), domain.getUUIDString(), state(domain.getInfo().state), domain.isPersistent() == 1)));
    } catch (HypervisorException e) {
      if (e.kind() == Kind.NO_DOMAIN) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public java.util.List<String> domainNames() {
    return onConnection("list the domains", connect -> {
      java.util.List<String> names = new java.util.ArrayList<>();
      for (Domain domain : connect.listAllDomains(0)) {
        try {
          names.add(domain.getName());
        } finally {
          domain.free();
        }
      }
      java.util.Collections.sort(names);
      return names;
    });
  }

  @Override
  public String domainXml(String name, boolean inactive) {
    int flags = Domain.XMLFlags.SECURE | (inactive ? Domain.XMLFlags.INACTIVE : 0);
    return onDomain(name, "read the XML of " + name, domain -> domain.getXMLDesc(flags));
  }

  @Override
  public boolean pingAgent(String name) {
    try {
      onDomain(name, "ping the guest agent of " + name,
          domain -> domain.qemuAgentCommand("{\"execute\":\"guest-ping\"}", AGENT_TIMEOUT_SECONDS, 0));
      return true;
    } catch (HypervisorException e) {
      if (e.kind() == Kind.NO_DOMAIN || e.kind() == Kind.CONNECTION) {
        throw e;
      }
      log.info("guest agent of {} does not answer: {}", name, e.getMessage());
      return false;
    }
  }

  @Override
  public boolean filesystemsFrozen(String name) {
    try {
      String reply = onDomain(name, "ask the guest agent of " + name + " for its freeze status",
          domain -> domain.qemuAgentCommand(
              "{\"execute\":\"guest-fsfreeze-status\"}", AGENT_TIMEOUT_SECONDS, 0));
      return reply != null && reply.contains("\"frozen\"");
    } catch (HypervisorException e) {
      if (e.kind() == Kind.AGENT_UNAVAILABLE || e.kind() == Kind.INVALID_STATE || e.kind() == Kind.REFUSED) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public boolean pausedByIoError(String name) {
    return onDomain(name, "read the state of " + name, domain -> {
      com.sun.jna.ptr.IntByReference state = new com.sun.jna.ptr.IntByReference();
      com.sun.jna.ptr.IntByReference reason = new com.sun.jna.ptr.IntByReference();
      LibvirtExtras.check(LibvirtExtras.virt().virDomainGetState(LibvirtExtras.pointer(domain), state, reason, 0),
          "virDomainGetState");
      return state.getValue() == LibvirtExtras.STATE_PAUSED && reason.getValue() == LibvirtExtras.PAUSED_IOERROR;
    });
  }

  /**
   * Thaws through the agent command with a timeout rather than {@code virDomainFSThaw}, which waits for
   * the agent's answer as long as the domain's agent timeout says, by default for ever. A guest that QEMU
   * pauses while the thaw is in flight (its first write after the thaw failed on a backup target that
   * cannot be written) never answers; the call must give up so that the caller can free the guest.
   */
  @Override
  public void thawFilesystems(String name) {
    onDomain(name, "thaw the filesystems of " + name, domain -> domain.qemuAgentCommand(
        "{\"execute\":\"guest-fsfreeze-thaw\"}", THAW_TIMEOUT_SECONDS, 0));
  }

  @Override
  public void createExternalSnapshot(String name, String snapshotXml, SnapshotOptions options) {
    int flags = Domain.SnapshotCreateFlags.ATOMIC | Domain.SnapshotCreateFlags.NO_METADATA;
    flags |= options.memory() ? Domain.SnapshotCreateFlags.LIVE : Domain.SnapshotCreateFlags.DISK_ONLY;
    if (options.quiesce()) {
      flags |= Domain.SnapshotCreateFlags.QUIESCE;
    }
    int finalFlags = flags;
    onDomain(name, "take an external snapshot of " + name, domain -> {
      DomainSnapshot snapshot = domain.snapshotCreateXML(snapshotXml, finalFlags);
      if (snapshot != null) {
        snapshot.free();
      }
      return null;
    });
  }

  @Override
  public Optional<BlockJob> blockJob(String name, String target) {
    DomainBlockJobInfo info =
        onDomain(name, "read the block job of " + name + " " + target, domain -> domain.getBlockJobInfo(target, 0));
    return info == null || info.type == 0 ? Optional.empty() : Optional.of(new BlockJob(info.type, info.cur, info.end));
  }

  @Override
  public void startActiveCommit(String name, String target, long bytesPerSecond) {
    // SHALLOW commits the top image into the one directly below only, so a chain the VM had before
    // the backup (a template base, say) is never flattened.
    int flags = Domain.BlockCommitFlags.ACTIVE | Domain.BlockCommitFlags.SHALLOW
        | Domain.BlockCommitFlags.BANDWIDTH_BYTES;
    onDomain(name, "start the block commit of " + name + " " + target, domain -> {
      domain.blockCommit(target, null, null, bytesPerSecond, flags);
      return null;
    });
  }

  @Override
  public void startBlockPull(String name, String target) {
    onDomain(name, "start the block pull of " + name + " " + target, domain -> {
      LibvirtExtras.check(
          LibvirtExtras.virt().virDomainBlockPull(LibvirtExtras.pointer(domain), target, 0, 0), "virDomainBlockPull");
      return null;
    });
  }

  @Override
  public void setBlockJobSpeed(String name, String target, long bytesPerSecond) {
    onDomain(name, "change the speed of the block job of " + name + " " + target, domain -> {
      LibvirtExtras.check(LibvirtExtras.virt().virDomainBlockJobSetSpeed(LibvirtExtras.pointer(domain), target,
          bytesPerSecond, LibvirtExtras.SPEED_BANDWIDTH_BYTES), "virDomainBlockJobSetSpeed");
      return null;
    });
  }

  @Override
  public void pivot(String name, String target) {
    onDomain(name, "pivot " + name + " " + target, domain -> {
      domain.blockJobAbort(target, Domain.BlockJobAbortFlags.PIVOT);
      return null;
    });
  }

  @Override
  public void abortBlockJob(String name, String target) {
    onDomain(name, "cancel the block job of " + name + " " + target, domain -> {
      domain.blockJobAbort(target, 0);
      return null;
    });
  }

  @Override
  public boolean domainJobRunning(String name) {
    // VIR_DOMAIN_JOB_NONE is 0; an inactive domain has no job.
    return onDomain(name, "ask libvirt for the running job of " + name,
        domain -> domain.isActive() == 1 && domain.getJobInfo().getType() != 0);
  }

  @Override
  public void resume(String name) {
    onDomain(name, "resume " + name, domain -> {
      domain.resume();
      return null;
    });
  }

  @Override
  public void start(String name) {
    onDomain(name, "start " + name, domain -> domain.create());
  }

  @Override
  public void destroy(String name) {
    onDomain(name, "stop " + name, domain -> {
      domain.destroy();
      return null;
    });
  }

  @Override
  public void define(String xml) {
    onConnection("define a domain", connect -> {
      Domain domain = connect.domainDefineXML(xml);
      domain.free();
      return null;
    });
  }

  @Override
  public void undefine(String name) {
    onDomain(name, "undefine " + name, domain -> {
      LibvirtExtras.check(
          LibvirtExtras.virt().virDomainUndefineFlags(LibvirtExtras.pointer(domain), LibvirtExtras.UNDEFINE_NVRAM),
          "virDomainUndefineFlags");
      return null;
    });
  }

  @Override
  public void restoreMemoryState(String stateFile) {
    onConnection("restore the memory state " + stateFile, connect -> {
      connect.restore(stateFile);
      return null;
    });
  }

  @Override
  public void saveState(String name, String stateFile) {
    onDomain(name, "save the state of " + name + " to " + stateFile, domain -> {
      domain.save(stateFile);
      return null;
    });
  }

  @Override
  public String savedStateXml(String stateFile) {
    return onConnection("read the domain XML of the saved state " + stateFile, connect ->
        LibvirtExtras.takeString(LibvirtExtras.virt().virDomainSaveImageGetXMLDesc(
            LibvirtExtras.pointer(connect), stateFile, LibvirtExtras.SAVE_IMAGE_XML_SECURE),
            "virDomainSaveImageGetXMLDesc"));
  }

  @Override
  public void restoreState(String stateFile, String xml) {
    onConnection("restore the saved state " + stateFile, connect -> {
      LibvirtExtras.check(
          LibvirtExtras.virt().virDomainRestoreFlags(LibvirtExtras.pointer(connect), stateFile, xml, 0),
          "virDomainRestoreFlags");
      return null;
    });
  }

  @Override
  public void startCommit(String name, String target, String top, String base, long bytesPerSecond) {
    onDomain(name, "start the block commit of " + name + " " + target + " from " + top + " into " + base, domain -> {
      domain.blockCommit(target, base, top, bytesPerSecond, Domain.BlockCommitFlags.BANDWIDTH_BYTES);
      return null;
    });
  }

  @Override
  public void startBlockPull(String name, String target, String base, long bytesPerSecond) {
    onDomain(name, "start the block pull of " + name + " " + target, domain -> {
      LibvirtExtras.check(LibvirtExtras.virt().virDomainBlockRebase(LibvirtExtras.pointer(domain), target, base,
          bytesPerSecond, LibvirtExtras.REBASE_BANDWIDTH_BYTES), "virDomainBlockRebase");
      return null;
    });
  }

  @Override
  public BackupApi backupApi() {
    return backupApi;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (LibvirtException e) {
        log.debug("closing the libvirt connection: {}", e.getMessage());
      }
      connection = null;
    }
  }

  /** Runs a call on the named domain, translating libvirt's errors; for {@link LibvirtBackupApi} too. */
  <T> T onDomain(String name, String what, DomainCall<T> call) {
    return onConnection(what, connect -> {
      Domain domain = connect.domainLookupByName(name);
      try {
        return call.apply(domain);
      } finally {
        domain.free();
      }
    });
  }

  private <T> T onConnection(String what, ConnectCall<T> call) {
    try {
      return call.apply(connection());
    } catch (LibvirtException e) {
      throw translate(what, e.getError().getCode(), e.getError().getMessage(), e);
    } catch (LibvirtCallException e) {
      throw translate(what, errorNumber(e.code()), e.getMessage(), e);
    }
  }

  private synchronized Connect connection() throws LibvirtException {
    if (connection != null) {
      boolean alive;
      try {
        alive = connection.isAlive();
      } catch (LibvirtException e) {
        alive = false;
      }
      if (alive) {
        return connection;
      }
      log.warn("the connection to libvirt ({}) is gone; reconnecting", uri);
      close();
    }
    connection = new Connect(uri, false);
    return connection;
  }

  private HypervisorException translate(String what, ErrorNumber code, String message, Exception cause) {
    Kind kind = kind(code);
    if (kind == Kind.CONNECTION) {
      // Drop the connection so that the next call opens a fresh one.
      close();
    }
    return new HypervisorException(kind, "could not " + what + ": " + message, cause);
  }

  static Kind kind(ErrorNumber code) {
    if (code == null) {
      return Kind.OTHER;
    }
    return switch (code) {
      case VIR_ERR_NO_DOMAIN -> Kind.NO_DOMAIN;
      case VIR_ERR_AGENT_UNRESPONSIVE, VIR_ERR_AGENT_UNSYNCED -> Kind.AGENT_UNAVAILABLE;
      case VIR_ERR_OPERATION_INVALID, VIR_ERR_BLOCK_COPY_ACTIVE, VIR_ERR_RESOURCE_BUSY, VIR_ERR_DOM_EXIST ->
          Kind.INVALID_STATE;
      case VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN, VIR_ERR_RPC -> Kind.CONNECTION;
      case VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_OPERATION_UNSUPPORTED, VIR_ERR_ARGUMENT_UNSUPPORTED,
          VIR_ERR_XML_ERROR, VIR_ERR_XML_DETAIL, VIR_ERR_INVALID_ARG, VIR_ERR_NO_SUPPORT -> Kind.REFUSED;
      default -> Kind.OTHER;
    };
  }

  private static ErrorNumber errorNumber(int code) {
    ErrorNumber[] numbers = ErrorNumber.values();
    return code >= 0 && code < numbers.length ? numbers[code] : ErrorNumber.VIR_ERR_UNKNOWN;
  }

  private static DomainState state(DomainInfo.DomainState state) {
    return switch (state) {
      case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> DomainState.RUNNING;
      case VIR_DOMAIN_PAUSED -> DomainState.PAUSED;
      case VIR_DOMAIN_SHUTOFF -> DomainState.SHUTOFF;
      default -> DomainState.OTHER;
    };
  }
}
