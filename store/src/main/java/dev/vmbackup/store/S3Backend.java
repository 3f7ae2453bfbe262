package dev.vmbackup.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A store in an S3 bucket (AWS or any S3-compatible server), through the AWS SDK for Java v2.
 *
 * <p>Chunks are at most a few MiB, so each is one PUT, and throughput comes from running
 * {@link S3Settings#concurrency()} of them at once over a pool of as many connections. Every operation
 * retries network failures and server errors (5xx, throttling) with exponential backoff until the retry
 * budget is spent, so a server that goes away for a while (a restart, a failover) costs time, not the
 * backup; and since a chunk already stored is never uploaded again, a writer that gave up resumes where it
 * was when run again. A PUT is durable when it returns, so {@link #flush()} has nothing to do.
 */
public final class S3Backend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(S3Backend.class);
  private final S3Settings settings;
  private final S3Client client;

  public S3Backend(S3Settings settings) {
    this.settings = settings;
    ProfileFile credentials = ProfileFile.builder().content(settings.credentialsFile())
        .type(ProfileFile.Type.CREDENTIALS).build();
    this.client = S3Client.builder()
        .endpointOverride(settings.endpoint())
        .region(Region.of(settings.region()))
        .forcePathStyle(true)
        .credentialsProvider(ProfileCredentialsProvider.builder().profileFile(credentials)
            .profileName(settings.profile()).build())
        // Checksums only where the API requires them: S3-compatible servers differ in their support for
        // the SDK's newer default trailing checksums, and every object is authenticated by its digest anyway.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(ApacheHttpClient.builder().maxConnections(settings.concurrency())
            .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(60)))
        .overrideConfiguration(o -> o.apiCallAttemptTimeout(Duration.ofSeconds(60)))
        .build();
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    if (stat(key).isPresent()) {
      return false;
    }
    retry("store " + key, () -> client.putObject(b -> b.bucket(settings.bucket()).key(settings.prefix() + key)
        .contentLength((long) data.length), RequestBody.fromBytes(data)));
    return true;
  }

  @Override
  public Optional<byte[]> get(String key) {
    return retry("read " + key, () -> {
      try {
        return Optional.of(client.getObject(b -> b.bucket(settings.bucket()).key(settings.prefix() + key),
            ResponseTransformer.toBytes()).asByteArray());
      } catch (NoSuchKeyException e) {
        return Optional.empty();
      }
    });
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    return retry("stat " + key, () -> {
      try {
        HeadObjectResponse head = client.headObject(b -> b.bucket(settings.bucket()).key(settings.prefix() + key));
        return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
      } catch (NoSuchKeyException e) {
        return Optional.empty();
      } catch (S3Exception e) {
        if (e.statusCode() == 404) {
          return Optional.empty();
        }
        throw e;
      }
    });
  }

  @Override
  public void touch(String key) {
    // S3 has no touch. Copying an object onto itself with new metadata renews its time on AWS without
    // sending its bytes; some compatible servers (versitygw's posix backend) keep the old time, so the
    // time is checked and, where it did not move, the object is written again.
    String full = settings.prefix() + key;
    Instant before = stat(key).orElseThrow(() -> new MissingObjectException(key)).lastModified();
    retry("touch " + key, () -> client.copyObject(b -> b.sourceBucket(settings.bucket()).sourceKey(full)
        .destinationBucket(settings.bucket()).destinationKey(full)
        .metadataDirective(MetadataDirective.REPLACE).metadata(Map.of("touched", Instant.now().toString()))));
    Instant after = stat(key).orElseThrow(() -> new MissingObjectException(key)).lastModified();
    if (!after.isAfter(before)) {
      byte[] data = get(key).orElseThrow(() -> new MissingObjectException(key));
      retry("rewrite " + key, () -> client.putObject(b -> b.bucket(settings.bucket()).key(full)
          .contentLength((long) data.length), RequestBody.fromBytes(data)));
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    return retry("list " + prefix, () -> {
      List<ObjectInfo> result = new ArrayList<>();
      for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(settings.bucket())
          .prefix(settings.prefix() + prefix)).contents()) {
        result.add(new ObjectInfo(object.key().substring(settings.prefix().length()), object.size(),
            object.lastModified()));
      }
      return result;
    });
  }

  @Override
  public void delete(String key) {
    retry("delete " + key, () -> client.deleteObject(b -> b.bucket(settings.bucket()).key(settings.prefix() + key)));
  }

  @Override
  public void flush() {}

  @Override
  public int concurrency() {
    return settings.concurrency();
  }

  @Override
  public void close() {
    client.close();
  }

  /**
   * Runs {@code call}, retrying network failures and server-side errors with backoff (200 ms doubling to
   * 5 s) until the retry budget is spent. Client errors (403, 400) are not retried: another attempt
   * would fail the same way.
   */
  private <T> T retry(String what, Supplier<T> call) {
    Instant deadline = Instant.now().plus(settings.retryBudget());
    long backoff = 200;
    int attempt = 0;
    while (true) {
      try {
        return call.get();
      } catch (SdkClientException | S3Exception e) {
        boolean retryable = e instanceof SdkClientException
            || ((S3Exception) e).statusCode() >= 500 || ((S3Exception) e).statusCode() == 429;
        attempt++;
        if (!retryable || Instant.now().plusMillis(backoff).isAfter(deadline)) {
          throw new BackendException("S3 " + settings.endpoint() + " bucket " + settings.bucket() + ": cannot " + what
              + (retryable ? " after " + attempt + " attempts" : "") + ": " + e.getMessage(), e);
        }
        log.warn("S3 {}: cannot {} (attempt {}), retrying in {} ms: {}", settings.endpoint(), what, attempt, backoff,
            e.getMessage());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new BackendException("interrupted while retrying to " + what, e);
        }
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
