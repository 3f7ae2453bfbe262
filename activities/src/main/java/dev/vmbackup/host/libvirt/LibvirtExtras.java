package dev.vmbackup.host.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.reflect.Field;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.jna.ConnectionPointer;
import org.libvirt.jna.DomainPointer;

/**
 * The libvirt calls that libvirt-java 0.5.4 does not wrap, bound with JNA to the same libvirt library.
 * They take the {@code virDomainPtr} that libvirt-java keeps in a package-private field.
 */
final class LibvirtExtras {
  /** libvirt's {@code virErrorFunc}: called for every error, which by default libvirt prints on stderr. */
  interface ErrorFunc extends Callback {
    void invoke(Pointer userData, Pointer error);
  }

  /** Direct bindings; every function returns -1 on failure and sets libvirt's last error. */
  interface Virt extends Library {
    void virSetErrorFunc(Pointer userData, ErrorFunc handler);

    int virDomainFSThaw(DomainPointer domain, String[] mountpoints, int count, int flags);

    int virDomainGetState(DomainPointer domain, com.sun.jna.ptr.IntByReference state,
        com.sun.jna.ptr.IntByReference reason, int flags);

    int virDomainFSFreeze(DomainPointer domain, String[] mountpoints, int count, int flags);

    int virDomainBlockJobSetSpeed(DomainPointer domain, String disk, long bandwidth, int flags);

    int virDomainBlockPull(DomainPointer domain, String disk, long bandwidth, int flags);

    int virDomainUndefineFlags(DomainPointer domain, int flags);

    int virDomainBlockRebase(DomainPointer domain, String disk, String base, long bandwidth, int flags);

    int virDomainRestoreFlags(ConnectionPointer connection, String from, String dxml, int flags);

    Pointer virDomainSaveImageGetXMLDesc(ConnectionPointer connection, String file, int flags);

    String virGetLastErrorMessage();

    int virGetLastErrorCode();
  }

  /** {@code VIR_DOMAIN_PAUSED}, a state of {@code virDomainGetState}. */
  static final int STATE_PAUSED = 3;

  /** {@code VIR_DOMAIN_PAUSED_IOERROR}: the reason of a domain QEMU paused because a write failed. */
  static final int PAUSED_IOERROR = 5;

  /** {@code VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES}: the bandwidth is in bytes per second. */
  static final int SPEED_BANDWIDTH_BYTES = 1;

  /** {@code VIR_DOMAIN_UNDEFINE_NVRAM}: also delete the NVRAM file. */
  static final int UNDEFINE_NVRAM = 4;

  /** {@code VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES}: the bandwidth is in bytes per second, not MiB. */
  static final int REBASE_BANDWIDTH_BYTES = 64;

  /** {@code VIR_DOMAIN_SAVE_IMAGE_XML_SECURE}: include passwords and the like, as a restore needs them. */
  static final int SAVE_IMAGE_XML_SECURE = 1;

  private static final Virt VIRT = Native.load("virt", Virt.class);

  /**
   * Errors reach vmbackup as exceptions with libvirt's message; without a handler libvirt would also
   * print each one on stderr, including expected ones such as a lookup of a domain that does not exist.
   * Held in a field so that the callback is never garbage-collected while libvirt holds it.
   */
  private static final ErrorFunc SILENT = (userData, error) -> { };

  static {
    VIRT.virSetErrorFunc(Pointer.NULL, SILENT);
  }
  private static final Field DOMAIN_POINTER = domainPointerField();
  private static final Field CONNECTION_POINTER = connectionPointerField();

  private LibvirtExtras() {}

  /** Loads this class, whose initialiser installs the silent error handler. */
  static void silenceErrorPrinting() {
    // Nothing to do beyond class initialisation.
  }

  static Virt virt() {
    return VIRT;
  }

  static DomainPointer pointer(Domain domain) {
    try {
      return (DomainPointer) DOMAIN_POINTER.get(domain);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("libvirt-java's Domain layout changed: no access to its pointer", e);
    }
  }

  static ConnectionPointer pointer(Connect connection) {
    try {
      return (ConnectionPointer) CONNECTION_POINTER.get(connection);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("libvirt-java's Connect layout changed: no access to its pointer", e);
    }
  }

  /** A string libvirt allocated for the caller: copied into Java and freed, or an error if null. */
  static String takeString(Pointer string, String what) {
    if (string == null) {
      throw new LibvirtCallException(what + ": " + VIRT.virGetLastErrorMessage(), VIRT.virGetLastErrorCode());
    }
    try {
      return string.getString(0, "UTF-8");
    } finally {
      Native.free(Pointer.nativeValue(string));
    }
  }

  /** Throws with libvirt's own message when a call returned -1. */
  static void check(int result, String what) {
    if (result < 0) {
      throw new LibvirtCallException(what + ": " + VIRT.virGetLastErrorMessage(), VIRT.virGetLastErrorCode());
    }
  }

  private static Field connectionPointerField() {
    try {
      Field field = Connect.class.getDeclaredField("vcp");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("libvirt-java's Connect has no 'vcp' field; pin libvirt 0.5.4", e);
    }
  }

  private static Field domainPointerField() {
    try {
      Field field = Domain.class.getDeclaredField("vdp");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("libvirt-java's Domain has no 'vdp' field; pin libvirt 0.5.4", e);
    }
  }
}
