package dev.vmbackup.starter.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Map;

/**
 * Lets the Temporal Web UI, which runs in the operator's browser on another origin, call the codec
 * endpoint: the one origin given with {@code --codec-cors-origin} gets its preflight (OPTIONS) answered and
 * the {@code Access-Control-Allow-*} headers on every {@code /codec} response, 401 and 403 included, so
 * the browser shows the UI why a request was refused. Any other origin, and every origin when none is
 * configured, gets no such header, so a browser keeps other pages from using an operator's credentials
 * here.
 *
 * <p>It runs before {@link BearerTokenFilter}: a browser never sends credentials with a preflight.
 */
@ServerFilter("/codec/**")
@Requires(property = ApiTokens.ENABLED, value = "true")
@Order(-1000)
class CodecCorsFilter {
  private final String origin;

  CodecCorsFilter(ApiConfig config) {
    this.origin = config.getCodecCorsOrigin();
  }

  @RequestFilter
  @Nullable
  MutableHttpResponse<?> preflight(HttpRequest<?> request) {
    if (request.getMethod() != HttpMethod.OPTIONS) {
      return null;
    }
    if (!allowed(request)) {
      return HttpResponse.status(HttpStatus.FORBIDDEN)
          .body(Map.of("error", "cross-origin requests to /codec are allowed only from the origin given with"
              + " --codec-cors-origin"));
    }
    // A filter's own response filter does not see the response its request filter answers with.
    return withOrigin(HttpResponse.noContent()
        .header(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS")
        .header(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, X-Namespace")
        .header(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "600"));
  }

  @ResponseFilter
  void allowOrigin(HttpRequest<?> request, MutableHttpResponse<?> response) {
    if (allowed(request)) {
      withOrigin(response);
    }
  }

  private MutableHttpResponse<?> withOrigin(MutableHttpResponse<?> response) {
    return response.header(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
        .header(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
        .header(HttpHeaders.VARY, HttpHeaders.ORIGIN);
  }

  private boolean allowed(HttpRequest<?> request) {
    return origin != null && !origin.isBlank() && origin.equals(request.getHeaders().get(HttpHeaders.ORIGIN));
  }
}
