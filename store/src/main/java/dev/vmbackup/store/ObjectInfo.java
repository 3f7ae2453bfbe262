package dev.vmbackup.store;

import java.time.Instant;

/**
 * One object of a backend listing.
 *
 * @param key the object's key, relative to the store's root
 * @param size its size in bytes
 * @param lastModified when it was last written or touched (the garbage collector's grace period is
 *     measured against this)
 */
public record ObjectInfo(String key, long size, Instant lastModified) {}
