package dev.vmbackup.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where an S3 store lives and how to reach it.
 *
 * @param endpoint the service's URL (any S3-compatible server; requests use path-style addressing, which
 *     every such server accepts, unlike virtual-host style)
 * @param region the signing region ({@code us-east-1} for most non-AWS servers)
 * @param bucket the bucket, which must exist
 * @param prefix a key prefix inside the bucket ("" or ending in "/"), so several stores can share one
 * @param credentialsFile an AWS credentials file ({@code [default]}, {@code aws_access_key_id},
 *     {@code aws_secret_access_key}), readable by its owner only, so secrets stay out of configuration
 * @param profile the profile of that file
 * @param concurrency requests in flight at once (uploads run in parallel for throughput)
 * @param retryBudget how long an operation keeps retrying an unreachable or failing endpoint before the
 *     store gives up with a {@link BackendException}
 */
public record S3Settings(URI endpoint, String region, String bucket, String prefix, Path credentialsFile,
    String profile, int concurrency, Duration retryBudget) {
  public S3Settings {
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException("an S3 prefix is empty or ends with /, not " + prefix);
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("S3 concurrency is at least 1");
    }
  }

  /** Settings with the default profile, 16 requests in flight and a two-minute retry budget. */
  public static S3Settings of(URI endpoint, String bucket, String prefix, Path credentialsFile) {
    return new S3Settings(endpoint, "us-east-1", bucket, prefix, credentialsFile, "default", 16, Duration.ofMinutes(2));
  }
}
