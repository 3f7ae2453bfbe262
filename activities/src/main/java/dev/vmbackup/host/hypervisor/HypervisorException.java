package dev.vmbackup.host.hypervisor;

/** A hypervisor call failed; {@link Kind} tells the activity boundary whether retrying can help. */
public class HypervisorException extends RuntimeException {
  public enum Kind {
    /** No domain of that name (or UUID). */
    NO_DOMAIN,
    /** The guest agent is not connected or did not answer in time. */
    AGENT_UNAVAILABLE,
    /** The domain is not in a state the call needs (not running, a block job busy, ...). */
    INVALID_STATE,
    /** The connection to libvirtd broke; the next call reconnects. */
    CONNECTION,
    /** libvirt refused the request as such: unsupported configuration or bad arguments. */
    REFUSED,
    /** Anything else; retried. */
    OTHER
  }

  private final Kind kind;

  public HypervisorException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public HypervisorException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }
}
