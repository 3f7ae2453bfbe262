package dev.vmbackup.host.libvirt;

/** A libvirt call made through {@link LibvirtExtras} failed; carries libvirt's error code. */
final class LibvirtCallException extends RuntimeException {
  private final int code;

  LibvirtCallException(String message, int code) {
    super(message);
    this.code = code;
  }

  int code() {
    return code;
  }
}
