// The lexoffice and sevDesk simulators: routing, the two APIs, the token bucket, faults and the
// admin endpoints. Network-free: http_server.cpp carries the bytes.
#include "tests/sim/sim_server.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>

#include "tests/adapters/http/test_pki.h"
#include "tests/sim/faults.h"
#include "tests/sim/json_out.h"

namespace mahnwerk::sim {
namespace {

constexpr std::size_t kWindow = 10'000;  // lexoffice's result window

using Params = std::map<std::string, std::string>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void split_target(const std::string& target, std::string& path, Params& params) {
  const std::size_t q = target.find('?');
  path = url_decode(target.substr(0, q));
  if (q == std::string::npos) return;
  std::string_view query(target);
  query.remove_prefix(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (!pair.empty()) {
      params[url_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = text.find(sep, start);
    parts.emplace_back(
        text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string get(const Params& p, const std::string& key) {
  auto it = p.find(key);
  return it == p.end() ? "" : it->second;
}

// A non-negative integer parameter; -1 when malformed, `fallback` when absent.
long long int_param(const Params& p, const std::string& key, long long fallback) {
  auto it = p.find(key);
  if (it == p.end()) return fallback;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 12 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(v);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t local_day(const std::string& date) { return parse_day(std::string_view(date).substr(0, 10)); }

// A decimal text ("12.5", "-3", "0.1234") as an integer scaled by 10^decimals; false on junk.
bool parse_fixed(std::string_view t, int decimals, std::int64_t& out) {
  bool negative = false;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) negative = t[i++] == '-';
  const std::size_t start = i;
  std::int64_t v = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9' && i - start < 12) v = v * 10 + (t[i++] - '0');
  if (i == start) return false;
  int used = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (used == decimals) return false;
      v = v * 10 + (t[i++] - '0');
      ++used;
    }
  }
  if (i != t.size()) return false;
  for (; used < decimals; ++used) v *= 10;
  out = negative ? -v : v;
  return true;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

HttpReply json_reply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json;charset=UTF-8");
  r.body = std::move(body);
  return r;
}

struct Violation {
  std::string violation;
  std::string field;
  std::string message;
};

struct LineItem {
  std::string type, name, description, quantity, unit_name, currency, net, gross, tax_rate;
};

struct Dunning {
  Created record;
  std::string voucher_date;
  std::string tax_type;
  std::string title;
  std::string remark;
  std::vector<LineItem> items;
};

std::string str_member(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

const rapidjson::Value* member(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(key);
  return it == v.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

// lexoffice's strict date format: yyyy-MM-ddTHH:mm:ss.SSSXXX.
bool strict_rfc3339(const std::string& s) {
  return s.size() == 29 && s[19] == '.' && (s[23] == '+' || s[23] == '-') && parse_instant_ms(s) != INT64_MIN;
}

}  // namespace

struct SimServer::Impl {
  explicit Impl(SimOptions& options)
      : data(std::move(options.data)), threads(options.threads), port_wanted(options.port) {
    system = data.system;
    rate = options.rate ? *options.rate : RateSettings{};
    if (!options.rate && system == System::kSevdesk) rate.off = true;
    rules = parse_faults(options.faults);
    today = data.today.empty() ? now_ms() / 86'400'000 : parse_day(data.today);
    if (today == INT64_MIN) throw std::invalid_argument("data file: today must be yyyy-MM-dd");
    for (std::size_t i = 0; i < data.contacts.size(); ++i) contact_index[data.contacts[i].id] = i;
    payments_of.clear();
    for (std::size_t i = 0; i < data.payments.size(); ++i)
      payments_of[data.payments[i].invoice_id].push_back(i);
    for (const Invoice& inv : data.invoices) {
      if (system == System::kSevdesk) {
        try {
          next_sevdesk_id = std::max(next_sevdesk_id, std::stoll(inv.id) + 1);
        } catch (const std::exception&) {
          throw std::runtime_error("data file: sevDesk invoice ids are numbers, not '" + inv.id + "'");
        }
      }
    }
    rebuild_rows();
    contact_order.resize(data.contacts.size());
    for (std::size_t i = 0; i < contact_order.size(); ++i) contact_order[i] = i;
    std::sort(contact_order.begin(), contact_order.end(), [this](std::size_t a, std::size_t b) {
      return std::make_pair(display_name(data.contacts[a]), data.contacts[a].id) <
             std::make_pair(display_name(data.contacts[b]), data.contacts[b].id);
    });
    // The order lexoffice's voucherlist is read in, built now rather than on the first request.
    if (system == System::kLexoffice) order_by("voucherDate");
  }

  // ---- rows ---------------------------------------------------------------------------------

  void rebuild_rows() {
    invoice_index.clear();
    rows.resize(data.invoices.size());
    keys.resize(data.invoices.size());
    for (std::size_t i = 0; i < data.invoices.size(); ++i) {
      invoice_index[data.invoices[i].id] = i;
      rebuild_row(i);
    }
    std::lock_guard lock(cache_mutex);
    cache.clear();
    orders.clear();
    wanted_cache.clear();
  }

  struct Keys {
    std::int64_t voucher = 0, created = 0, updated = 0, due_day = 0, voucher_day = 0, created_day = 0,
                 updated_day = 0;
    long long numeric_id = 0;
  };

  void rebuild_row(std::size_t i) {
    const Invoice& inv = data.invoices[i];
    Keys& k = keys[i];
    k.voucher = parse_instant_ms(inv.voucher_date);
    k.created = parse_instant_ms(inv.created);
    k.updated = parse_instant_ms(inv.updated);
    k.due_day = inv.due_date.empty() ? k.voucher / 86'400'000 + inv.time_to_pay : local_day(inv.due_date);
    k.voucher_day = local_day(inv.voucher_date);
    k.created_day = local_day(inv.created);
    k.updated_day = local_day(inv.updated);
    if (system == System::kSevdesk) {
      k.numeric_id = std::stoll(inv.id);
      rows[i] = sevdesk_invoice(inv);
    } else {
      rows[i] = lexoffice_row(inv);
    }
  }

  bool overdue(std::size_t i) const {
    const Invoice& inv = data.invoices[i];
    return inv.status == "open" && keys[i].due_day < today;
  }

  std::string amount(const Invoice& inv, std::int64_t cents) const {
    if (inv.amounts_as_strings) return "\"" + format_cents(cents) + "\"";
    return format_decimal(cents, true);
  }

  std::string lexoffice_row(const Invoice& inv) const {
    const std::size_t i = invoice_index.at(inv.id);
    JsonOut o;
    o.begin_object();
    o.key("id").string(inv.id).key("voucherType").string(inv.type);
    o.key("voucherStatus").string(overdue(i) ? "overdue" : inv.status);
    o.key("voucherNumber").string(inv.number).key("voucherDate").string(inv.voucher_date);
    o.key("createdDate").string(inv.created).key("updatedDate").string(inv.updated);
    o.key("dueDate").string_or_null(inv.due_date).key("contactId").string_or_null(inv.contact_id);
    o.key("contactName").string(inv.contact_name).key("totalAmount").raw(amount(inv, inv.total_cents));
    o.key("openAmount");
    if (inv.status == "draft") {
      o.null();
    } else {
      o.raw(amount(inv, inv.open_cents));
    }
    o.key("currency").string("EUR").key("archived").boolean(inv.archived);
    o.end_object();
    return o.take();
  }

  static std::string display_name(const Contact& c) {
    return c.company ? c.name : c.last_name + ", " + c.first_name;
  }

  // ---- envelopes ----------------------------------------------------------------------------

  std::string trace_id() {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%012llx",
                  static_cast<unsigned long long>(++traces * 0x9e3779b97f4aULL) & 0xffffffffffffULL);
    return buf;
  }

  HttpReply lex_error(int status, const std::string& path, const std::string& message,
                      const std::vector<Violation>& details = {}) {
    JsonOut o;
    o.begin_object();
    o.key("timestamp").string(format_berlin(now_ms(), true)).key("status").integer(status);
    o.key("error").string(reason(status)).key("path").string(path).key("traceId").string(trace_id());
    o.key("message").string(message);
    if (!details.empty()) {
      o.key("details").begin_array();
      for (const Violation& v : details) {
        o.begin_object().key("violation").string(v.violation).key("field").string(v.field);
        o.key("message").string(v.message).end_object();
      }
      o.end_array();
    }
    o.end_object();
    return json_reply(status, o.take());
  }

  static HttpReply gateway(int status, const std::string& message) {
    JsonOut o;
    o.begin_object().key("message").string(message).end_object();
    return json_reply(status, o.take());
  }

  static HttpReply legacy(int status, const std::string& key, const std::string& source,
                          const std::string& type) {
    JsonOut o;
    o.begin_object().key("IssueList").begin_array().begin_object();
    o.key("i18nKey").string(key).key("source").string(source).key("type").string(type);
    o.key("additionalData").null().key("args").null().end_object().end_array().end_object();
    return json_reply(status, o.take());
  }

  static HttpReply sev_error(int status, const std::string& message) {
    JsonOut o;
    o.begin_object().key("objects").null().key("error").begin_object();
    o.key("message").string(message).key("code").integer(status).end_object().end_object();
    return json_reply(status, o.take());
  }

  HttpReply sev_validation(const std::string& message) {
    JsonOut o;
    o.begin_object().key("error").begin_object().key("message").string(message);
    o.key("exceptionUUID").string("5f0c" + trace_id()).end_object().end_object();
    return json_reply(422, o.take());
  }

  // ---- routing ------------------------------------------------------------------------------

  struct Route {
    std::string name = "unknown";
    std::string id;
    bool write = false;
  };

  Route route_of(const std::string& method, const std::string& path) const {
    Route r;
    r.write = method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
    std::vector<std::string> seg = split(path, '/');  // "", "v1", ...
    if (system == System::kLexoffice) {
      if (seg.size() < 3 || seg[1] != "v1") return r;
      const std::string& res = seg[2];
      if (seg.size() == 3) {
        if (res == "voucherlist" && method == "GET") r.name = "voucherlist";
        if (res == "contacts" && method == "GET") r.name = "contacts";
        if (res == "dunnings" && method == "POST") r.name = "dunnings";
        if (res == "event-subscriptions" && (method == "GET" || method == "POST"))
          r.name = "event-subscriptions";
      } else if (seg.size() == 4 && !seg[3].empty()) {
        r.id = seg[3];
        if (res == "contacts" && (method == "GET" || method == "PUT")) r.name = "contact";
        if (res == "payments" && method == "GET") r.name = "payments";
        if (res == "invoices" && method == "GET") r.name = "invoice";
        if (res == "dunnings" && method == "GET") r.name = "dunning";
        if (res == "event-subscriptions" && (method == "GET" || method == "DELETE"))
          r.name = "event-subscription";
      }
      return r;
    }
    if (seg.size() < 4 || seg[1] != "api" || seg[2] != "v1") return r;
    const std::string& res = seg[3];
    if (seg.size() == 4) {
      if (method == "GET" && (res == "Invoice" || res == "Contact" || res == "ContactAddress" ||
                              res == "CommunicationWay" || res == "InvoiceLog")) {
        r.name = res;
      }
    } else if (seg.size() == 5 && !seg[4].empty()) {
      r.id = seg[4];
      if (res == "Invoice" && method == "GET") r.name = "Invoice/{id}";
      if (res == "Invoice" && method == "PUT") r.name = "updateInvoice";
      if (res == "Contact" && method == "GET") r.name = "Contact/{id}";
    } else if (seg.size() == 6) {
      if (res == "Invoice" && seg[4] == "Factory" && seg[5] == "createInvoiceReminder" && method == "POST") {
        r.name = "createInvoiceReminder";
      } else if (res == "Invoice") {
        r.id = seg[4];
        if (seg[5] == "getIsPartiallyPaid" && method == "GET") r.name = "getIsPartiallyPaid";
        if (seg[5] == "getLastDunning" && method == "GET") r.name = "getLastDunning";
        if (seg[5] == "bookAmount" && method == "PUT") r.name = "bookAmount";
      }
    }
    return r;
  }

  HttpReply handle(const HttpRequest& req) {
    std::string path;
    Params params;
    split_target(req.target, path, params);
    if (path.rfind("/_sim/", 0) == 0) return admin(req, path);
    const Route route = route_of(req.method, path);
    HttpReply reply = serve(req, route, path, params);
    {
      std::lock_guard lock(count_mutex);
      RouteCounts& c = counts[route.name];
      ++c.total;
      const std::string key = reply.act == HttpReply::Act::kDrop       ? "drop"
                              : reply.act == HttpReply::Act::kTruncate ? "truncate"
                                                                       : std::to_string(reply.status);
      ++c.by_status[key];
    }
    return reply;
  }

  HttpReply serve(const HttpRequest& req, const Route& route, const std::string& path, const Params& params) {
    const bool lex = system == System::kLexoffice;
    const std::string auth = req.header("Authorization");
    if (auth != (lex ? "Bearer " + data.api_key : data.api_key)) {
      return lex ? gateway(401, "Unauthorized") : sev_error(401, "Authentication required");
    }
    if (auto refused = take_token(auth)) return *refused;
    FaultDecision fault;
    {
      std::lock_guard lock(fault_mutex);
      fault = decide(rules, route.name);
    }
    HttpReply reply;
    const bool refuse_first = fault.act && (*fault.act == FaultKind::k429 || *fault.act == FaultKind::k500 ||
                                            (*fault.act == FaultKind::kDrop && !fault.commit) ||
                                            (*fault.act == FaultKind::k504 && !route.write));
    if (refuse_first) {
      switch (*fault.act) {
        case FaultKind::k429:
          reply = lex ? gateway(429, "Too Many Requests") : sev_error(429, "Too Many Requests");
          break;
        case FaultKind::k500:
          reply = lex ? gateway(500, "Internal server error or rate limit exceeded")
                      : sev_error(500, "Internal Server Error");
          break;
        case FaultKind::k504:
          reply = lex ? gateway(504, "Endpoint request timed out") : sev_error(504, "Gateway Timeout");
          break;
        default:
          reply.act = HttpReply::Act::kDrop;
          break;
      }
    } else {
      const bool duplicate = fault.act && *fault.act == FaultKind::kDuplicate;
      reply =
          lex ? lexoffice(req, route, path, params, duplicate) : sevdesk(req, route, path, params, duplicate);
      if (fault.act == FaultKind::k504) {
        reply = lex ? gateway(504, "Endpoint request timed out") : sev_error(504, "Gateway Timeout");
      } else if (fault.act == FaultKind::kDrop) {
        reply.act = HttpReply::Act::kDrop;
      } else if (fault.act == FaultKind::kTruncate) {
        reply.act = HttpReply::Act::kTruncate;
      }
    }
    reply.delay = fault.delay;
    return reply;
  }

  std::optional<HttpReply> take_token(const std::string& key) {
    std::lock_guard lock(rate_mutex);
    if (rate.off) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = buckets.try_emplace(key, Bucket{rate.burst, now});
    Bucket& b = it->second;
    if (!fresh) {
      const double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(rate.burst, b.tokens + elapsed * rate.per_second);
      b.last = now;
    }
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return std::nullopt;
    }
    ++refusals;
    if (system == System::kLexoffice) {
      if (rate.disguise_every > 0 && refusals % rate.disguise_every == 0) {
        return gateway(500, "Internal server error or rate limit exceeded");
      }
      return gateway(429, "Too Many Requests");
    }
    return sev_error(429, "Too Many Requests");
  }

  // ---- lexoffice ----------------------------------------------------------------------------

  HttpReply lexoffice(const HttpRequest& req, const Route& route, const std::string& path,
                      const Params& params, bool duplicate) {
    if (route.name == "voucherlist") return voucherlist(path, params, duplicate);
    if (route.name == "contacts") return lex_contacts(path, params, duplicate);
    if (route.name == "contact" && req.method == "GET") return lex_contact(path, route.id);
    if (route.name == "contact") return lex_put_contact(req, path, route.id);
    if (route.name == "payments") return lex_payments(path, route.id);
    if (route.name == "invoice") return lex_invoice(path, route.id);
    if (route.name == "dunnings") return lex_create_dunning(req, path, params);
    if (route.name == "dunning") return lex_dunning(path, route.id);
    if (route.name == "event-subscriptions") return lex_subscriptions(req, path);
    if (route.name == "event-subscription") return lex_subscription(req, path, route.id);
    return lex_error(404, path, "Not Found");
  }

  // ---- lexoffice event subscriptions (webhooks.h does the subscribing and delivering) --------

  std::string subscription_json(const Subscription& s) const {
    JsonOut o;
    o.begin_object().key("subscriptionId").string(s.id).key("organizationId").string(data.organization_id);
    o.key("createdDate").string(s.created).key("eventType").string(s.event_type);
    o.key("callbackUrl").string(s.callback_url).end_object();
    return o.take();
  }

  HttpReply lex_subscriptions(const HttpRequest& req, const std::string& path) {
    if (req.method == "GET") {
      JsonOut o;
      o.begin_object().key("content").begin_array();
      for (const Subscription& s : webhooks->list()) o.raw(subscription_json(s));
      o.end_array().end_object();
      return json_reply(200, o.take());
    }
    if (req.header("Content-Type").find("application/json") == std::string::npos) {
      return lex_error(415, path, "Content type '" + req.header("Content-Type") + "' not supported");
    }
    rapidjson::Document body;
    body.Parse(req.body.c_str());
    if (body.HasParseError() || !body.IsObject()) return lex_error(400, path, "JSON parse error");
    const std::string type = str_member(body, "eventType"), url = str_member(body, "callbackUrl");
    const std::string invalid = "Validation failed for request. Please see details list for specific causes.";
    std::vector<Violation> bad;
    if (type.empty()) bad.push_back({"NOTNULL", "eventType", "darf nicht leer sein"});
    if (url.empty()) bad.push_back({"NOTNULL", "callbackUrl", "darf nicht leer sein"});
    if (!bad.empty()) return lex_error(406, path, invalid, bad);
    using Code = Webhooks::SubscribeResult::Code;
    const Webhooks::SubscribeResult r = webhooks->subscribe(type, url);
    switch (r.code) {
      case Code::kUnknownEventType:
        return lex_error(406, path, invalid, {{"INVALID", "eventType", r.message}});
      case Code::kBadUrl:
        return lex_error(406, path, invalid, {{"INVALID", "callbackUrl", r.message}});
      case Code::kTlsCheckFailed:
        return lex_error(406, path, invalid, {{"INVALID", "callbackUrl", r.message}});
      case Code::kDuplicate:
        return lex_error(409, path, r.message);
      case Code::kCreated:
        break;
    }
    const Subscription& s = r.subscription;
    HttpReply reply = action_result(s.id, "event-subscriptions", s.created, s.created, 0, 201);
    reply.headers.emplace_back("Location", origin + "/v1/event-subscriptions/" + s.id);
    return reply;
  }

  HttpReply lex_subscription(const HttpRequest& req, const std::string& path, const std::string& id) {
    if (req.method == "DELETE") {
      if (!webhooks->remove(id)) return lex_error(404, path, "Resource not found");
      HttpReply reply;
      reply.status = 204;
      return reply;
    }
    const auto s = webhooks->find(id);
    if (!s) return lex_error(404, path, "Resource not found");
    return json_reply(200, subscription_json(*s));
  }

  struct Sort {
    std::string property = "voucherDate";
    bool ascending = false;
  };

  // Every invoice ordered by `property` ascending (ties by id), built once per data change.
  // REQUIRES: data_mutex held (shared or exclusive).
  std::shared_ptr<const std::vector<std::uint32_t>> order_by(const std::string& property) {
    std::lock_guard lock(cache_mutex);
    auto it = orders.find(property);
    if (it != orders.end()) return it->second;
    auto order = std::make_shared<std::vector<std::uint32_t>>(data.invoices.size());
    for (std::size_t i = 0; i < order->size(); ++i) (*order)[i] = static_cast<std::uint32_t>(i);
    auto key_of = [this, &property](std::uint32_t i) -> std::int64_t {
      if (property == "createdDate") return keys[i].created;
      if (property == "updatedDate") return keys[i].updated;
      return keys[i].voucher;
    };
    std::sort(order->begin(), order->end(), [&](std::uint32_t a, std::uint32_t b) {
      const Invoice& x = data.invoices[a];
      const Invoice& y = data.invoices[b];
      if (property == "voucherNumber") {
        if (x.number != y.number) return x.number < y.number;
      } else if (key_of(a) != key_of(b)) {
        return key_of(a) < key_of(b);
      }
      return x.id < y.id;
    });
    orders[property] = order;
    return order;
  }

  HttpReply voucherlist(const std::string& path, const Params& params, bool duplicate) {
    std::vector<Violation> bad;
    const std::string types = get(params, "voucherType"), statuses = get(params, "voucherStatus");
    if (types.empty()) bad.push_back({"NOTNULL", "voucherType", "darf nicht leer sein"});
    if (statuses.empty()) bad.push_back({"NOTNULL", "voucherStatus", "darf nicht leer sein"});
    static const std::vector<std::string> known_types = {"salesinvoice",
                                                         "salescreditnote",
                                                         "purchaseinvoice",
                                                         "purchasecreditnote",
                                                         "invoice",
                                                         "downpaymentinvoice",
                                                         "creditnote",
                                                         "orderconfirmation",
                                                         "quotation",
                                                         "deliverynote",
                                                         "any"};
    static const std::vector<std::string> known_statuses = {"draft",    "open",        "paid",      "paidoff",
                                                            "voided",   "transferred", "sepadebit", "overdue",
                                                            "accepted", "rejected",    "unchecked", "any"};
    const std::vector<std::string> type_list = types.empty() ? std::vector<std::string>{} : split(types, ',');
    const std::vector<std::string> status_list =
        statuses.empty() ? std::vector<std::string>{} : split(statuses, ',');
    for (const std::string& t : type_list) {
      if (std::find(known_types.begin(), known_types.end(), t) == known_types.end()) {
        bad.push_back({"INVALID", "voucherType", "Unbekannter Belegtyp: " + t});
      }
    }
    for (const std::string& s : status_list) {
      if (std::find(known_statuses.begin(), known_statuses.end(), s) == known_statuses.end()) {
        bad.push_back({"INVALID", "voucherStatus", "Unbekannter Belegstatus: " + s});
      }
    }
    if (status_list.size() > 1 &&
        std::find(status_list.begin(), status_list.end(), "overdue") != status_list.end()) {
      bad.push_back({"INVALID", "voucherStatus", "overdue kann nicht mit anderen Status kombiniert werden"});
    }
    const long long page = int_param(params, "page", 0);
    long long size = int_param(params, "size", 25);
    if (page < 0) bad.push_back({"INVALID", "page", "muss eine nicht-negative Zahl sein"});
    if (size <= 0) bad.push_back({"INVALID", "size", "muss größer als 0 sein"});
    size = std::min<long long>(size, 250);
    Sort sort;
    if (const std::string s = get(params, "sort"); !s.empty()) {
      const std::vector<std::string> parts = split(s, ',');
      sort.property = parts[0];
      sort.ascending = parts.size() < 2 || parts[1] == "ASC" || parts[1] == "asc";
      if (parts.size() > 1 && parts[1] != "ASC" && parts[1] != "DESC" && parts[1] != "asc" &&
          parts[1] != "desc") {
        bad.push_back({"INVALID", "sort", "Ungültige Sortierrichtung"});
      }
      if (sort.property != "voucherDate" && sort.property != "voucherNumber" &&
          sort.property != "createdDate" && sort.property != "updatedDate") {
        bad.push_back({"INVALID", "sort", "Ungültige Sortierung: " + sort.property});
      }
    }
    std::map<std::string, std::int64_t> days;
    for (const char* key : {"voucherDateFrom", "voucherDateTo", "createdDateFrom", "createdDateTo",
                            "updatedDateFrom", "updatedDateTo"}) {
      const std::string v = get(params, key);
      if (v.empty()) continue;
      const std::int64_t d = parse_day(v);
      if (d == INT64_MIN) {
        bad.push_back({"PATTERN", key, "muss dem Format yyyy-MM-dd entsprechen"});
      } else {
        days[key] = d;
      }
    }
    const std::string archived = get(params, "archived");
    if (!archived.empty() && archived != "true" && archived != "false") {
      bad.push_back({"INVALID", "archived", "muss true oder false sein"});
    }
    if (!bad.empty()) {
      return lex_error(406, path,
                       "Validation failed for request. Please see details list for specific causes.", bad);
    }
    const std::string contact = get(params, "contactId");
    const std::string cache_key =
        types + "|" + statuses + "|" + archived + "|" + contact + "|" + get(params, "sort") + "|" + [&] {
          std::string k;
          for (const auto& [name, d] : days) k += name + "=" + std::to_string(d) + ";";
          return k;
        }();
    std::shared_lock data_lock(data_mutex);
    std::shared_ptr<const std::vector<std::uint32_t>> hits;
    {
      std::lock_guard lock(cache_mutex);
      auto it = cache.find(cache_key);
      if (it != cache.end()) hits = it->second;
    }
    if (!hits) {
      auto found = std::make_shared<std::vector<std::uint32_t>>();
      const bool any_type = std::find(type_list.begin(), type_list.end(), "any") != type_list.end();
      const bool any_status = std::find(status_list.begin(), status_list.end(), "any") != status_list.end();
      // The day bounds once per query, not looked up by name for every invoice.
      const auto bound = [&days](const char* name, std::int64_t fallback) {
        auto it = days.find(name);
        return it == days.end() ? fallback : it->second;
      };
      const std::int64_t voucher_from = bound("voucherDateFrom", INT64_MIN),
                         voucher_to = bound("voucherDateTo", INT64_MAX),
                         created_from = bound("createdDateFrom", INT64_MIN),
                         created_to = bound("createdDateTo", INT64_MAX),
                         updated_from = bound("updatedDateFrom", INT64_MIN),
                         updated_to = bound("updatedDateTo", INT64_MAX);
      const bool want_archived = archived == "true";
      // Walk the invoices in the sort order; a day range on the sort property is found by
      // binary search (local days never decrease along the instants).
      const std::shared_ptr<const std::vector<std::uint32_t>> order = order_by(sort.property);
      auto day_of = [this, &sort](std::uint32_t i) -> std::int64_t {
        if (sort.property == "createdDate") return keys[i].created_day;
        if (sort.property == "updatedDate") return keys[i].updated_day;
        return keys[i].voucher_day;
      };
      std::size_t lo = 0, hi = order->size();
      if (sort.property != "voucherNumber") {
        const std::string prefix = sort.property.substr(0, sort.property.size() - 4);  // "voucher", ...
        if (auto f = days.find(prefix + "DateFrom"); f != days.end()) {
          lo = static_cast<std::size_t>(
              std::lower_bound(order->begin(), order->end(), f->second,
                               [&](std::uint32_t i, std::int64_t d) { return day_of(i) < d; }) -
              order->begin());
        }
        if (auto t = days.find(prefix + "DateTo"); t != days.end()) {
          hi = static_cast<std::size_t>(
              std::upper_bound(order->begin(), order->end(), t->second,
                               [&](std::int64_t d, std::uint32_t i) { return d < day_of(i); }) -
              order->begin());
        }
        hi = std::max(hi, lo);
      }
      // Type, status, archived and contact decided once per invoice and filter (a sliced read
      // asks the same filter for many date ranges).
      std::shared_ptr<const std::vector<char>> wanted;
      const std::string wanted_key = types + "|" + statuses + "|" + archived + "|" + contact;
      {
        std::lock_guard lock(cache_mutex);
        if (auto it = wanted_cache.find(wanted_key); it != wanted_cache.end()) wanted = it->second;
      }
      if (!wanted) {
        auto fits = std::make_shared<std::vector<char>>(data.invoices.size(), 0);
        for (std::size_t i = 0; i < data.invoices.size(); ++i) {
          const Invoice& inv = data.invoices[i];
          if (!any_type && std::find(type_list.begin(), type_list.end(), inv.type) == type_list.end())
            continue;
          if (!any_status) {
            bool match = false;
            for (const std::string& s : status_list) {
              match = match || (s == "overdue" ? overdue(i) : inv.status == s);
            }
            if (!match) continue;
          }
          if (!archived.empty() && inv.archived != want_archived) continue;
          if (!contact.empty() && inv.contact_id != contact) continue;
          (*fits)[i] = 1;
        }
        wanted = fits;
        std::lock_guard lock(cache_mutex);
        if (wanted_cache.size() > 64) wanted_cache.clear();
        wanted_cache[wanted_key] = wanted;
      }
      for (std::size_t n = 0; n < hi - lo; ++n) {
        const std::uint32_t i = sort.ascending ? (*order)[lo + n] : (*order)[hi - 1 - n];
        if (!(*wanted)[i]) continue;
        const Keys& k = keys[i];
        if (k.voucher_day < voucher_from || k.voucher_day > voucher_to || k.created_day < created_from ||
            k.created_day > created_to || k.updated_day < updated_from || k.updated_day > updated_to) {
          continue;
        }
        found->push_back(i);
      }
      hits = found;
      std::lock_guard lock(cache_mutex);
      if (cache.size() > 256) cache.clear();
      cache[cache_key] = hits;
    }
    const std::size_t total = hits->size();
    const std::size_t capped = std::min(total, kWindow);
    const std::size_t usize = static_cast<std::size_t>(size), upage = static_cast<std::size_t>(page);
    if (upage * usize + usize > kWindow) return lex_error(500, path, "Maximum search window size exceeded");
    std::size_t start = upage * usize;
    if (duplicate && start > 0) --start;
    const std::size_t end = std::min(start + usize, total);
    const std::size_t total_pages = (capped + usize - 1) / usize;
    std::string body;
    body.reserve(64 + (end > start ? end - start : 0) * (rows.empty() ? 0 : rows[0].size() + 8) + 256);
    body += "{\"content\":[";
    for (std::size_t i = start; i < end; ++i) {
      if (i != start) body.push_back(',');
      body += rows[(*hits)[i]];
    }
    JsonOut tail;
    tail.begin_object();
    tail.key("first").boolean(page == 0).key("last").boolean(upage + 1 >= total_pages);
    tail.key("totalPages").integer(static_cast<std::int64_t>(total_pages));
    tail.key("totalElements").integer(static_cast<std::int64_t>(capped));
    tail.key("numberOfElements").integer(static_cast<std::int64_t>(end > start ? end - start : 0));
    tail.key("size").integer(size).key("number").integer(page);
    tail.key("sort").begin_array().begin_object().key("property").string(sort.property);
    tail.key("direction").string(sort.ascending ? "ASC" : "DESC").key("ignoreCase").boolean(false);
    tail.key("nullHandling")
        .string("NATIVE")
        .key("ascending")
        .boolean(sort.ascending)
        .end_object()
        .end_array();
    tail.end_object();
    body += "],";
    body.append(tail.str(), 1, std::string::npos);  // the tail's members, without its "{"
    return json_reply(200, std::move(body));
  }

  std::string lex_contact_json(const Contact& c) const {
    JsonOut o;
    o.begin_object();
    o.key("id")
        .string(c.id)
        .key("organizationId")
        .string(data.organization_id)
        .key("version")
        .integer(c.version);
    o.key("roles").begin_object().key("customer").begin_object().key("number").integer(c.number).end_object();
    o.end_object();
    if (c.company) {
      o.key("company")
          .begin_object()
          .key("name")
          .string(c.name)
          .key("contactPersons")
          .begin_array()
          .end_array();
      o.end_object();
    } else {
      o.key("person")
          .begin_object()
          .key("salutation")
          .string(c.salutation)
          .key("firstName")
          .string(c.first_name);
      o.key("lastName").string(c.last_name).end_object();
    }
    o.key("addresses").begin_object().key("billing").begin_array().begin_object();
    o.key("street").string(c.street).key("zip").string(c.zip).key("city").string(c.city);
    o.key("countryCode").string(c.country).end_object().end_array().end_object();
    o.key("emailAddresses").begin_object().key("business").begin_array();
    if (!c.email.empty()) o.string(c.email);
    o.end_array().end_object();
    o.key("archived").boolean(false);
    o.end_object();
    return o.take();
  }

  HttpReply lex_contacts(const std::string& path, const Params& params, bool duplicate) {
    const long long page = int_param(params, "page", 0);
    long long size = int_param(params, "size", 25);
    std::vector<Violation> bad;
    if (page < 0) bad.push_back({"INVALID", "page", "muss eine nicht-negative Zahl sein"});
    if (size <= 0) bad.push_back({"INVALID", "size", "muss größer als 0 sein"});
    const std::string name = get(params, "name");
    if (!name.empty() && name.size() < 3)
      bad.push_back({"SIZE", "name", "muss mindestens 3 Zeichen lang sein"});
    if (!bad.empty())
      return lex_error(406, path,
                       "Validation failed for request. Please see details list for specific causes.", bad);
    size = std::min<long long>(size, 250);
    const std::string number = get(params, "number"), email = get(params, "email"),
                      customer = get(params, "customer");
    std::shared_lock lock(data_mutex);
    std::vector<std::size_t> hits;
    for (std::size_t i : contact_order) {
      const Contact& c = data.contacts[i];
      if (!number.empty() && std::to_string(c.number) != number) continue;
      if (!email.empty() && c.email != email) continue;
      if (customer == "false") continue;
      if (!name.empty() && display_name(c).find(name) == std::string::npos) continue;
      hits.push_back(i);
    }
    const std::size_t usize = static_cast<std::size_t>(size), upage = static_cast<std::size_t>(page);
    std::size_t start = std::min(upage * usize, hits.size());
    if (duplicate && start > 0) --start;
    const std::size_t end = std::min(start + usize, hits.size());
    const std::size_t total_pages = (hits.size() + usize - 1) / usize;
    JsonOut o;
    o.begin_object().key("content").begin_array();
    for (std::size_t i = start; i < end; ++i) o.raw(lex_contact_json(data.contacts[hits[i]]));
    o.end_array();
    o.key("first").boolean(page == 0).key("last").boolean(upage + 1 >= total_pages);
    o.key("totalPages").integer(static_cast<std::int64_t>(total_pages));
    o.key("totalElements").integer(static_cast<std::int64_t>(hits.size()));
    o.key("numberOfElements").integer(static_cast<std::int64_t>(end - start));
    o.key("size").integer(size).key("number").integer(page);
    o.key("sort").begin_array().begin_object().key("property").string("name").key("direction").string("ASC");
    o.key("ignoreCase").boolean(false).key("nullHandling").string("NATIVE").key("ascending").boolean(true);
    o.end_object().end_array().end_object();
    return json_reply(200, o.take());
  }

  HttpReply lex_contact(const std::string& path, const std::string& id) {
    std::shared_lock lock(data_mutex);
    auto it = contact_index.find(id);
    if (it == contact_index.end()) return legacy(404, "not_found", "id", "not_found");
    (void)path;
    return json_reply(200, lex_contact_json(data.contacts[it->second]));
  }

  HttpReply lex_put_contact(const HttpRequest& req, const std::string& path, const std::string& id) {
    (void)path;
    rapidjson::Document body;
    body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
    if (body.HasParseError() || !body.IsObject())
      return legacy(400, "invalid_json", "", "validation_failure");
    std::unique_lock lock(data_mutex);
    auto it = contact_index.find(id);
    if (it == contact_index.end()) return legacy(404, "not_found", "id", "not_found");
    Contact& c = data.contacts[it->second];
    const std::string version = str_member(body, "version");
    if (version.empty()) return legacy(406, "missing_entity", "version", "validation_failure");
    if (version != std::to_string(c.version))
      return legacy(409, "optimistic_lock_failure", "version", "conflict");
    if (const rapidjson::Value* company = member(body, "company")) {
      if (str_member(*company, "name").empty())
        return legacy(406, "missing_entity", "company.name", "validation_failure");
      c.name = str_member(*company, "name");
    }
    if (const rapidjson::Value* person = member(body, "person")) {
      if (str_member(*person, "lastName").empty())
        return legacy(406, "missing_entity", "person.lastName", "validation_failure");
      c.first_name = str_member(*person, "firstName");
      c.last_name = str_member(*person, "lastName");
    }
    ++c.version;
    webhooks->publish("contact.changed", c.id);
    const std::string now = format_berlin(now_ms(), true);
    return action_result(c.id, "contacts", now, now, c.version, 200);
  }

  HttpReply action_result(const std::string& id, const std::string& resource, const std::string& created_date,
                          const std::string& updated, int version, int status) {
    JsonOut o;
    o.begin_object().key("id").string(id).key("resourceUri").string(origin + "/v1/" + resource + "/" + id);
    o.key("createdDate")
        .string(created_date)
        .key("updatedDate")
        .string(updated)
        .key("version")
        .integer(version);
    o.end_object();
    return json_reply(status, o.take());
  }

  HttpReply lex_payments(const std::string& path, const std::string& id) {
    std::shared_lock lock(data_mutex);
    auto it = invoice_index.find(id);
    if (it == invoice_index.end()) return lex_error(404, path, "Resource not found");
    const Invoice& inv = data.invoices[it->second];
    if (inv.status == "draft") return lex_error(406, path, "Für Belege im Entwurf gibt es keine Zahlungen");
    JsonOut o;
    o.begin_object().key("openAmount").raw(amount(inv, inv.open_cents));
    o.key("paymentStatus")
        .string(inv.open_cents == 0 ? "balanced" : "openRevenue")
        .key("currency")
        .string("EUR");
    o.key("voucherType").string(inv.type).key("voucherStatus").string(inv.status);
    std::string last_date;
    o.key("paymentItems").begin_array();
    if (auto p = payments_of.find(inv.id); p != payments_of.end()) {
      for (std::size_t pi : p->second) {
        const Payment& pay = data.payments[pi];
        o.begin_object().key("paymentItemType").string(pay.type).key("postingDate").string(pay.date);
        o.key("amount")
            .raw(format_decimal(pay.amount_cents, true))
            .key("currency")
            .string("EUR")
            .end_object();
        last_date = pay.date;
      }
    }
    o.end_array();
    if ((inv.status == "paid" || inv.status == "paidoff") && !last_date.empty())
      o.key("paidDate").string(last_date);
    o.end_object();
    return json_reply(200, o.take());
  }

  HttpReply lex_invoice(const std::string& path, const std::string& id) {
    std::shared_lock lock(data_mutex);
    auto it = invoice_index.find(id);
    if (it == invoice_index.end()) return lex_error(404, path, "Resource not found");
    const Invoice& inv = data.invoices[it->second];
    const std::int64_t net = (inv.total_cents * 100 + 59) / 119;
    const std::int64_t days_to_pay =
        inv.due_date.empty() ? 0 : local_day(inv.due_date) - local_day(inv.voucher_date);
    JsonOut o;
    o.begin_object();
    o.key("id").string(inv.id).key("organizationId").string(data.organization_id);
    o.key("createdDate")
        .string(inv.created)
        .key("updatedDate")
        .string(inv.updated)
        .key("version")
        .integer(inv.version);
    o.key("language")
        .string("de")
        .key("archived")
        .boolean(inv.archived)
        .key("voucherStatus")
        .string(inv.status);
    o.key("voucherNumber").string(inv.number).key("voucherDate").string(inv.voucher_date);
    o.key("dueDate").string_or_null(inv.due_date);
    o.key("address").begin_object();
    if (!inv.contact_id.empty()) o.key("contactId").string(inv.contact_id);
    o.key("name").string(inv.contact_name).key("countryCode").string("DE").end_object();
    o.key("lineItems")
        .begin_array()
        .begin_object()
        .key("type")
        .string("custom")
        .key("name")
        .string("Leistung");
    o.key("quantity").raw("1").key("unitName").string("Stück").key("unitPrice").begin_object();
    o.key("currency").string("EUR").key("netAmount").raw(format_decimal(net, true));
    o.key("grossAmount")
        .raw(format_decimal(inv.total_cents, true))
        .key("taxRatePercentage")
        .raw("19")
        .end_object();
    o.key("lineItemAmount").raw(format_decimal(inv.tax_type == "gross" ? inv.total_cents : net, true));
    o.end_object().end_array();
    o.key("totalPrice").begin_object().key("currency").string("EUR");
    o.key("totalNetAmount")
        .raw(format_decimal(net, true))
        .key("totalGrossAmount")
        .raw(format_decimal(inv.total_cents, true));
    o.key("totalTaxAmount").raw(format_decimal(inv.total_cents - net, true)).end_object();
    o.key("taxConditions").begin_object().key("taxType").string(inv.tax_type).end_object();
    o.key("paymentConditions").begin_object();
    o.key("paymentTermLabel").string("Zahlbar innerhalb von " + std::to_string(days_to_pay) + " Tagen");
    o.key("paymentTermDuration").integer(days_to_pay).end_object();
    o.key("relatedVouchers").begin_array();
    for (const std::string& d : inv.related) {
      o.begin_object()
          .key("id")
          .string(d)
          .key("voucherNumber")
          .null()
          .key("voucherType")
          .string("dunning")
          .end_object();
    }
    o.end_array();
    o.key("title").string("Rechnung");
    o.end_object();
    return json_reply(200, o.take());
  }

  HttpReply lex_create_dunning(const HttpRequest& req, const std::string& path, const Params& params) {
    const std::string invoice_id = get(params, "precedingSalesVoucherId");
    std::vector<Violation> bad;
    if (invoice_id.empty()) {
      return lex_error(406, path,
                       "Validation failed for request. Please see details list for specific causes.",
                       {{"NOTNULL", "precedingSalesVoucherId", "darf nicht leer sein"}});
    }
    if (req.header("Content-Type").find("application/json") == std::string::npos) {
      return lex_error(415, path, "Content type '" + req.header("Content-Type") + "' not supported");
    }
    rapidjson::Document body;
    body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
    if (body.HasParseError() || !body.IsObject()) return lex_error(400, path, "JSON parse error");
    std::unique_lock lock(data_mutex);
    auto it = invoice_index.find(invoice_id);
    if (it == invoice_index.end()) {
      return lex_error(406, path,
                       "Validation failed for request. Please see details list for specific causes.",
                       {{"INVALID", "precedingSalesVoucherId", "Der referenzierte Beleg existiert nicht"}});
    }
    Invoice& inv = data.invoices[it->second];
    if (inv.status == "draft" || inv.status == "voided" ||
        (inv.type != "invoice" && inv.type != "downpaymentinvoice")) {
      return lex_error(
          406, path, "Validation failed for request. Please see details list for specific causes.",
          {{"INVALID", "precedingSalesVoucherId", "Zu diesem Beleg kann keine Mahnung erstellt werden"}});
    }
    Dunning d;
    d.voucher_date = str_member(body, "voucherDate");
    if (d.voucher_date.empty()) {
      bad.push_back({"NOTNULL", "voucherDate", "darf nicht leer sein"});
    } else if (!strict_rfc3339(d.voucher_date)) {
      bad.push_back({"PATTERN", "voucherDate", "muss dem Format yyyy-MM-dd'T'HH:mm:ss.SSSXXX entsprechen"});
    }
    if (const rapidjson::Value* address = member(body, "address")) {
      const std::string contact = str_member(*address, "contactId");
      if (!contact.empty() && contact != inv.contact_id) {
        bad.push_back({"INVALID", "address.contactId", "muss dem Kontakt der Rechnung entsprechen"});
      }
    }
    const rapidjson::Value* tax = member(body, "taxConditions");
    d.tax_type = tax ? str_member(*tax, "taxType") : "";
    if (d.tax_type.empty()) {
      d.tax_type = inv.tax_type;  // not sent: the invoice's (an assumption, docs/simulators.md)
    } else if (d.tax_type != inv.tax_type) {
      bad.push_back(
          {"INVALID", "taxConditions.taxType", "muss der Besteuerungsart der Rechnung entsprechen"});
    }
    const rapidjson::Value* total = member(body, "totalPrice");
    if (!total || str_member(*total, "currency") != "EUR") {
      bad.push_back({"NOTNULL", "totalPrice.currency", "darf nicht leer sein"});
    }
    const rapidjson::Value* items = member(body, "lineItems");
    std::int64_t sum_micro = 0;  // 10^-6 EUR
    if (!items || !items->IsArray() || items->Empty()) {
      bad.push_back({"NOTNULL", "lineItems", "darf nicht leer sein"});
    } else {
      for (rapidjson::SizeType n = 0; n < items->Size(); ++n) {
        const rapidjson::Value& item = (*items)[n];
        const std::string f = "lineItems[" + std::to_string(n) + "]";
        LineItem li;
        li.type = str_member(item, "type");
        li.name = str_member(item, "name");
        if (li.type != "custom" && li.type != "text" && li.type != "service" && li.type != "material") {
          bad.push_back({"INVALID", f + ".type", "muss custom, text, service oder material sein"});
          continue;
        }
        if (li.name.empty()) bad.push_back({"NOTNULL", f + ".name", "darf nicht leer sein"});
        li.description = str_member(item, "description");
        if (li.type == "text") {
          d.items.push_back(li);
          continue;
        }
        li.quantity = str_member(item, "quantity");
        li.unit_name = str_member(item, "unitName");
        std::int64_t qty = 0, price = 0;
        if (!parse_fixed(li.quantity, 4, qty))
          bad.push_back({"NOTNULL", f + ".quantity", "darf nicht leer sein"});
        const rapidjson::Value* unit = member(item, "unitPrice");
        if (!unit) {
          bad.push_back({"NOTNULL", f + ".unitPrice", "darf nicht leer sein"});
          continue;
        }
        li.currency = str_member(*unit, "currency");
        li.net = str_member(*unit, "netAmount");
        li.gross = str_member(*unit, "grossAmount");
        li.tax_rate = str_member(*unit, "taxRatePercentage");
        if (li.currency != "EUR") bad.push_back({"INVALID", f + ".unitPrice.currency", "muss EUR sein"});
        const std::string& price_text = inv.tax_type == "gross" ? li.gross : li.net;
        if (price_text.empty() && li.net.empty() && li.gross.empty()) {
          bad.push_back({"NOTNULL",
                         f + ".unitPrice." + (inv.tax_type == "gross" ? "grossAmount" : "netAmount"),
                         "darf nicht leer sein"});
        } else if (!parse_fixed(price_text.empty() ? (li.net.empty() ? li.gross : li.net) : price_text, 4,
                                price)) {
          bad.push_back({"INVALID", f + ".unitPrice", "Betrag mit höchstens 4 Nachkommastellen erwartet"});
        }
        std::int64_t tax_rate = 0;
        if (li.tax_rate.empty()) {
          bad.push_back({"NOTNULL", f + ".unitPrice.taxRatePercentage", "darf nicht leer sein"});
        } else if (!parse_fixed(li.tax_rate, 2, tax_rate)) {
          bad.push_back({"INVALID", f + ".unitPrice.taxRatePercentage", "ungültiger Steuersatz"});
        }
        sum_micro += qty * price / 100;  // 10^-4 * 10^-4 / 100 = 10^-6
        d.items.push_back(li);
      }
    }
    if (!bad.empty()) {
      return lex_error(406, path,
                       "Validation failed for request. Please see details list for specific causes.", bad);
    }
    const std::string now = format_berlin(now_ms(), true);
    char id[48];
    std::snprintf(id, sizeof id, "d0d0d0d0-0000-4000-8000-%012llu",
                  static_cast<unsigned long long>(++created_count));
    d.record.id = id;
    d.record.invoice_id = inv.id;
    d.record.created = now;
    d.record.line_items = d.items.size();
    d.record.charge_cents = (sum_micro + 5'000) / 10'000;
    d.record.body = req.body;
    d.title = str_member(body, "title").empty() ? "Mahnung" : str_member(body, "title");
    d.remark = str_member(body, "remark");
    inv.related.push_back(d.record.id);
    {
      std::lock_guard created_lock(created_mutex);
      created.push_back(d.record);
      dunnings[d.record.id] = d;
    }
    webhooks->publish("dunning.created", d.record.id);
    return action_result(d.record.id, "dunnings", now, now, 1, 201);
  }

  HttpReply lex_dunning(const std::string& path, const std::string& id) {
    std::shared_lock lock(data_mutex);
    Dunning d;
    {
      std::lock_guard created_lock(created_mutex);
      auto it = dunnings.find(id);
      if (it == dunnings.end()) return lex_error(404, path, "Resource not found");
      d = it->second;
    }
    const Invoice& inv = data.invoices[invoice_index.at(d.record.invoice_id)];
    JsonOut o;
    o.begin_object().key("id").string(d.record.id).key("organizationId").string(data.organization_id);
    o.key("createdDate")
        .string(d.record.created)
        .key("updatedDate")
        .string(d.record.created)
        .key("version")
        .integer(1);
    o.key("language").string("de").key("archived").boolean(false).key("voucherStatus").string("draft");
    o.key("voucherDate").string(d.voucher_date);
    o.key("address").begin_object();
    if (!inv.contact_id.empty()) o.key("contactId").string(inv.contact_id);
    o.key("name").string(inv.contact_name).end_object();
    o.key("lineItems").begin_array();
    for (const LineItem& li : d.items) {
      o.begin_object().key("type").string(li.type).key("name").string(li.name);
      if (!li.description.empty()) o.key("description").string(li.description);
      if (li.type != "text") {
        o.key("quantity")
            .raw(li.quantity)
            .key("unitName")
            .string(li.unit_name)
            .key("unitPrice")
            .begin_object();
        o.key("currency").string(li.currency);
        if (!li.net.empty()) o.key("netAmount").raw(li.net);
        if (!li.gross.empty()) o.key("grossAmount").raw(li.gross);
        o.key("taxRatePercentage").raw(li.tax_rate).end_object();
      }
      o.end_object();
    }
    o.end_array();
    o.key("totalPrice").begin_object().key("currency").string("EUR");
    o.key("totalNetAmount").raw(format_decimal(d.record.charge_cents, true)).end_object();
    o.key("taxConditions").begin_object().key("taxType").string(d.tax_type).end_object();
    o.key("relatedVouchers").begin_array().begin_object().key("id").string(inv.id);
    o.key("voucherNumber").string(inv.number).key("voucherType").string("invoice").end_object().end_array();
    o.key("title").string(d.title);
    if (!d.remark.empty()) o.key("remark").string(d.remark);
    o.end_object();
    return json_reply(200, o.take());
  }

  // ---- sevDesk ------------------------------------------------------------------------------

  std::string sevdesk_invoice(const Invoice& inv) const {
    JsonOut o;
    const std::int64_t net = (inv.total_cents * 100 + 59) / 119;
    o.begin_object().key("id").string(inv.id).key("objectName").string("Invoice");
    o.key("invoiceNumber").string(inv.number);
    o.key("contact")
        .begin_object()
        .key("id")
        .string(inv.contact_id)
        .key("objectName")
        .string("Contact")
        .end_object();
    o.key("create").string(inv.created).key("update").string(inv.updated);
    o.key("sevClient")
        .begin_object()
        .key("id")
        .string("1")
        .key("objectName")
        .string("SevClient")
        .end_object();
    o.key("invoiceDate").string(inv.voucher_date).key("header").string("Rechnung Nr. " + inv.number);
    o.key("timeToPay").string(std::to_string(inv.time_to_pay)).key("discountTime").string("0");
    o.key("discount").string("0");
    o.key("addressCountry")
        .begin_object()
        .key("id")
        .string("1")
        .key("objectName")
        .string("StaticCountry")
        .end_object();
    o.key("payDate");
    if (inv.status == "1000") {
      auto p = payments_of.find(inv.id);
      o.string_or_null(p == payments_of.end() ? "" : data.payments[p->second.back()].date);
    } else {
      o.null();
    }
    o.key("deliveryDate").string(inv.voucher_date).key("status").string(inv.status);
    o.key("taxRate").string("19").key("taxType").string("default");
    o.key("dunningLevel");
    if (inv.dunning_level == 0 && inv.type != "MA") {
      o.null();
    } else {
      o.string(std::to_string(inv.dunning_level));
    }
    o.key("sendDate").null().key("origin");
    if (inv.origin_id.empty()) {
      o.null();
    } else {
      o.begin_object().key("id").string(inv.origin_id).key("objectName").string("Invoice").end_object();
    }
    o.key("invoiceType").string(inv.type);
    if (inv.type == "MA") {
      o.key("reminderTotal").string(format_decimal(inv.total_cents, false));
      o.key("reminderDebit").string(format_decimal(inv.total_cents - inv.reminder_charge_cents, false));
      o.key("reminderDeadline")
          .string(format_berlin(parse_instant_ms(inv.voucher_date) + 14 * 86'400'000LL, false));
    } else {
      o.key("reminderTotal").null().key("reminderDebit").null().key("reminderDeadline").null();
    }
    o.key("reminderCharge").string(format_decimal(inv.reminder_charge_cents, false));
    o.key("currency").string("EUR").key("sumNet").string(format_decimal(net, false));
    o.key("sumTax").string(format_decimal(inv.total_cents - net, false));
    o.key("sumGross").string(format_decimal(inv.total_cents, false));
    o.key("sumDiscounts").string("0");
    o.key("paidAmount").raw(format_decimal(inv.total_cents - inv.open_cents, false));
    o.key("customerInternalNote")
        .string_or_null(inv.note)
        .key("showNet")
        .string("1")
        .key("enshrined")
        .null()
        .key("sendType")
        .null();
    o.end_object();
    return o.take();
  }

  std::string sev_contact_json(const Contact& c) const {
    JsonOut o;
    o.begin_object().key("id").string(c.id).key("objectName").string("Contact");
    o.key("create").string(c.created).key("update").string(c.updated);
    o.key("name").string_or_null(c.company ? c.name : "").key("status").string("1000");
    o.key("customerNumber").string(std::to_string(c.number)).key("parent").null();
    o.key("surename").string_or_null(c.company ? "" : c.first_name);
    o.key("familyname").string_or_null(c.company ? "" : c.last_name).key("titel").null();
    o.key("category").begin_object().key("id").string("3").key("objectName").string("Category").end_object();
    o.key("description").null().key("academicTitle").null();
    o.key("gender").string_or_null(c.company ? "" : (c.salutation == "Frau" ? "w" : "m"));
    o.key("vatNumber").null().key("taxNumber").null().key("defaultTimeToPay").null();
    o.key("exemptVat").string("0").key("buyerReference").null().key("governmentAgency").string("0");
    o.end_object();
    return o.take();
  }

  HttpReply sevdesk(const HttpRequest& req, const Route& route, const std::string& path, const Params& params,
                    bool duplicate) {
    (void)path;
    if (route.name == "Invoice") return sev_invoices(params, duplicate);
    if (route.name == "Invoice/{id}") {
      std::shared_lock lock(data_mutex);
      auto it = invoice_index.find(route.id);
      if (it == invoice_index.end()) return sev_error(404, "Invoice not found");
      return json_reply(200, "{\"objects\":[" + rows[it->second] + "]}");
    }
    if (route.name == "getIsPartiallyPaid") {
      std::shared_lock lock(data_mutex);
      auto it = invoice_index.find(route.id);
      if (it == invoice_index.end()) return sev_error(404, "Invoice not found");
      const Invoice& inv = data.invoices[it->second];
      const bool partial = inv.open_cents > 0 && inv.open_cents < inv.total_cents;
      return json_reply(200, std::string("{\"objects\":") + (partial ? "true" : "false") + "}");
    }
    if (route.name == "getLastDunning") {
      std::shared_lock lock(data_mutex);
      auto it = invoice_index.find(route.id);
      if (it == invoice_index.end()) return sev_error(404, "Invoice not found");
      const Invoice& inv = data.invoices[it->second];
      if (inv.related.empty()) return json_reply(200, "{\"objects\":null}");
      return json_reply(200, "{\"objects\":" + rows[invoice_index.at(inv.related.back())] + "}");
    }
    if (route.name == "Contact" || route.name == "ContactAddress" || route.name == "CommunicationWay") {
      return sev_contacts(route.name, params, duplicate);
    }
    if (route.name == "Contact/{id}") {
      std::shared_lock lock(data_mutex);
      auto it = contact_index.find(route.id);
      if (it == contact_index.end()) return sev_error(404, "Contact not found");
      return json_reply(200, "{\"objects\":[" + sev_contact_json(data.contacts[it->second]) + "]}");
    }
    if (route.name == "createInvoiceReminder") return sev_create_reminder(req, params);
    if (route.name == "InvoiceLog") return sev_invoice_log(params);
    if (route.name == "bookAmount") return sev_book_amount(req, route.id);
    if (route.name == "updateInvoice") return sev_update_invoice(req, route.id);
    return sev_error(404, "Not found");
  }

  bool sev_limit(const Params& params, long long& limit, long long& offset, std::string& error) const {
    limit = int_param(params, "limit", 100);
    offset = int_param(params, "offset", 0);
    if (limit < 1 || limit > 1000) {
      error = "limit must be between 1 and 1000";
      return false;
    }
    if (offset < 0) {
      error = "offset must be a non-negative number";
      return false;
    }
    return true;
  }

  HttpReply sev_invoices(const Params& params, bool duplicate) {
    long long limit = 0, offset = 0;
    std::string error;
    if (!sev_limit(params, limit, offset, error)) return sev_error(400, error);
    std::map<std::string, std::int64_t> stamps;
    for (const char* key :
         {"startDate", "endDate", "createAfter", "createBefore", "updateAfter", "updateBefore"}) {
      const long long v = int_param(params, key, -2);
      if (v == -1) return sev_error(400, std::string(key) + " must be a unix timestamp");
      if (v >= 0) stamps[key] = v * 1000;
    }
    const std::string status = get(params, "status"), type = get(params, "invoiceType");
    const std::string contact = get(params, "contact[id]");
    const bool show_ma = get(params, "showMa") == "all";
    // The real API spells the filter customerIntenalNote (sic); both spellings are accepted.
    const std::string note = get(params, "customerIntenalNote").empty() ? get(params, "customerInternalNote")
                                                                        : get(params, "customerIntenalNote");
    const bool partially = get(params, "partiallyPaid") == "true",
               delinquent = get(params, "delinquent") == "true";
    std::string cache_key = "sev|" + status + "|" + type + "|" + contact + "|" + (show_ma ? "ma" : "") +
                            (partially ? "pp" : "") + (delinquent ? "dl" : "") + "|note=" + note;
    for (const auto& [k, v] : stamps) cache_key += "|" + k + "=" + std::to_string(v);
    std::shared_lock data_lock(data_mutex);
    std::shared_ptr<const std::vector<std::uint32_t>> hits;
    {
      std::lock_guard lock(cache_mutex);
      auto it = cache.find(cache_key);
      if (it != cache.end()) hits = it->second;
    }
    if (!hits) {
      auto found = std::make_shared<std::vector<std::uint32_t>>();
      auto within = [&stamps](const char* after, const char* before, std::int64_t t, bool inclusive) {
        auto a = stamps.find(after), b = stamps.find(before);
        if (a != stamps.end() && (inclusive ? t < a->second : t <= a->second)) return false;
        if (b != stamps.end() && (inclusive ? t > b->second : t >= b->second)) return false;
        return true;
      };
      for (std::size_t i = 0; i < data.invoices.size(); ++i) {
        const Invoice& inv = data.invoices[i];
        if (!status.empty() && inv.status != status) continue;
        if (!type.empty() ? inv.type != type : (inv.type == "MA" && !show_ma)) continue;
        if (!contact.empty() && inv.contact_id != contact) continue;
        if (!note.empty() && inv.note.find(note) == std::string::npos) continue;
        if (partially && !(inv.open_cents > 0 && inv.open_cents < inv.total_cents)) continue;
        if (delinquent && !((inv.status == "200" || inv.status == "750") && keys[i].due_day < today))
          continue;
        const Keys& k = keys[i];
        if (!within("startDate", "endDate", k.voucher, true) ||
            !within("createAfter", "createBefore", k.created, false) ||
            !within("updateAfter", "updateBefore", k.updated, false)) {
          continue;
        }
        found->push_back(static_cast<std::uint32_t>(i));
      }
      std::sort(found->begin(), found->end(),
                [this](std::uint32_t a, std::uint32_t b) { return keys[a].numeric_id < keys[b].numeric_id; });
      hits = found;
      std::lock_guard lock(cache_mutex);
      if (cache.size() > 256) cache.clear();
      cache[cache_key] = hits;
    }
    std::size_t start = std::min(static_cast<std::size_t>(offset), hits->size());
    if (duplicate && start > 0) --start;
    const std::size_t end = std::min(start + static_cast<std::size_t>(limit), hits->size());
    std::string body = "{";
    if (get(params, "countAll") == "true") body += "\"total\":\"" + std::to_string(hits->size()) + "\",";
    body += "\"objects\":[";
    for (std::size_t i = start; i < end; ++i) {
      if (i != start) body.push_back(',');
      body += rows[(*hits)[i]];
    }
    body += "]}";
    return json_reply(200, std::move(body));
  }

  HttpReply sev_contacts(const std::string& what, const Params& params, bool duplicate) {
    long long limit = 0, offset = 0;
    std::string error;
    if (!sev_limit(params, limit, offset, error)) return sev_error(400, error);
    std::shared_lock lock(data_mutex);
    std::vector<std::size_t> hits;
    const std::string number = get(params, "customerNumber"), contact = get(params, "contact[id]");
    const bool depth = get(params, "depth") == "1";
    for (std::size_t i = 0; i < data.contacts.size(); ++i) {
      const Contact& c = data.contacts[i];
      if (what == "Contact" && !depth && !c.company) continue;
      if (!number.empty() && std::to_string(c.number) != number) continue;
      if (!contact.empty() && c.id != contact) continue;
      hits.push_back(i);
    }
    std::size_t start = std::min(static_cast<std::size_t>(offset), hits.size());
    if (duplicate && start > 0) --start;
    const std::size_t end = std::min(start + static_cast<std::size_t>(limit), hits.size());
    JsonOut o;
    o.begin_object();
    if (get(params, "countAll") == "true") o.key("total").string(std::to_string(hits.size()));
    o.key("objects").begin_array();
    for (std::size_t i = start; i < end; ++i) {
      const Contact& c = data.contacts[hits[i]];
      if (what == "Contact") {
        o.raw(sev_contact_json(c));
        continue;
      }
      o.begin_object().key("id").string(c.id).key("objectName").string(what);
      o.key("contact").begin_object().key("id").string(c.id).key("objectName").string("Contact").end_object();
      if (what == "ContactAddress") {
        o.key("street").string(c.street).key("zip").string(c.zip).key("city").string(c.city);
        o.key("country")
            .begin_object()
            .key("id")
            .string("1")
            .key("objectName")
            .string("StaticCountry")
            .end_object();
        o.key("category")
            .begin_object()
            .key("id")
            .string("47")
            .key("objectName")
            .string("Category")
            .end_object();
      } else {
        o.key("type").string("EMAIL").key("value").string(c.email);
        o.key("key")
            .begin_object()
            .key("id")
            .string("8")
            .key("objectName")
            .string("CommunicationWayKey")
            .end_object();
        o.key("main").string("1");
      }
      o.end_object();
    }
    o.end_array().end_object();
    return json_reply(200, o.take());
  }

  HttpReply sev_create_reminder(const HttpRequest& req, const Params& params) {
    std::string id = get(params, "invoice[id]");
    std::string charge_text, level_text, note_text;
    if (!req.body.empty()) {
      rapidjson::Document body;
      body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
      if (body.HasParseError() || !body.IsObject()) return sev_error(400, "Malformed JSON body");
      if (const rapidjson::Value* inv = member(body, "invoice")) {
        const std::string body_id = str_member(*inv, "id");
        if (!body_id.empty() && !id.empty() && body_id != id) {
          return sev_validation("invoice[id] in the query and the body differ");
        }
        if (!body_id.empty()) id = body_id;
        if (str_member(*inv, "objectName") != "Invoice")
          return sev_validation("invoice.objectName must be Invoice");
      }
      charge_text = str_member(body, "reminderCharge");
      level_text = str_member(body, "dunningLevel");
      note_text = str_member(body, "customerInternalNote");
    }
    if (id.empty()) return sev_validation("invoice is required");
    std::int64_t charge = 0;
    if (!charge_text.empty()) {
      try {
        charge = parse_cents(charge_text);
      } catch (const std::exception&) {
        return sev_validation("reminderCharge must be an amount");
      }
    }
    long long level = 0;  // 0: one above the invoice's
    if (!level_text.empty()) {
      Params p{{"level", level_text}};
      level = int_param(p, "level", 0);
      if (level < 1 || level > 99) return sev_validation("dunningLevel must be a number from 1");
    }
    std::unique_lock lock(data_mutex);
    auto it = invoice_index.find(id);
    if (it == invoice_index.end()) return sev_error(404, "Invoice not found");
    const std::size_t parent_index = it->second;
    {
      const Invoice& parent = data.invoices[parent_index];
      if (parent.type == "MA") return sev_validation("A reminder cannot be created for a reminder");
      if (parent.status != "200" && parent.status != "750") return sev_validation("Invoice is not open");
    }
    const std::int64_t now = now_ms();
    Invoice ma;
    Invoice& parent = data.invoices[parent_index];
    ma.id = std::to_string(next_sevdesk_id++);
    ma.number = "MA-" + parent.number;
    ma.type = "MA";
    ma.status = "100";
    ma.contact_id = parent.contact_id;
    ma.contact_name = parent.contact_name;
    ma.voucher_date = format_berlin(now, false);
    ma.created = ma.voucher_date;
    ma.updated = ma.voucher_date;
    ma.time_to_pay = 14;
    ma.dunning_level = level > 0 ? static_cast<int>(level) : parent.dunning_level + 1;
    ma.note = note_text;
    ma.reminder_charge_cents = charge;
    ma.total_cents = parent.open_cents + charge;
    ma.open_cents = ma.total_cents;
    ma.origin_id = parent.id;
    parent.dunning_level = ma.dunning_level;
    parent.updated = ma.updated;
    parent.related.push_back(ma.id);
    Created record{ma.id, parent.id, ma.created, ma.dunning_level, charge, 0, req.body};
    data.invoices.push_back(ma);
    rows.emplace_back();
    keys.emplace_back();
    invoice_index[ma.id] = data.invoices.size() - 1;
    rebuild_row(data.invoices.size() - 1);
    rebuild_row(parent_index);
    {
      std::lock_guard cache_lock(cache_mutex);
      cache.clear();
      orders.clear();
      wanted_cache.clear();
    }
    {
      std::lock_guard created_lock(created_mutex);
      created.push_back(record);
    }
    return json_reply(200, "{\"objects\":" + rows.back() + "}");
  }

  // The payments booked on an invoice (bookAmount, the data file's payments), oldest first.
  HttpReply sev_invoice_log(const Params& params) {
    long long limit = 0, offset = 0;
    std::string error;
    if (!sev_limit(params, limit, offset, error)) return sev_error(400, error);
    const std::string id = get(params, "invoice[id]");
    std::shared_lock lock(data_mutex);
    std::vector<std::size_t> hits;
    if (id.empty()) {
      for (std::size_t i = 0; i < data.payments.size(); ++i) hits.push_back(i);
    } else if (auto p = payments_of.find(id); p != payments_of.end()) {
      hits = p->second;
    }
    const std::size_t start = std::min(static_cast<std::size_t>(offset), hits.size());
    const std::size_t end = std::min(start + static_cast<std::size_t>(limit), hits.size());
    JsonOut o;
    o.begin_object();
    if (get(params, "countAll") == "true") o.key("total").string(std::to_string(hits.size()));
    o.key("objects").begin_array();
    for (std::size_t i = start; i < end; ++i) {
      const Payment& pay = data.payments[hits[i]];
      o.begin_object().key("id").string(std::to_string(hits[i] + 1)).key("objectName").string("InvoiceLog");
      o.key("invoice").begin_object().key("id").string(pay.invoice_id).key("objectName").string("Invoice");
      o.end_object()
          .key("type")
          .string("N")
          .key("ammountPayed")
          .string(format_decimal(pay.amount_cents, false));
      o.key("bookingDate").string(pay.date).key("create").string(pay.date).end_object();
    }
    o.end_array().end_object();
    return json_reply(200, o.take());
  }

  HttpReply sev_update_invoice(const HttpRequest& req, const std::string& id) {
    rapidjson::Document body;
    body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
    if (body.HasParseError() || !body.IsObject()) return sev_error(400, "Malformed JSON body");
    std::unique_lock lock(data_mutex);
    auto it = invoice_index.find(id);
    if (it == invoice_index.end()) return sev_error(404, "Invoice not found");
    Invoice& inv = data.invoices[it->second];
    if (inv.status != "100") return sev_validation("Only draft invoices can be changed");
    if (const std::string charge = str_member(body, "reminderCharge"); !charge.empty()) {
      std::int64_t cents = 0;
      try {
        cents = parse_cents(charge);
      } catch (const std::exception&) {
        return sev_validation("reminderCharge must be an amount");
      }
      inv.total_cents += cents - inv.reminder_charge_cents;
      inv.open_cents = inv.total_cents;
      inv.reminder_charge_cents = cents;
      std::lock_guard created_lock(created_mutex);
      for (Created& c : created) {
        if (c.id == inv.id) c.charge_cents = cents;
      }
    }
    inv.updated = format_berlin(now_ms(), false);
    rebuild_row(it->second);
    {
      std::lock_guard cache_lock(cache_mutex);
      cache.clear();
      orders.clear();
      wanted_cache.clear();
    }
    return json_reply(200, "{\"objects\":" + rows[it->second] + "}");
  }

  // Books a payment on an invoice (sevDesk bookAmount, and the admin endpoint for both).
  // REQUIRES: data_mutex held exclusively.
  std::string book(std::size_t index, std::int64_t cents, const std::string& date) {
    Invoice& inv = data.invoices[index];
    const std::string from = inv.status;
    inv.open_cents = std::max<std::int64_t>(0, inv.open_cents - cents);
    const bool lex = system == System::kLexoffice;
    if (inv.open_cents == 0) {
      inv.status = lex ? "paid" : "1000";
    } else if (!lex) {
      inv.status = "750";
    }
    inv.updated = format_berlin(now_ms(), lex);
    ++inv.version;
    payments_of[inv.id].push_back(data.payments.size());
    data.payments.push_back(Payment{inv.id, "manualPayment", date, cents});
    rebuild_row(index);
    if (lex) {  // lexoffice tells its subscribers; sevDesk has no webhooks
      webhooks->publish("payment.changed", inv.id);
      if (inv.status != from) webhooks->publish("invoice.status.changed", inv.id);
    }
    std::lock_guard cache_lock(cache_mutex);
    cache.clear();
    orders.clear();
    wanted_cache.clear();
    return from;
  }

  HttpReply sev_book_amount(const HttpRequest& req, const std::string& id) {
    rapidjson::Document body;
    body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
    if (body.HasParseError() || !body.IsObject()) return sev_error(400, "Malformed JSON body");
    std::int64_t cents = 0;
    try {
      cents = parse_cents(str_member(body, "amount"));
    } catch (const std::exception&) {
      return sev_validation("amount is required");
    }
    if (cents <= 0) return sev_validation("amount must be positive");
    std::unique_lock lock(data_mutex);
    auto it = invoice_index.find(id);
    if (it == invoice_index.end()) return sev_error(404, "Invoice not found");
    if (data.invoices[it->second].status != "200" && data.invoices[it->second].status != "750") {
      return sev_validation("Invoice is not open");
    }
    const std::string date = format_berlin(now_ms(), false);
    const std::string from = book(it->second, cents, date);
    const Invoice& inv = data.invoices[it->second];
    JsonOut o;
    o.begin_object().key("objects").begin_object().key("id").string(std::to_string(data.payments.size()));
    o.key("objectName").string("InvoiceLog");
    o.key("invoice").begin_object().key("id").string(inv.id).key("objectName").string("Invoice").end_object();
    o.key("fromStatus").string(from).key("toStatus").string(inv.status);
    o.key("ammountPayed").string(format_decimal(cents, false)).key("bookingDate").string(date);
    o.end_object().end_object();
    return json_reply(200, o.take());
  }

  // ---- admin --------------------------------------------------------------------------------

  HttpReply admin(const HttpRequest& req, const std::string& path) {
    if (path == "/_sim/state" && req.method == "GET") return json_reply(200, state_json());
    if (path == "/_sim/faults" && req.method == "POST") {
      try {
        auto parsed = parse_faults(req.body);
        std::lock_guard lock(fault_mutex);
        rules = std::move(parsed);
      } catch (const std::exception& e) {
        return gateway(400, e.what());
      }
      return json_reply(200, "{\"ok\":true}");
    }
    if (path == "/_sim/rate" && req.method == "POST") {
      rapidjson::Document body;
      body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
      if (body.HasParseError() || !body.IsObject()) return gateway(400, "rate: a JSON object expected");
      RateSettings r;
      {
        std::lock_guard lock(rate_mutex);
        r = rate;
      }
      try {
        if (auto v = str_member(body, "per_second"); !v.empty()) r.per_second = std::stod(v);
        if (auto v = str_member(body, "burst"); !v.empty()) r.burst = std::stod(v);
        if (auto v = str_member(body, "disguise_every"); !v.empty()) r.disguise_every = std::stoi(v);
      } catch (const std::exception&) {
        return gateway(400, "rate: numbers expected");
      }
      if (const rapidjson::Value* off = member(body, "off"); off && off->IsBool()) r.off = off->GetBool();
      if (r.per_second <= 0 || r.burst < 1) return gateway(400, "rate: per_second > 0 and burst >= 1");
      set_rate(r);
      return json_reply(200, "{\"ok\":true}");
    }
    if (path == "/_sim/reset" && req.method == "POST") {
      reset_counts();
      return json_reply(200, "{\"ok\":true}");
    }
    if (path == "/_sim/pay" && req.method == "POST") {
      rapidjson::Document body;
      body.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str());
      if (body.HasParseError() || !body.IsObject()) return gateway(400, "pay: a JSON object expected");
      std::int64_t cents = 0;
      try {
        cents = parse_cents(str_member(body, "amount"));
      } catch (const std::exception&) {
        return gateway(400, "pay: amount expected");
      }
      std::unique_lock lock(data_mutex);
      auto it = invoice_index.find(str_member(body, "invoice_id"));
      if (it == invoice_index.end()) return gateway(404, "pay: no such invoice");
      book(it->second, cents, format_berlin(now_ms(), system == System::kLexoffice));
      return json_reply(200, "{\"ok\":true}");
    }
    if (system == System::kLexoffice && path == "/_sim/webhook-key" && req.method == "GET") {
      HttpReply reply;
      reply.headers.emplace_back("Content-Type", "application/x-pem-file");
      reply.body = webhooks->public_key_pem();
      return reply;
    }
    if (system == System::kLexoffice && path == "/_sim/event" && req.method == "POST") {
      rapidjson::Document body;
      body.Parse(req.body.c_str());
      if (body.HasParseError() || !body.IsObject()) return gateway(400, "event: a JSON object expected");
      const std::string type = str_member(body, "eventType");
      if (!known_event_type(type)) return gateway(400, "event: unknown eventType \"" + type + "\"");
      const int queued = webhooks->publish(type, str_member(body, "resourceId"));
      return json_reply(200, "{\"queued\":" + std::to_string(queued) + "}");
    }
    return gateway(404, "unknown admin endpoint");
  }

  void set_rate(const RateSettings& r) {
    std::lock_guard lock(rate_mutex);
    rate = r;
    buckets.clear();
  }

  void reset_counts() {
    {
      std::lock_guard lock(count_mutex);
      counts.clear();
    }
    std::lock_guard lock(rate_mutex);
    refusals = 0;
  }

  std::string state_json() const {
    JsonOut o;
    o.begin_object().key("system").string(to_string(system));
    o.key("requests").begin_object();
    {
      std::lock_guard lock(count_mutex);
      for (const auto& [route, c] : counts) {
        o.key(route).begin_object().key("total").integer(c.total);
        for (const auto& [status, n] : c.by_status) o.key(status).integer(n);
        o.end_object();
      }
    }
    o.end_object();
    {
      std::lock_guard lock(rate_mutex);
      o.key("rate").begin_object().key("per_second").raw(std::to_string(rate.per_second));
      o.key("burst").raw(std::to_string(rate.burst)).key("off").boolean(rate.off);
      o.key("refused").integer(refusals).end_object();
    }
    o.key("faults").begin_array();
    {
      std::lock_guard lock(fault_mutex);
      for (const FaultRule& r : rules) {
        o.begin_object().key("rule").string(r.text).key("matched").integer(r.matched).key("fired").integer(
            r.fired);
        o.end_object();
      }
    }
    o.end_array();
    o.key(system == System::kLexoffice ? "dunnings" : "reminders").begin_array();
    {
      std::lock_guard lock(created_mutex);
      for (const Created& c : created) {
        o.begin_object()
            .key("id")
            .string(c.id)
            .key("invoice_id")
            .string(c.invoice_id)
            .key("created")
            .string(c.created);
        if (system == System::kLexoffice) {
          o.key("line_items").integer(static_cast<std::int64_t>(c.line_items));
          o.key("total").string(format_cents(c.charge_cents));
        } else {
          o.key("dunning_level")
              .integer(c.dunning_level)
              .key("reminder_charge")
              .string(format_cents(c.charge_cents));
        }
        o.end_object();
      }
    }
    o.end_array();
    if (webhooks) {
      const std::vector<DeliveryAttempt> attempts = webhooks->attempts();
      const auto delivered = std::count_if(attempts.begin(), attempts.end(),
                                           [](const DeliveryAttempt& a) { return a.delivered(); });
      o.key("webhooks").begin_object();
      o.key("subscriptions").integer(static_cast<std::int64_t>(webhooks->list().size()));
      o.key("attempts")
          .integer(static_cast<std::int64_t>(attempts.size()))
          .key("delivered")
          .integer(delivered);
      o.end_object();
    }
    o.end_object();
    return o.take();
  }

  // ---- members ------------------------------------------------------------------------------

  System system;
  Data data;
  int threads;
  std::uint16_t port_wanted;
  std::string origin;
  std::int64_t today = 0;
  long long next_sevdesk_id = 1;

  mutable std::shared_mutex data_mutex;  // data, rows, keys, indexes
  std::unordered_map<std::string, std::size_t> invoice_index, contact_index;
  std::unordered_map<std::string, std::vector<std::size_t>> payments_of;
  std::vector<std::string> rows;
  std::vector<Keys> keys;
  std::vector<std::size_t> contact_order;

  std::mutex cache_mutex;
  std::map<std::string, std::shared_ptr<const std::vector<std::uint32_t>>> cache;
  std::map<std::string, std::shared_ptr<const std::vector<std::uint32_t>>> orders;  // by sort property
  // voucherlist: which invoices pass the type, status, archived and contact filters, by filter
  std::map<std::string, std::shared_ptr<const std::vector<char>>> wanted_cache;

  mutable std::mutex fault_mutex;
  std::vector<FaultRule> rules;

  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  mutable std::mutex rate_mutex;
  RateSettings rate;
  std::map<std::string, Bucket> buckets;
  long refusals = 0;

  mutable std::mutex count_mutex;
  std::map<std::string, RouteCounts> counts;

  mutable std::mutex created_mutex;
  std::vector<Created> created;
  std::map<std::string, Dunning> dunnings;
  std::atomic<std::uint64_t> created_count{0};
  std::atomic<std::uint64_t> traces{0};

  std::unique_ptr<Webhooks> webhooks;  // lexoffice only
  std::unique_ptr<http::testing::TestCa> ca;
  std::unique_ptr<HttpServer> server;  // last: stopped first
};

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>(options)) {
  if (impl_->system == System::kLexoffice) {
    impl_->webhooks = std::make_unique<Webhooks>(impl_->data.organization_id, std::move(options.webhooks));
  }
  impl_->ca = std::make_unique<http::testing::TestCa>("mahnwerk simulator CA");
  const http::testing::Issued issued = impl_->ca->issue({"localhost"}, {"127.0.0.1"});
  HttpServerOptions server_options;
  server_options.cert_pem = issued.cert_pem + impl_->ca->cert_pem();
  server_options.key_pem = issued.key_pem;
  server_options.port = impl_->port_wanted;
  server_options.threads = impl_->threads;
  Impl* impl = impl_.get();
  impl_->server =
      std::make_unique<HttpServer>(server_options, [impl](const HttpRequest& r) { return impl->handle(r); });
  impl_->origin = "https://127.0.0.1:" + std::to_string(impl_->server->port());
}

SimServer::~SimServer() { impl_->server.reset(); }

System SimServer::system() const { return impl_->system; }
std::uint16_t SimServer::port() const { return impl_->server->port(); }
const std::string& SimServer::ca_pem() const { return impl_->ca->cert_pem(); }
std::string SimServer::origin() const { return impl_->origin; }
std::string SimServer::base_url() const {
  return impl_->origin + (impl_->system == System::kLexoffice ? "/v1" : "/api/v1");
}
const std::string& SimServer::api_key() const { return impl_->data.api_key; }

void SimServer::set_faults(const std::string& spec) {
  auto parsed = parse_faults(spec);
  std::lock_guard lock(impl_->fault_mutex);
  impl_->rules = std::move(parsed);
}

void SimServer::set_rate(const RateSettings& rate) { impl_->set_rate(rate); }
void SimServer::reset_counts() { impl_->reset_counts(); }

std::vector<Created> SimServer::created() const {
  std::lock_guard lock(impl_->created_mutex);
  return impl_->created;
}

RouteCounts SimServer::counts(const std::string& route) const {
  std::lock_guard lock(impl_->count_mutex);
  auto it = impl_->counts.find(route);
  return it == impl_->counts.end() ? RouteCounts{} : it->second;
}

std::map<std::string, RouteCounts> SimServer::all_counts() const {
  std::lock_guard lock(impl_->count_mutex);
  return impl_->counts;
}

long SimServer::faults_fired() const {
  std::lock_guard lock(impl_->fault_mutex);
  long n = 0;
  for (const FaultRule& r : impl_->rules) n += r.fired;
  return n;
}

std::string SimServer::state_json() const { return impl_->state_json(); }

namespace {
Webhooks& lexoffice_webhooks(const std::unique_ptr<Webhooks>& webhooks) {
  if (!webhooks) throw std::logic_error("sevDesk has no webhooks");
  return *webhooks;
}
}  // namespace

const std::string& SimServer::webhook_public_key_pem() const {
  return lexoffice_webhooks(impl_->webhooks).public_key_pem();
}
int SimServer::publish_event(const std::string& event_type, const std::string& resource_id) {
  return lexoffice_webhooks(impl_->webhooks).publish(event_type, resource_id);
}
bool SimServer::wait_webhooks_idle(std::chrono::milliseconds timeout) const {
  return lexoffice_webhooks(impl_->webhooks).wait_idle(timeout);
}
std::vector<DeliveryAttempt> SimServer::webhook_attempts() const {
  return lexoffice_webhooks(impl_->webhooks).attempts();
}
HttpReply SimServer::handle(const HttpRequest& request) { return impl_->handle(request); }

}  // namespace mahnwerk::sim
