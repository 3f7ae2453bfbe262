package dev.vmbackup.workflows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the fake activities were asked to do, in the order the workflow asked. Activities run on
 * worker threads, so every access is synchronized; readers get copies.
 */
final class Journal {
  /** One activity attempt: a retried activity shows once per attempt. */
  record Call(String method, String summary, Object argument) {
    String entry() {
      return method + "(" + summary + ")";
    }
  }

  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

  void record(String method, String summary, Object argument) {
    calls.add(new Call(method, summary, argument));
  }

  /** Entries such as {@code blockCommit(vda)}, for assertions where the argument matters. */
  List<String> entries() {
    synchronized (calls) {
      return calls.stream().map(Call::entry).toList();
    }
  }

  /** Method names only, for assertions about order. */
  List<String> methods() {
    synchronized (calls) {
      return calls.stream().map(Call::method).toList();
    }
  }

  /** The arguments of every call of {@code method}, in call order. */
  <T> List<T> arguments(String method, Class<T> type) {
    synchronized (calls) {
      return calls.stream()
          .filter(call -> call.method().equals(method))
          .map(call -> type.cast(call.argument()))
          .toList();
    }
  }

  /** The argument of the single call of {@code method}; fails if there was not exactly one. */
  <T> T onlyArgument(String method, Class<T> type) {
    List<T> all = arguments(method, type);
    if (all.size() != 1) {
      throw new AssertionError("expected exactly one call of " + method + " but the journal is " + entries());
    }
    return all.get(0);
  }
}
