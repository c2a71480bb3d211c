// Event subscriptions, the signer and the delivery thread of the lexoffice simulator.
#include "tests/sim/webhooks.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "adapters/http/beast_transport.h"
#include "adapters/http/client.h"
#include "tests/sim/json_out.h"
#include "tests/sim/sim_data.h"

namespace mahnwerk::sim {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::string_view kEventTypes[] = {
    "article.created",
    "article.changed",
    "article.deleted",
    "contact.created",
    "contact.changed",
    "contact.deleted",
    "credit-note.created",
    "credit-note.changed",
    "credit-note.deleted",
    "credit-note.status.changed",
    "delivery-note.created",
    "delivery-note.changed",
    "delivery-note.deleted",
    "down-payment-invoice.created",
    "down-payment-invoice.changed",
    "down-payment-invoice.deleted",
    "down-payment-invoice.status.changed",
    "dunning.created",
    "dunning.changed",
    "dunning.deleted",
    "invoice.created",
    "invoice.changed",
    "invoice.deleted",
    "invoice.status.changed",
    "order-confirmation.created",
    "order-confirmation.changed",
    "order-confirmation.deleted",
    "order-confirmation.status.changed",
    "payment.changed",
    "quotation.created",
    "quotation.changed",
    "quotation.deleted",
    "quotation.status.changed",
    "recurring-template.created",
    "recurring-template.changed",
    "recurring-template.deleted",
    "token.revoked",
    "voucher.created",
    "voucher.changed",
    "voucher.deleted",
    "voucher.status.changed",
};

}  // namespace

struct WebhookSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

WebhookSigner::WebhookSigner() : key_(std::make_unique<Key>()) {
  key_->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  check(key_->pkey != nullptr, "RSA key generation");
  BIO* bio = BIO_new(BIO_s_mem());
  check(bio != nullptr && PEM_write_bio_PUBKEY(bio, key_->pkey) == 1, "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  public_pem_.assign(data, static_cast<std::size_t>(size));
  BIO_free(bio);
}

WebhookSigner::~WebhookSigner() = default;

std::string WebhookSigner::sign(std::string_view body) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  check(ctx != nullptr, "EVP_MD_CTX_new");
  std::size_t size = 0;
  std::string signature;
  const bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha512(), nullptr, key_->pkey) == 1 &&
                  EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(body.data()),
                                 body.size()) == 1 &&
                  (signature.resize(size), true) &&
                  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                                 reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
  EVP_MD_CTX_free(ctx);
  check(ok, "RSA-SHA512 signature");
  signature.resize(size);
  std::string encoded(4 * ((signature.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(signature.data()),
                                static_cast<int>(signature.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return encoded;
}

std::vector<std::chrono::milliseconds> lexoffice_retry_schedule() {
  using std::chrono::milliseconds;
  std::vector<milliseconds> delays = {milliseconds(10'000), milliseconds(20'000),  milliseconds(40'000),
                                      milliseconds(80'000), milliseconds(160'000), milliseconds(1'800'000)};
  for (int i = 0; i < 20; ++i) delays.push_back(milliseconds(7'200'000));
  return delays;
}

bool known_event_type(std::string_view type) {
  return std::find(std::begin(kEventTypes), std::end(kEventTypes), type) != std::end(kEventTypes);
}

struct Webhooks::Impl {
  struct Job {
    std::string subscription_id, event_type, resource_id, url, body;
    int attempt = 1;
    std::chrono::steady_clock::time_point due;
  };

  Impl(std::string org, WebhookOptions o) : organization_id(std::move(org)), options(std::move(o)) {}

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_all();
    if (worker.joinable()) worker.join();
  }

  const WebhookSigner& signer() {
    std::call_once(signer_once, [this] { signer_ = std::make_unique<WebhookSigner>(); });
    return *signer_;
  }

  http::Request request(http::Method method, const std::string& url) const {
    http::Request r;
    r.method = method;
    r.url = url;
    r.ca_file = options.ca_file;
    r.retry.max_attempts = 1;  // the schedule below is the retry policy
    r.timeouts.read = options.read_timeout;
    r.timeouts.total = r.timeouts.connect + options.read_timeout * 2;
    return r;
  }

  // The delivery thread: takes the earliest due job, POSTs it, and files the outcome.
  void run() {
    http::BeastTransport transport;
    http::Client client(transport);
    std::unique_lock lock(mutex);
    for (;;) {
      if (stop) return;
      auto next = std::min_element(queue.begin(), queue.end(),
                                   [](const Job& a, const Job& b) { return a.due < b.due; });
      if (next == queue.end()) {
        wake.wait(lock);
        continue;
      }
      if (next->due > std::chrono::steady_clock::now()) {
        wake.wait_until(lock, next->due);
        continue;
      }
      Job job = std::move(*next);
      queue.erase(next);
      if (std::none_of(subscriptions.begin(), subscriptions.end(),
                       [&](const Subscription& s) { return s.id == job.subscription_id; })) {
        idle.notify_all();
        continue;  // deleted meanwhile: nothing more is sent for it
      }
      ++in_flight;
      lock.unlock();
      DeliveryAttempt a = deliver(client, job);
      lock.lock();
      --in_flight;
      file(std::move(job), std::move(a));
      idle.notify_all();
    }
  }

  DeliveryAttempt deliver(http::Client& client, const Job& job) {
    DeliveryAttempt a;
    a.subscription_id = job.subscription_id;
    a.event_type = job.event_type;
    a.resource_id = job.resource_id;
    a.body = job.body;
    a.attempt = job.attempt;
    a.signature = signer().sign(job.body);
    http::Request r = request(http::Method::kPost, job.url);
    r.headers = {{"Content-Type", "application/json"}, {"X-Lxo-Signature", a.signature}};
    r.body = job.body;
    r.max_redirects = 3;  // lexoffice follows at most 3 (the client: 307/308 for a POST)
    const http::Outcome o = client.fetch(r);
    a.status = o.response.status;
    if (!o.ok()) {
      a.failure =
          o.error->message.empty() ? std::string(http::to_string(o.error->failure)) : o.error->message;
      a.unresolved = o.error->failure == http::Failure::kResolve;
    }
    return a;
  }

  // REQUIRES: mutex held.
  void file(Job job, DeliveryAttempt a) {
    const bool delivered = a.delivered();
    const int status = a.status;
    const bool unreachable = status == 404 || a.unresolved;
    attempts.push_back(std::move(a));
    if (delivered) return;
    if (status == 410) {  // gone: the subscription is deleted at once
      drop_subscription(job.subscription_id);
      return;
    }
    const auto retry = static_cast<std::size_t>(job.attempt - 1);
    if (retry < options.retry_delays.size()) {
      job.due = std::chrono::steady_clock::now() + options.retry_delays[retry];
      ++job.attempt;
      queue.push_back(std::move(job));
      return;
    }
    if (unreachable) drop_subscription(job.subscription_id);  // 404 or DNS after every retry
  }

  void drop_subscription(const std::string& id) {
    std::erase_if(subscriptions, [&](const Subscription& s) { return s.id == id; });
  }

  std::string organization_id;
  WebhookOptions options;
  std::once_flag signer_once;
  std::unique_ptr<WebhookSigner> signer_;

  mutable std::mutex mutex;
  mutable std::condition_variable wake, idle;
  std::vector<Subscription> subscriptions;
  std::deque<Job> queue;
  std::vector<DeliveryAttempt> attempts;
  int in_flight = 0;
  std::uint64_t next_id = 0;
  bool stop = false;
  std::thread worker;  // started by the first publish that queues something
};

Webhooks::Webhooks(std::string organization_id, WebhookOptions options)
    : impl_(std::make_unique<Impl>(std::move(organization_id), std::move(options))) {}

Webhooks::~Webhooks() = default;

Webhooks::SubscribeResult Webhooks::subscribe(const std::string& event_type,
                                              const std::string& callback_url) {
  using Code = SubscribeResult::Code;
  SubscribeResult result;
  if (!known_event_type(event_type)) {
    result.code = Code::kUnknownEventType;
    result.message = "unknown eventType \"" + event_type + "\"";
    return result;
  }
  auto url = http::Url::parse(callback_url);
  if (!url || !url->tls()) {
    result.code = Code::kBadUrl;
    result.message = "callbackUrl must be an absolute https URL";
    return result;
  }
  {
    std::lock_guard lock(impl_->mutex);
    for (const Subscription& s : impl_->subscriptions) {
      if (s.event_type == event_type && s.callback_url == callback_url) {
        result.code = Code::kDuplicate;
        result.message = "a subscription for this eventType and callbackUrl exists";
        return result;
      }
    }
  }
  // The TLS check: a HEAD to the URL. Any HTTP answer means the TLS connection stood.
  http::BeastTransport transport;
  http::Client client(transport);
  http::Request head = impl_->request(http::Method::kHead, callback_url);
  head.max_redirects = 0;
  const http::Outcome o = client.fetch(head);
  if (o.response.status == 0) {
    result.code = Code::kTlsCheckFailed;
    result.message = "callbackUrl failed the TLS check: " + (o.error ? o.error->message : std::string());
    return result;
  }
  std::lock_guard lock(impl_->mutex);
  for (const Subscription& s : impl_->subscriptions) {  // a concurrent subscribe won the race
    if (s.event_type == event_type && s.callback_url == callback_url) {
      result.code = Code::kDuplicate;
      result.message = "a subscription for this eventType and callbackUrl exists";
      return result;
    }
  }
  char id[48];
  std::snprintf(id, sizeof id, "e5e5e5e5-0000-4000-8000-%012llu",
                static_cast<unsigned long long>(++impl_->next_id));
  result.subscription = Subscription{id, event_type, callback_url, format_berlin(epoch_ms(), true)};
  impl_->subscriptions.push_back(result.subscription);
  return result;
}

std::vector<Subscription> Webhooks::list() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->subscriptions;
}

std::optional<Subscription> Webhooks::find(const std::string& id) const {
  std::lock_guard lock(impl_->mutex);
  for (const Subscription& s : impl_->subscriptions) {
    if (s.id == id) return s;
  }
  return std::nullopt;
}

bool Webhooks::remove(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  const auto before = impl_->subscriptions.size();
  impl_->drop_subscription(id);
  return impl_->subscriptions.size() != before;
}

int Webhooks::publish(const std::string& event_type, const std::string& resource_id) {
  JsonOut o;
  o.begin_object().key("organizationId").string(impl_->organization_id).key("eventType").string(event_type);
  o.key("resourceId").string(resource_id).key("eventDate").string(format_berlin(epoch_ms(), true));
  o.end_object();
  const std::string body = o.take();
  int queued = 0;
  {
    std::lock_guard lock(impl_->mutex);
    for (const Subscription& s : impl_->subscriptions) {
      if (s.event_type != event_type) continue;
      impl_->queue.push_back(Impl::Job{s.id, event_type, resource_id, s.callback_url, body, 1,
                                       std::chrono::steady_clock::now()});
      ++queued;
    }
    if (queued > 0 && !impl_->worker.joinable())
      impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
  }
  if (queued > 0) impl_->wake.notify_all();
  return queued;
}

bool Webhooks::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->idle.wait_for(lock, timeout,
                              [this] { return impl_->queue.empty() && impl_->in_flight == 0; });
}

std::vector<DeliveryAttempt> Webhooks::attempts() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->attempts;
}

const std::string& Webhooks::public_key_pem() const { return impl_->signer().public_key_pem(); }

}  // namespace mahnwerk::sim
