// The client's request life cycle as a chain of callbacks on the transport's loop: budget wait,
// exchange, then finish, follow a redirect or wait and retry. Each request is one Call object
// kept alive by the callbacks that refer to it.
#include "adapters/http/client.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace mahnwerk::http {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::size_t kLoggedBodyChars = 300;

// The transport's own timers.
class TransportSleeper final : public Sleeper {
 public:
  explicit TransportSleeper(Transport& transport) : transport_(transport) {}
  void sleep(microseconds delay, std::function<void()> fn) override {
    transport_.after(std::chrono::ceil<milliseconds>(delay), std::move(fn));
  }

 private:
  Transport& transport_;
};

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string ms_text(microseconds d) {
  return std::to_string(std::chrono::ceil<milliseconds>(d).count()) + " ms";
}

}  // namespace

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<microseconds>(std::chrono::system_clock::now());
}

void VirtualSleeper::sleep(microseconds delay, std::function<void()> fn) {
  delays_.push_back(delay);
  queue_.push_back(Sleeping{clock_.now() + std::max(delay, microseconds(0)), next_order_++, std::move(fn)});
  transport_.after(milliseconds(0), [this] { wake_next(); });
}

// One wake-up per sleep: each scheduled call wakes whoever is due first.
void VirtualSleeper::wake_next() {
  auto first = std::min_element(queue_.begin(), queue_.end(), [](const Sleeping& a, const Sleeping& b) {
    return a.wake != b.wake ? a.wake < b.wake : a.order < b.order;
  });
  Sleeping due = std::move(*first);
  queue_.erase(first);
  if (due.wake > clock_.now()) clock_.set(due.wake);
  due.fn();
}

microseconds backoff_delay(const RetryPolicy& policy, int retry, double uniform) {
  const double base =
      static_cast<double>(std::chrono::duration_cast<microseconds>(policy.base_delay).count());
  const double cap = static_cast<double>(std::chrono::duration_cast<microseconds>(policy.max_delay).count());
  const double full = std::min(cap, base * std::pow(2.0, std::max(retry, 1) - 1));
  const double jittered = full / 2 + full / 2 * std::clamp(uniform, 0.0, 1.0);
  return microseconds(static_cast<std::int64_t>(jittered));
}

// A credential's pacing: its bucket and the exchanges it has on the wire.
struct Budget {
  explicit Budget(RateBudget b) : bucket(b), max_in_flight(b.max_in_flight) {}
  TokenBucket bucket;
  int max_in_flight;
  int in_flight = 0;
  std::deque<std::function<void()>> waiting;  // sends held back by max_in_flight, in order
};

struct Client::Impl {
  Impl(Transport& t, ClientEnvironment env, Redactor r)
      : transport(t),
        transport_sleeper(t),
        seeded(std::random_device{}()),
        clock(env.clock ? env.clock : &system_clock),
        sleeper(env.sleeper ? env.sleeper : &transport_sleeper),
        random(env.random ? env.random : &seeded),
        log(env.log),
        redactor(std::move(r)) {}

  Transport& transport;
  SystemClock system_clock;
  TransportSleeper transport_sleeper;
  SeededRandom seeded;
  const Clock* clock;
  Sleeper* sleeper;
  Random* random;
  LogSink* log;
  Redactor redactor;
  std::map<std::string, Budget, std::less<>> budgets;
};

struct Client::Call : std::enable_shared_from_this<Call> {
  std::shared_ptr<Impl> impl;
  Request request;
  Url url;
  std::vector<std::string> secrets;  // collected before any redirect drops a header
  std::function<void(Outcome)> done;
  Outcome outcome;

  std::string endpoint() const {
    return std::string(to_string(request.method)) + " " + impl->redactor.url(request.url);
  }

  bool logs(LogLevel level) const { return impl->log != nullptr && level <= impl->log->level(); }
  void log(LogLevel level, const std::string& text) const {
    if (logs(level)) impl->log->log(level, Redactor::scrub(text, secrets));
  }

  void start() {
    secrets = impl->redactor.secrets_of(request);
    auto parsed = Url::parse(request.url);
    if (!parsed) {
      // Fails on the loop like every other outcome, never inside send().
      return impl->transport.after(milliseconds(0),
                                   [self = shared_from_this(), message = parsed.error().message] {
                                     self->fail_local(Failure::kBadUrl, message);
                                   });
    }
    url = std::move(parsed).value();
    attempt();
  }

  // Waits for the credential's budget, then sends.
  void attempt() {
    microseconds wait(0);
    if (Budget* b = budget()) wait = b->bucket.reserve(impl->clock->now());
    if (wait > microseconds(0))
      log(LogLevel::kDebug,
          "rate budget of " + request.credential + ": " + endpoint() + " waits " + ms_text(wait));
    impl->sleeper->sleep(wait, [self = shared_from_this()] { self->send(); });
  }

  Budget* budget() const {
    if (request.credential.empty()) return nullptr;
    auto it = impl->budgets.find(request.credential);
    return it == impl->budgets.end() ? nullptr : &it->second;
  }

  void send() {
    Budget* b = budget();
    if (b != nullptr && b->max_in_flight > 0) {
      if (b->in_flight >= b->max_in_flight) {
        b->waiting.push_back([self = shared_from_this()] { self->send(); });
        return;
      }
      ++b->in_flight;
    }
    ++outcome.attempts;
    log(LogLevel::kDebug, "> " + endpoint() + " (attempt " + std::to_string(outcome.attempts) + ")");
    if (logs(LogLevel::kTrace))
      log(LogLevel::kTrace, "> headers:\n" + impl->redactor.headers(request.headers));
    impl->transport.exchange(request, [self = shared_from_this()](Exchange ex) {
      self->release_slot();
      self->received(std::move(ex));
    });
  }

  // Frees this exchange's place on the wire and lets the credential's next waiting send go.
  void release_slot() {
    Budget* b = budget();
    if (b == nullptr || b->max_in_flight <= 0) return;
    --b->in_flight;
    if (b->waiting.empty()) return;
    auto next = std::move(b->waiting.front());
    b->waiting.pop_front();
    impl->transport.after(milliseconds(0), std::move(next));
  }

  void received(Exchange ex) {
    if (ex.failure != Failure::kNone) return failed_below_http(std::move(ex));
    outcome.response = std::move(ex.response);
    const Response& r = outcome.response;
    log(LogLevel::kDebug, "< " + std::to_string(r.status) + " " + endpoint());
    if (logs(LogLevel::kTrace)) log(LogLevel::kTrace, "< headers:\n" + impl->redactor.headers(r.headers));
    if (r.status >= 200 && r.status < 300) return finish();
    if (is_redirect(r.status) && request.max_redirects > 0) return redirect();
    failed_with_status();
  }

  void failed_below_http(Exchange ex) {
    const ErrorClass error_class = classify_failure(ex.failure);
    log(LogLevel::kDebug, "! " + endpoint() + ": " + ex.message);
    HttpError e = error(error_class, ex.message);
    e.failure = ex.failure;
    // Only a request the server never saw may be repeated when it is not repeatable.
    const bool unseen = !ex.request_sent;
    e.may_have_committed = !unseen && !request.may_repeat();
    const bool retry = error_class == ErrorClass::kRetryable && (request.may_repeat() || unseen);
    retry_or_fail(std::move(e), retry);
  }

  void failed_with_status() {
    const Response& r = outcome.response;
    const ErrorClass error_class =
        request.errors ? request.errors->classify(r.status, r.body) : classify_status(r.status);
    std::string message = request.errors ? request.errors->message(r.body) : std::string();
    if (message.empty() && logs(LogLevel::kTrace)) {
      log(LogLevel::kTrace, "< body: " + r.body.substr(0, kLoggedBodyChars));
    }
    HttpError e = error(error_class, message);
    e.status = r.status;
    if (const std::string* value = find_header(r.headers, "Retry-After")) {
      e.retry_after =
          parse_retry_after(*value, std::chrono::time_point_cast<milliseconds>(impl->clock->now()));
    }
    // A rate-limited request was refused before processing; a 5xx may come after the commit.
    e.may_have_committed = error_class == ErrorClass::kRetryable && !request.may_repeat();
    const bool retry = error_class == ErrorClass::kRateLimited ||
                       (error_class == ErrorClass::kRetryable && request.may_repeat());
    retry_or_fail(std::move(e), retry);
  }

  void retry_or_fail(HttpError e, bool retry) {
    const std::optional<milliseconds> retry_after = e.retry_after;
    const bool too_long = retry_after && *retry_after > request.retry.max_retry_after;
    const microseconds wait = retry_after
                                  ? microseconds(std::min(*retry_after, request.retry.max_retry_after))
                                  : backoff_delay(request.retry, outcome.attempts, impl->random->uniform());
    if (e.error_class == ErrorClass::kRateLimited) hold_back_credential(wait);
    if (!retry || outcome.attempts >= request.retry.max_attempts) return fail(std::move(e));
    if (too_long) {
      e.message += (e.message.empty() ? "" : "; ") + std::string("Retry-After ") +
                   std::to_string(retry_after->count() / 1000) + " s exceeds the limit";
      return fail(std::move(e));
    }
    log(LogLevel::kDebug, "retry " + std::to_string(outcome.attempts + 1) + "/" +
                              std::to_string(request.retry.max_attempts) + " of " + endpoint() + " in " +
                              ms_text(wait) + " (" + std::string(to_string(e.error_class)) + ")");
    impl->sleeper->sleep(wait, [self = shared_from_this()] { self->attempt(); });
  }

  // A rate-limited answer concerns the credential, not just this request: every request of it
  // waits, including those that are not retried.
  void hold_back_credential(microseconds wait) {
    if (Budget* b = budget()) b->bucket.block_until(impl->clock->now() + wait);
  }

  void redirect() {
    const Response& r = outcome.response;
    const std::string* location = find_header(r.headers, "Location");
    if (outcome.redirects >= request.max_redirects) {
      return fail(
          error(ErrorClass::kInvalid, "more than " + std::to_string(request.max_redirects) + " redirects"));
    }
    const bool keeps_method = r.status == 307 || r.status == 308;
    const bool safe = request.method == Method::kGet || request.method == Method::kHead;
    if (location == nullptr || (!safe && !keeps_method && r.status != 303)) {
      return fail(error(ErrorClass::kInvalid, "redirect " + std::to_string(r.status) + " not followed"));
    }
    auto next = url.resolve(*location);
    if (!next) return fail(error(ErrorClass::kInvalid, "bad redirect target: " + next.error().message));
    if (url.tls() && !next->tls())
      return fail(error(ErrorClass::kInvalid, "redirect from https to http refused"));
    if (next->origin() != url.origin()) {
      // Credentials are meant for the origin they were issued by.
      std::erase_if(request.headers, [&](const Header& h) { return impl->redactor.secret_header(h.name); });
    }
    if (r.status == 303 && request.method != Method::kHead) {
      request.method = Method::kGet;
      request.body.clear();
      std::erase_if(request.headers, [](const Header& h) { return iequals(h.name, "Content-Type"); });
    }
    ++outcome.redirects;
    outcome.attempts = 0;
    url = std::move(next).value();
    request.url = url.to_string();
    log(LogLevel::kDebug, "redirect " + std::to_string(r.status) + " to " + endpoint());
    attempt();
  }

  HttpError error(ErrorClass error_class, const std::string& message) const {
    HttpError e;
    e.error_class = error_class;
    e.endpoint = Redactor::scrub(endpoint(), secrets);
    e.message = Redactor::scrub(message, secrets);
    return e;
  }

  void fail_local(Failure failure, const std::string& message) {
    HttpError e = error(classify_failure(failure), message);
    e.failure = failure;
    fail(std::move(e));
  }

  void fail(HttpError e) {
    log(LogLevel::kInfo, "failed: " + e.to_error().to_string());
    outcome.error = std::move(e);
    finish();
  }

  void finish() {
    auto callback = std::move(done);
    callback(std::move(outcome));
  }
};

Client::Client(Transport& transport, ClientEnvironment environment, Redactor redactor)
    : impl_(std::make_shared<Impl>(transport, environment, std::move(redactor))) {}

Client::~Client() = default;

void Client::set_rate_budget(const std::string& credential, RateBudget budget) {
  impl_->budgets.insert_or_assign(credential, Budget(budget));
}

void Client::send(Request request, std::function<void(Outcome)> done) {
  auto call = std::make_shared<Call>();
  call->impl = impl_;
  call->request = std::move(request);
  call->done = std::move(done);
  call->start();
}

Outcome Client::fetch(Request request) {
  Outcome result;
  send(std::move(request), [&result](Outcome o) { result = std::move(o); });
  impl_->transport.run();
  return result;
}

}  // namespace mahnwerk::http
