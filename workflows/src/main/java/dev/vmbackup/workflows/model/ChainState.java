package dev.vmbackup.workflows.model;

import java.util.List;
import java.util.Map;

/**
 * The facts a {@code chain} backup decides on; the decision itself is the workflow's.
 *
 * @param head the newest {@code chain} backup of the domain in the repository, or null if there is none
 * @param headProblems why the head's chain in the repository cannot be built on (a missing or unreadable
 *     earlier backup, a failed verification); empty when it can
 * @param virtualSizes guest-visible size of each disk's active image now, by target
 * @param backupsInChain how many backups the head's chain holds, from its full copy to the head; 0 when
 *     there is no head (or in histories recorded before it was counted)
 */
public record ChainState(Manifest head, List<String> headProblems, Map<String, Long> virtualSizes,
    int backupsInChain) {
  public ChainState {
    headProblems = headProblems == null ? List.of() : List.copyOf(headProblems);
    virtualSizes = virtualSizes == null ? Map.of() : Map.copyOf(virtualSizes);
  }

  /** A state whose chain length is unknown (counted as 0). */
  public ChainState(Manifest head, List<String> headProblems, Map<String, Long> virtualSizes) {
    this(head, headProblems, virtualSizes, 0);
  }
}
