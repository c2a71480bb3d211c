// The declarative REST engine.
#include "adapters/rest/rest_adapter.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "adapters/http/beast_transport.h"
#include "adapters/http/proxy.h"
#include "adapters/jsonfile/json_util.h"
#include "adapters/rest/transforms.h"
#include "connector/sync/store.h"

namespace mahnwerk::rest {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using Vars = std::map<std::string, std::string>;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr unsigned kDataFlags = rapidjson::kParseNumbersAsStringsFlag;

bool unreserved(char c, bool query_name) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || (query_name && (c == '[' || c == ']'));
}

std::string encode(std::string_view text, bool keep_commas, bool query_name = false) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (unreserved(c, query_name) || (keep_commas && (c == ',' || c == ':'))) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string form_encode(const Query& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += encode(k, false) + "=" + encode(v, false);
  }
  return out;
}

// Europe/Berlin's UTC offset on a calendar day (CEST from the last Sunday of March to the last
// Sunday of October), for templates that must send a local midnight.
std::string berlin_offset(const core::Date& d) {
  const auto last_sunday = [](int year, unsigned month) {
    const core::Date last = core::add_days(core::make_date(year, month + 1, 1), -1);
    return core::add_days(last, -static_cast<int>(core::iso_weekday(last) % 7));
  };
  const int y = core::year_of(d);
  const bool summer = !(d < last_sunday(y, 3)) && d < last_sunday(y, 10);
  return summer ? "+02:00" : "+01:00";
}

bool decimal(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  bool digit = false;
  bool dot = false;
  for (char c : t) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

// Fills one placeholder "name" or "name|filter[:arg]" from vars.
core::Result<std::string> fill(std::string_view spec, const Vars& vars) {
  const auto bar = spec.find('|');
  const std::string name(spec.substr(0, bar));
  const auto it = vars.find(name);
  if (it == vars.end()) return core::invalid_input("the payload has no \"" + name + "\"");
  std::string value = it->second;
  if (bar == std::string_view::npos) return value;
  const std::string_view filter = spec.substr(bar + 1);
  if (filter == "number") {
    if (!decimal(value)) return core::invalid_input("\"" + name + "\" is not a number");
    return value;
  }
  if (filter == "int" || filter.starts_with("add:")) {
    int v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || p != value.data() + value.size()) {
      return core::invalid_input("\"" + name + "\" is not an integer");
    }
    if (filter.starts_with("add:")) v += std::atoi(std::string(filter.substr(4)).c_str());
    return std::to_string(v);
  }
  if (filter == "rfc3339_berlin" || filter == "unix") {
    auto d = core::parse_date(value);
    if (!d) return core::invalid_input("\"" + name + "\" is not a date");
    if (filter == "unix") {
      return std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::sys_days{*d}.time_since_epoch())
              .count());
    }
    return value + "T00:00:00.000" + berlin_offset(*d);
  }
  return core::invalid_input("unknown placeholder filter \"" + std::string(filter) + "\"");
}

// "text {a} and {b|int}" with every placeholder filled; `encoder` applies to filled values.
template <typename Encoder>
core::Result<std::string> substitute(std::string_view text, const Vars& vars, Encoder encoder) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('{', pos);
    if (open == std::string_view::npos) break;
    const auto close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    auto v = fill(text.substr(open + 1, close - open - 1), vars);
    if (!v) return v.error();
    out += encoder(*v);
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

std::string identity(const std::string& s) { return s; }

// The body template with placeholders filled: a string that is exactly "{x|number}",
// "{x|int}" or "{x|add:N}" becomes a JSON number (its text as given: amounts never pass a
// double); other strings get their placeholders filled as text.
core::Result<std::string> render_body(const std::string& tmpl, const Vars& vars) {
  Document doc;
  doc.Parse(tmpl.c_str(), tmpl.size());
  if (doc.HasParseError()) return core::invalid_input("the body template is not JSON");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  std::optional<core::Error> error;
  const std::function<void(const Value&)> walk = [&](const Value& v) {
    if (error) return;
    if (v.IsObject()) {
      w.StartObject();
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        w.Key(m->name.GetString(), m->name.GetStringLength());
        walk(m->value);
      }
      w.EndObject();
    } else if (v.IsArray()) {
      w.StartArray();
      for (const auto& e : v.GetArray()) walk(e);
      w.EndArray();
    } else if (v.IsString()) {
      const std::string_view s(v.GetString(), v.GetStringLength());
      const bool whole =
          s.size() > 2 && s.front() == '{' && s.back() == '}' && s.find('{', 1) == std::string_view::npos;
      const bool numeric =
          whole && (s.find("|number}") != std::string_view::npos ||
                    s.find("|int}") != std::string_view::npos || s.find("|add:") != std::string_view::npos);
      if (numeric) {
        auto filled = fill(s.substr(1, s.size() - 2), vars);
        if (!filled) {
          error = filled.error();
          return;
        }
        w.RawValue(filled->c_str(), filled->size(), rapidjson::kNumberType);
      } else {
        auto filled = substitute(s, vars, identity);
        if (!filled) {
          error = filled.error();
          return;
        }
        w.String(filled->c_str(), static_cast<rapidjson::SizeType>(filled->size()));
      }
    } else {
      v.Accept(w);
    }
  };
  walk(doc);
  if (error) return *error;
  return std::string(buffer.GetString(), buffer.GetSize());
}

http::Method method_of(const std::string& m) {
  if (m == "POST") return http::Method::kPost;
  if (m == "PUT") return http::Method::kPut;
  if (m == "PATCH") return http::Method::kPatch;
  if (m == "DELETE") return http::Method::kDelete;
  return http::Method::kGet;
}

std::string date_text(std::int64_t unix_seconds) {
  return core::format_date(core::Date{
      std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds{std::chrono::seconds{unix_seconds}})});
}

// Compares versions: numerically when both are integers, else as text (RFC 3339 in one offset).
bool version_newer_or_equal(const std::string& a, const std::string& b) {
  const bool na = !a.empty() && a.find_first_not_of("0123456789") == std::string::npos;
  const bool nb = !b.empty() && b.find_first_not_of("0123456789") == std::string::npos;
  if (na && nb) return a.size() != b.size() ? a.size() > b.size() : a >= b;
  auto ia = parse_instant(a);
  auto ib = parse_instant(b);
  if (ia && ib) return *ia >= *ib;
  return a >= b;
}

class StderrLog final : public http::LogSink {
 public:
  explicit StderrLog(http::LogLevel level) : level_(level) {}
  http::LogLevel level() const override { return level_; }
  void log(http::LogLevel, std::string_view line) override { std::cerr << "mahnwerk http: " << line << '\n'; }

 private:
  http::LogLevel level_;
};

// Writes `text` to `path` atomically: a 0600 temporary file in the same folder, fsync, rename,
// fsync of the folder.
core::Status write_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return core::Error{core::ErrorKind::kUnavailable, "cannot write " + tmp, path};
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return core::Error{core::ErrorKind::kUnavailable, "cannot write " + tmp, path};
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return core::Error{core::ErrorKind::kUnavailable, "cannot replace " + path, path};
  }
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return core::Ok{};
}

std::string json_string(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [k, v] : fields) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  return buffer.GetString();
}

// An item whose details are fetched per record (payments for_each items).
struct DetailTarget {
  std::string id;
  std::string version;
  std::string debtor;
  std::string currency;
};

}  // namespace

struct RestAdapter::Impl {
  Mapping& mapping;
  RestSettings settings;
  std::string secret;
  http::Transport& transport;
  const sync::Clock& clock;
  http::LogSink* log = nullptr;
  http::Client client;
  http::ErrorPolicy errors;
  RestStats& stats;
  // oauth2
  std::string access_token;
  std::chrono::sys_seconds access_expires{};
  // detail cache: "<path>\x1f<version>" -> body
  std::unordered_map<std::string, std::string> detail_cache;
  bool cache_loaded = false;
  bool cache_dirty = false;

  Impl(Mapping& m, RestSettings s, std::string sec, http::Transport& t, const sync::Clock& c,
       http::ClientEnvironment env, RestStats& st)
      : mapping(m),
        settings(std::move(s)),
        secret(std::move(sec)),
        transport(t),
        clock(c),
        log(env.log),
        client(t, env, redactor(m)),
        errors(m.error_messages, m.error_rules),
        stats(st) {
    std::optional<http::RateBudget> budget = mapping.rate;
    if (settings.rate_per_second) {
      if (*settings.rate_per_second <= 0) {
        budget.reset();
      } else {
        if (!budget) budget = http::RateBudget{};
        budget->per_second = *settings.rate_per_second;
      }
    }
    if (budget) client.set_rate_budget(settings.credential, *budget);
  }

  static http::Redactor redactor(const Mapping& m) {
    std::vector<std::string> extra;
    if (m.auth.kind == Auth::Kind::kHeader) extra.push_back(m.auth.header);
    return http::Redactor(extra);
  }

  void note(http::LogLevel level, const std::string& line) {
    if (log != nullptr && level <= log->level()) log->log(level, "rest:" + mapping.name + ": " + line);
  }

  std::string base() const {
    std::string b = settings.base_url.empty() ? mapping.base_url : settings.base_url;
    while (!b.empty() && b.back() == '/') b.pop_back();
    return b;
  }

  core::Result<std::string> url(const RequestSpec& r, const Query& query, const Vars& vars) const {
    auto path = substitute(r.path, vars, [](const std::string& v) { return encode(v, false); });
    if (!path) return path.error();
    std::string out = base() + *path;
    char sep = out.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : query) {
      auto value = substitute(v, vars, identity);
      if (!value) return value.error();
      out += sep;
      out += encode(k, false, true) + "=" + encode(*value, true);
      sep = '&';
    }
    return out;
  }

  http::Request request(http::Method method, std::string target) const {
    http::Request req;
    req.method = method;
    req.url = std::move(target);
    req.credential = settings.credential;
    req.ca_file = settings.ca_file;
    req.errors = &errors;
    req.timeouts.total = std::chrono::seconds(mapping.timeout_seconds);
    req.timeouts.read = std::min<std::chrono::milliseconds>(req.timeouts.read, req.timeouts.total);
    for (const auto& [k, v] : mapping.headers) req.headers.push_back({k, v});
    return req;
  }

  // --- auth

  core::Status refresh_token() {
    if (settings.token_file.empty()) {
      return core::Error{core::ErrorKind::kBadConfig, "oauth2 needs the setting token_file", mapping.source};
    }
    auto text = jsonfile::read_file(settings.token_file);
    if (!text) {
      return core::Error{core::ErrorKind::kUnauthorized,
                         "no refresh token: " + settings.token_file +
                             " cannot be read (seed it with {\"refresh_token\": ...})",
                         ""};
    }
    Document stored;
    stored.Parse(text->c_str(), text->size());
    const auto refresh =
        stored.HasParseError() ? std::nullopt : scalar_text(resolve(stored, "/refresh_token"));
    if (!refresh || refresh->empty()) {
      return core::Error{core::ErrorKind::kUnauthorized, settings.token_file + " holds no refresh_token", ""};
    }
    http::Request req = request(http::Method::kPost, mapping.auth.token_url);
    req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.body = form_encode({{"grant_type", "refresh_token"},
                            {"refresh_token", *refresh},
                            {"client_id", mapping.auth.client_id},
                            {"client_secret", secret}});
    req.credential.clear();  // the token endpoint has its own limits
    ++stats.requests;
    ++stats.token_refreshes;
    http::Outcome o = client.fetch(req);
    if (!o.ok()) {
      core::Error e = o.error->to_error();
      if (o.response.body.find("invalid_grant") != std::string::npos) {
        e.message = "the refresh token was refused (invalid_grant): reconnect the tenant; " + e.message;
      }
      e.kind = o.error->error_class == http::ErrorClass::kRetryable ? core::ErrorKind::kUnavailable
                                                                    : core::ErrorKind::kUnauthorized;
      return e;
    }
    Document answer;
    answer.Parse<kDataFlags>(o.response.body.c_str(), o.response.body.size());
    const auto access = answer.HasParseError() ? std::nullopt : scalar_text(resolve(answer, "/access_token"));
    if (!access || access->empty()) {
      return core::Error{core::ErrorKind::kUnauthorized, "the token endpoint sent no access_token", ""};
    }
    const std::string rotated = scalar_text(resolve(answer, "/refresh_token")).value_or(*refresh);
    long expires_in = 3600;
    if (auto e = scalar_text(resolve(answer, "/expires_in"))) expires_in = std::atol(e->c_str());
    // Persist the rotated refresh token before the access token is used: the old one is dead.
    auto saved = write_atomically(settings.token_file, json_string({{"refresh_token", rotated}}));
    if (!saved.ok()) {
      return core::Error{
          core::ErrorKind::kUnavailable,
          "the rotated refresh token could not be saved; not using it: " + saved.error().message, ""};
    }
    access_token = *access;
    access_expires = clock.now() + std::chrono::seconds(std::max(0L, expires_in - 60));
    note(http::LogLevel::kDebug, "access token refreshed, refresh token rotated and saved");
    return core::Ok{};
  }

  core::Status authorize(http::Request& req, bool force_refresh) {
    switch (mapping.auth.kind) {
      case Auth::Kind::kBearer:
        req.headers.push_back({"Authorization", "Bearer " + secret});
        return core::Ok{};
      case Auth::Kind::kHeader:
        req.headers.push_back({mapping.auth.header, secret});
        return core::Ok{};
      case Auth::Kind::kOAuth2:
        if (force_refresh || access_token.empty() || clock.now() >= access_expires) {
          auto s = refresh_token();
          if (!s.ok()) return s;
        }
        req.headers.push_back({"Authorization", "Bearer " + access_token});
        return core::Ok{};
    }
    return core::Ok{};
  }

  // Sends with auth; an oauth2 401 refreshes once and tries again.
  core::Result<http::Outcome> send(const http::Request& base_request) {
    for (int round = 0; round < 2; ++round) {
      http::Request req = base_request;
      auto auth = authorize(req, round > 0);
      if (!auth.ok()) return auth.error();
      ++stats.requests;
      note(http::LogLevel::kDebug,
           std::string(http::to_string(req.method)) + " " + http::Redactor().url(req.url));
      http::Outcome o = client.fetch(std::move(req));
      if (!o.ok() && o.error->status == 401 && mapping.auth.kind == Auth::Kind::kOAuth2 && round == 0)
        continue;
      return o;
    }
    return core::Error{core::ErrorKind::kInternal, "unreachable", ""};
  }

  // A GET whose answer must be JSON. A 2xx body that does not parse (cut short by a proxy or a
  // dropped connection the length did not reveal) is asked for again, up to three times.
  // `first_attempt` > 1: earlier attempts were made elsewhere (a page fetched ahead).
  core::Result<Document> get_json(const std::string& target, int first_attempt = 1) {
    for (int attempt = first_attempt;; ++attempt) {
      auto o = send(request(http::Method::kGet, target));
      if (!o) return o.error();
      if (!o->ok()) return o->error->to_error();
      Document doc;
      doc.Parse<kDataFlags>(o->response.body.c_str(), o->response.body.size());
      if (!doc.HasParseError()) return doc;
      note(http::LogLevel::kDebug, "GET " + http::Redactor().url(target) +
                                       ": the answer is not JSON (attempt " + std::to_string(attempt) + ")");
      if (attempt >= 3) {
        return core::Error{core::ErrorKind::kUnavailable, "the answer is not JSON (truncated?)",
                           "GET " + http::Redactor().url(target)};
      }
    }
  }

  // --- pull

  struct ViewHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
  };

  struct PullState {
    sync::Delta delta;
    // id -> (index, version); looked up by string_view without building a key
    std::unordered_map<std::string, std::pair<std::size_t, std::string>, ViewHash, std::equal_to<>>
        item_index;
    std::unordered_map<std::string, std::size_t> debtor_index;
    std::vector<DetailTarget> details;
    std::unordered_map<std::string, std::size_t> detail_index;
    std::optional<std::int64_t> newest;  // cursor field
    bool item_rejected = false;
  };

  using OnRecords = std::function<void(const Value& records, const std::string& source)>;
  enum class Next { kMore, kStop };

  // The query of page `page` (0 = the first) of a paging.
  static Query page_query(const Paging& p, const Query& query, int page, const std::string& cursor_token) {
    Query q = query;
    switch (p.style) {
      case Paging::Style::kPage:
        q.emplace_back(p.page_param, std::to_string(p.first_page + page));
        q.emplace_back(p.size_param, std::to_string(p.size));
        break;
      case Paging::Style::kOffset:
        q.emplace_back(p.offset_param, std::to_string(static_cast<long long>(page) * p.size));
        q.emplace_back(p.size_param, std::to_string(p.size));
        break;
      case Paging::Style::kCursor:
        if (!cursor_token.empty()) q.emplace_back(p.cursor_param, cursor_token);
        if (!p.size_param.empty()) q.emplace_back(p.size_param, std::to_string(p.size));
        break;
      case Paging::Style::kNone:
        break;
    }
    return q;
  }

  // Hands one page's records to `on_records` and tells whether the paging goes on.
  core::Result<Next> take_page(const Stream& s, const Document& doc, const std::string& source,
                               std::string& cursor_token, const OnRecords& on_records) {
    const Paging& p = s.paging;
    const Value* records = resolve(doc, s.records);
    if (records == nullptr || !records->IsArray()) {
      return core::Error{core::ErrorKind::kInvalidInput,
                         "no array of records at \"" + s.records + "\" (mapping " + mapping.name + ")",
                         source};
    }
    const rapidjson::SizeType n = records->Size();
    stats.records += n;
    on_records(*records, source);
    if (log != nullptr) note(http::LogLevel::kDebug, source + ": " + std::to_string(n) + " records");
    if (p.style == Paging::Style::kNone || n == 0) return Next::kStop;
    if (!p.stop_pointer.empty() && scalar_text(resolve(doc, p.stop_pointer)).value_or("") == p.stop_value)
      return Next::kStop;
    if (p.style == Paging::Style::kCursor) {
      cursor_token = scalar_text(resolve(doc, p.cursor_pointer)).value_or("");
      if (cursor_token.empty()) return Next::kStop;
    } else if (p.stop_pointer.empty() && static_cast<int>(n) < p.size) {
      return Next::kStop;  // with a stop flag, only the flag ends the paging (a server may clamp the size)
    }
    return Next::kMore;
  }

  int concurrency(const Paging& p) const { return std::max(1, settings.concurrency.value_or(p.concurrency)); }

  // Whether a request can be authorised without a token refresh (which needs the loop to itself).
  bool authorizes_at_once() const {
    return mapping.auth.kind != Auth::Kind::kOAuth2 ||
           (!access_token.empty() && clock.now() < access_expires);
  }

  // Pages `from`..`to` of a page/offset paging whose page count is known, up to `concurrency`
  // requests at once on the transport's loop; the records are taken strictly in page order, so
  // the result is the same as one page at a time. A page that failed or came back cut short is
  // decided outside the loop by the one-at-a-time path (its retries, an oauth2 refresh); pages
  // after a stop are dropped unread.
  core::Result<Next> fetch_ahead(const Stream& s, const RequestSpec& r, const Query& query, const Vars& vars,
                                 int from, int to, std::string& cursor_token, const OnRecords& on_records) {
    struct Slot {
      std::string target;
      std::optional<http::Outcome> outcome;
    };
    const int width = concurrency(s.paging);
    std::map<int, Slot> slots;
    int next_send = from;
    int next_take = from;
    std::optional<core::Error> error;
    bool stop = false;
    bool hold = false;  // the next page in order needs the one-at-a-time path
    bool in_loop = false;
    const auto drain = [&] {
      while (!error && !stop && !hold) {
        auto it = slots.find(next_take);
        if (it == slots.end() || !it->second.outcome) return;
        http::Outcome& o = *it->second.outcome;
        if (!o.ok()) {
          hold = true;
          return;
        }
        // Parsed in place: the strings stay in the body (no copy per value). A body that does not
        // parse is left to the one-at-a-time path, which asks for the page again.
        Document doc;
        doc.ParseInsitu<kDataFlags>(o.response.body.data());
        if (doc.HasParseError()) {
          hold = true;
          return;
        }
        const std::string source = "GET " + http::Redactor().url(it->second.target);
        ++next_take;
        auto next = take_page(s, doc, source, cursor_token, on_records);
        slots.erase(it);
        if (!next) {
          error = next.error();
        } else if (*next == Next::kStop) {
          stop = true;
        }
      }
    };
    std::function<void()> fill = [&] {
      while (!error && !stop && !hold && next_send <= to && next_send - next_take < width) {
        if (in_loop && !authorizes_at_once()) return;
        const int page = next_send;
        auto target = url(r, page_query(s.paging, query, page, cursor_token), vars);
        if (!target) {
          error = target.error();
          return;
        }
        http::Request req = request(http::Method::kGet, *target);
        auto auth = authorize(req, false);
        if (!auth.ok()) {
          error = auth.error();
          return;
        }
        ++next_send;
        ++stats.requests;
        if (log != nullptr) note(http::LogLevel::kDebug, "GET " + http::Redactor().url(req.url));
        slots[page].target = std::move(target).value();
        client.send(std::move(req), [&, page](http::Outcome o) {
          slots[page].outcome = std::move(o);
          drain();
          fill();
        });
      }
    };
    for (;;) {
      drain();
      fill();
      in_loop = true;
      transport.run();  // returns when every exchange sent has ended
      in_loop = false;
      if (error) return *error;
      if (stop) return Next::kStop;
      if (hold) {
        Slot& slot = slots.at(next_take);
        const http::Outcome& o = *slot.outcome;
        const bool refresh = !o.ok() && o.error->status == 401 && mapping.auth.kind == Auth::Kind::kOAuth2;
        if (!o.ok() && !refresh) return o.error->to_error();
        // Asked again as one request at a time would have: a cut body counts as the first attempt.
        auto doc = get_json(slot.target, o.ok() ? 2 : 1);
        if (!doc) return doc.error();
        const std::string source = "GET " + http::Redactor().url(slot.target);
        slots.erase(next_take);
        ++next_take;
        hold = false;
        auto next = take_page(s, *doc, source, cursor_token, on_records);
        if (!next) return next.error();
        if (*next == Next::kStop) return Next::kStop;
      }
      if (next_take > to) return Next::kMore;
    }
  }

  // Pages through one query; `on_records` gets each page's records array. `known_total`: the
  // records in all as a result window's first page told (page/offset paging fetches ahead).
  core::Status page_through(const Stream& s, const RequestSpec& r, const Query& query, const Vars& vars,
                            std::optional<Document> first, const OnRecords& on_records,
                            std::optional<long long> known_total = std::nullopt) {
    const Paging& p = s.paging;
    std::string cursor_token;
    for (int page = 0;; ++page) {
      if (page >= p.max_pages) {
        return core::Error{
            core::ErrorKind::kUnavailable,
            "more than " + std::to_string(p.max_pages) + " pages: stopped (paging does not end)",
            mapping.source};
      }
      auto target = url(r, page_query(p, query, page, cursor_token), vars);
      if (!target) return target.error();
      const std::string source = "GET " + http::Redactor().url(*target);
      Document doc;
      if (page == 0 && first) {
        doc = std::move(*first);
        first.reset();
      } else {
        auto got = get_json(*target);
        if (!got) return got.error();
        doc = std::move(got).value();
      }
      auto next = take_page(s, doc, source, cursor_token, on_records);
      if (!next) return next.error();
      if (*next == Next::kStop) break;
      const bool ahead = page == 0 && concurrency(p) > 1 &&
                         (p.style == Paging::Style::kPage || p.style == Paging::Style::kOffset);
      if (!ahead) continue;
      std::optional<long long> total = known_total;
      if (!p.total_pointer.empty()) {
        if (auto t = scalar_text(resolve(doc, p.total_pointer))) {
          long long v = 0;
          auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
          if (ec == std::errc{} && end == t->data() + t->size() && v >= 0) total = v;
        }
      }
      if (!total) continue;
      const long long pages = std::min<long long>((*total + p.size - 1) / p.size, p.max_pages);
      if (pages < 2) continue;
      const int last = static_cast<int>(pages - 1);
      auto ahead_next = fetch_ahead(s, r, query, vars, 1, last, cursor_token, on_records);
      if (!ahead_next) return ahead_next.error();
      if (*ahead_next == Next::kStop) break;
      page = last;  // the count was low (records were added meanwhile): go on one at a time
    }
    return core::Ok{};
  }

  // One request of a stream, sliced into date ranges when the result window demands.
  core::Status run_request(const Stream& s, const RequestSpec& r, const Query& query,
                           const OnRecords& on_records) {
    const Vars none;
    if (!s.window) return page_through(s, r, query, none, std::nullopt, on_records);
    const Window& w = *s.window;
    const core::Date today{std::chrono::floor<std::chrono::days>(clock.now())};
    const core::Date start = core::parse_date(w.start).value();
    return slice(s, r, query, start, core::add_days(today, 1), on_records);
  }

  core::Status slice(const Stream& s, const RequestSpec& r, const Query& query, core::Date from,
                     core::Date to, const OnRecords& on_records) {
    const Window& w = *s.window;
    Query q = query;
    q.emplace_back(w.from_param, core::format_date(from));
    q.emplace_back(w.to_param, core::format_date(to));
    // The first page tells the total of this range.
    Query first_q = q;
    const Paging& p = s.paging;
    if (p.style == Paging::Style::kPage) {
      first_q.emplace_back(p.page_param, std::to_string(p.first_page));
      first_q.emplace_back(p.size_param, std::to_string(p.size));
    } else if (p.style == Paging::Style::kOffset) {
      first_q.emplace_back(p.offset_param, "0");
      first_q.emplace_back(p.size_param, std::to_string(p.size));
    }
    auto target = url(r, first_q, {});
    if (!target) return target.error();
    auto doc = get_json(*target);
    if (!doc) return doc.error();
    const std::string total_text = scalar_text(resolve(*doc, w.total_pointer)).value_or("0");
    long long total = 0;
    std::from_chars(total_text.data(), total_text.data() + total_text.size(), total);
    if (total >= w.max_results) {
      const int days = core::days_between(from, to);
      if (days <= 0) {
        return core::Error{core::ErrorKind::kUnavailable,
                           "more than " + std::to_string(w.max_results) + " records on the single day " +
                               core::format_date(from) + ": the result window cannot be sliced further",
                           "GET " + http::Redactor().url(*target)};
      }
      ++stats.window_splits;
      const core::Date mid = core::add_days(from, days / 2);
      note(http::LogLevel::kDebug, "result window: " + core::format_date(from) + ".." +
                                       core::format_date(to) + " holds " + total_text + " records, halved");
      auto a = slice(s, r, query, from, mid, on_records);
      if (!a.ok()) return a;
      return slice(s, r, query, core::add_days(mid, 1), to, on_records);
    }
    return page_through(s, r, q, {}, std::move(doc).value(), on_records, total);
  }

  // The stream's requests, with the incremental parameters merged in; identical ones once.
  std::vector<std::pair<const RequestSpec*, Query>> queries(const Stream& s,
                                                            std::optional<std::int64_t> since) {
    std::vector<std::pair<const RequestSpec*, Query>> out;
    std::vector<const RequestSpec*> all;
    for (const auto& r : s.requests) all.push_back(&r);
    if (since && s.incremental) {
      for (const auto& r : s.incremental->extra_requests) all.push_back(&r);
    }
    for (const RequestSpec* rp : all) {
      const RequestSpec& r = *rp;
      Query q = r.query;
      if (since && s.incremental) {
        const Incremental& inc = *s.incremental;
        for (const auto& [k, v] : inc.query) {
          bool replaced = false;
          for (auto& [qk, qv] : q) {
            if (qk == k) {
              qv = v;
              replaced = true;
            }
          }
          if (!replaced) q.emplace_back(k, v);
        }
        const std::int64_t from = *since - inc.lookback_seconds;
        q.emplace_back(inc.param, inc.format == "unix" ? std::to_string(from) : date_text(from));
      }
      bool seen = false;
      for (const auto& [pr, pq] : out) seen = seen || (pr->path == r.path && pq == q);
      if (!seen) out.emplace_back(&r, std::move(q));
    }
    return out;
  }

  // A record's mapped fields by canonical name: a few, so a flat list searched in order beats a
  // tree of nodes allocated per record. A name not mapped reads as "".
  class Fields {
   public:
    void add(const std::string& name, std::string value) { values_.emplace_back(&name, std::move(value)); }
    std::size_t count(std::string_view name) const { return find(name) != nullptr ? 1 : 0; }
    const std::string& operator[](std::string_view name) const {
      static const std::string kNone;
      const std::string* v = find(name);
      return v != nullptr ? *v : kNone;
    }

   private:
    const std::string* find(std::string_view name) const {
      for (const auto& [n, v] : values_) {
        if (*n == name) return &v;
      }
      return nullptr;
    }
    std::vector<std::pair<const std::string*, std::string>> values_;
  };

  // Maps a record's fields; the first failure rejects the record.
  std::optional<Fields> map_fields(const Stream& s, const Value& record, const std::string& source,
                                   std::size_t index, sync::Delta& delta) {
    Fields out;
    for (const auto& [name, spec] : s.fields) {
      auto v = apply_field(spec, record);
      if (!v) {
        reject(delta, source, s.records, index, record, v.error().message);
        return std::nullopt;
      }
      if (*v) out.add(name, std::move(**v));
    }
    return out;
  }

  void reject(sync::Delta& delta, const std::string& source, const std::string& records, std::size_t index,
              const Value& record, const std::string& message) {
    std::string where =
        (records.empty() ? std::string("[") : records.substr(1) + "[") + std::to_string(index) + "]";
    if (auto id = scalar_text(resolve(record, "/id"))) where += " (id " + id->substr(0, 64) + ")";
    delta.rejected.push_back({source, where, message});
  }

  // Whether `record` is one already taken with the same (id, version) — the open and the overdue
  // query of lexoffice return most invoices twice — so it need not be mapped again. Only where
  // the id is a plain pointer and the stream has a version pointer; otherwise the record is mapped
  // and de-duplicated after.
  static bool already_have(const PullState& st, const Stream& s, const Value& record) {
    if (s.version.empty() || st.item_index.empty()) return false;
    const auto spec = s.fields.find("id");
    if (spec == s.fields.end()) return false;
    const FieldSpec& f = spec->second;
    if (f.pointers.size() != 1 || f.constant || f.value_if || f.transform != "text") return false;
    const Value* id = resolve(record, f.pointers.front());
    const Value* version = resolve(record, s.version);
    if (id == nullptr || version == nullptr || !id->IsString() || !version->IsString()) return false;
    const auto it = st.item_index.find(std::string_view(id->GetString(), id->GetStringLength()));
    return it != st.item_index.end() &&
           it->second.second == std::string_view(version->GetString(), version->GetStringLength());
  }

  void add_item(PullState& st, const Stream& s, const Value& record, const std::string& source,
                std::size_t index, const Stream* details) {
    for (const auto& c : s.filter) {
      if (!matches(c, record)) return;
    }
    if (already_have(st, s, record)) {
      ++stats.duplicates;
      return;
    }
    auto f = map_fields(s, record, source, index, st.delta);
    if (!f) {
      st.item_rejected = true;
      return;
    }
    auto& m = *f;
    core::OpenItem item;
    item.id = m["id"];
    item.number = m.count("number") ? m["number"] : item.id;
    item.debtor = m["debtor"];
    const auto fail = [&](const std::string& message) {
      reject(st.delta, source, s.records, index, record, message);
      st.item_rejected = true;
    };
    auto currency = core::Currency::from_code(m.count("currency") ? m["currency"] : "EUR");
    if (!currency) return fail("currency: " + currency.error().message);
    auto invoice_date = core::parse_date(m["invoice_date"]);
    if (!invoice_date) return fail("invoice_date: " + invoice_date.error().message);
    item.invoice_date = *invoice_date;
    if (m.count("due_date")) {
      auto due = core::parse_date(m["due_date"]);
      if (!due) return fail("due_date: " + due.error().message);
      item.due_date = *due;
    }
    auto amount = parse_amount(m["amount"], *currency);
    if (!amount) return fail("amount: " + amount.error().message);
    auto open = parse_amount(m["open_amount"], *currency);
    if (!open) return fail("open_amount: " + open.error().message);
    item.amount = *amount;
    item.open_amount = *open;
    item.disputed = m.count("disputed") && m["disputed"] == "true";
    std::string version = m.count("source_version") ? m["source_version"] : std::string();
    if (!s.version.empty()) version = scalar_text(resolve(record, s.version)).value_or(version);
    item.source_version = version;
    if (s.incremental) {
      if (auto changed = scalar_text(resolve(record, s.incremental->field))) {
        if (auto instant = parse_instant(*changed)) {
          st.newest = st.newest ? std::max(*st.newest, *instant) : *instant;
        }
      }
    }
    const bool wants_detail = details != nullptr && [&] {
      for (const auto& c : details->when) {
        if (!matches(c, record)) return false;
      }
      return true;
    }();
    auto it = st.item_index.find(item.id);
    if (it != st.item_index.end()) {
      ++stats.duplicates;
      if (!version_newer_or_equal(version, it->second.second)) return;
      st.delta.items[it->second.first] = item;
      it->second.second = version;
    } else {
      st.item_index.emplace(item.id, std::make_pair(st.delta.items.size(), version));
      st.delta.items.push_back(item);
    }
    auto dt = st.detail_index.find(item.id);
    if (wants_detail) {
      DetailTarget target{item.id, version, item.debtor, std::string(currency->code())};
      if (dt == st.detail_index.end()) {
        st.detail_index.emplace(item.id, st.details.size());
        st.details.push_back(std::move(target));
      } else {
        st.details[dt->second] = std::move(target);
      }
    } else if (dt != st.detail_index.end()) {
      st.details[dt->second].id.clear();  // the newer version needs none
    }
  }

  void add_debtor(PullState& st, const Stream& s, const Value& record, const std::string& source,
                  std::size_t index) {
    for (const auto& c : s.filter) {
      if (!matches(c, record)) return;
    }
    auto f = map_fields(s, record, source, index, st.delta);
    if (!f) return;
    auto& m = *f;
    core::Debtor d;
    d.id = m["id"];
    d.name = m["name"];
    if (m.count("kind")) {
      auto kind = core::parse_debtor_kind(m["kind"]);
      if (!kind) return reject(st.delta, source, s.records, index, record, "kind: " + kind.error().message);
      d.kind = *kind;
    }
    if (m.count("email")) d.email = m["email"];
    if (m.count("language")) d.language = m["language"] == "en" ? "en" : "de";
    if (m.count("street")) d.address.street = m["street"];
    if (m.count("zip")) d.address.zip = m["zip"];
    if (m.count("city")) d.address.city = m["city"];
    if (m.count("country")) d.address.country = m["country"];
    if (auto it = st.debtor_index.find(d.id); it != st.debtor_index.end()) {
      ++stats.duplicates;
      st.delta.debtors[it->second] = d;
      return;
    }
    st.debtor_index.emplace(d.id, st.delta.debtors.size());
    st.delta.debtors.push_back(std::move(d));
  }

  void add_payment(PullState& st, const Stream& s, const Value& record, const std::string& source,
                   std::size_t index, const DetailTarget* parent, std::map<std::string, int>& occurrences) {
    for (const auto& c : s.filter) {
      if (!matches(c, record)) return;
    }
    auto f = map_fields(s, record, source, index, st.delta);
    if (!f) return;
    auto& m = *f;
    sync::PulledPayment pp;
    const std::string code = m.count("currency") ? m["currency"] : (parent ? parent->currency : "EUR");
    auto currency = core::Currency::from_code(code);
    if (!currency)
      return reject(st.delta, source, s.records, index, record, "currency: " + currency.error().message);
    auto amount = parse_amount(m["amount"], *currency);
    if (!amount)
      return reject(st.delta, source, s.records, index, record, "amount: " + amount.error().message);
    auto date = core::parse_date(m["date"]);
    if (!date) return reject(st.delta, source, s.records, index, record, "date: " + date.error().message);
    pp.payment.amount = *amount;
    pp.payment.date = *date;
    pp.payment.item = m.count("item") ? m["item"] : (parent ? parent->id : std::string());
    pp.payment.debtor = m.count("debtor") ? m["debtor"] : (parent ? parent->debtor : std::string());
    pp.payment.reference = m.count("reference") ? m["reference"] : std::string();
    if (m.count("id")) {
      pp.id = m["id"];
    } else {
      const std::string base = sync::payment_key(pp.payment, 0);
      pp.id = sync::payment_key(pp.payment, occurrences[base]++);
    }
    st.delta.payments.push_back(std::move(pp));
  }

  void load_cache() {
    if (cache_loaded) return;
    cache_loaded = true;
    if (settings.cache_file.empty()) return;
    auto text = jsonfile::read_file(settings.cache_file);
    if (!text) return;
    Document doc;
    doc.Parse(text->c_str(), text->size());
    if (doc.HasParseError() || !doc.IsObject()) return;
    for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
      if (m->value.IsString()) {
        detail_cache[std::string(m->name.GetString(), m->name.GetStringLength())] =
            std::string(m->value.GetString(), m->value.GetStringLength());
      }
    }
  }

  void save_cache() {
    if (settings.cache_file.empty() || !cache_dirty) return;
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    for (const auto& [k, v] : detail_cache) {
      w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
      w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndObject();
    if (write_atomically(settings.cache_file, buffer.GetString()).ok()) cache_dirty = false;
  }

  core::Status fetch_details(PullState& st, const Stream& s) {
    load_cache();
    const RequestSpec& r = s.requests.front();
    for (const DetailTarget& t : st.details) {
      if (t.id.empty()) continue;
      const Vars vars{{"id", t.id}, {"version", t.version}, {"debtor", t.debtor}};
      auto target = url(r, r.query, vars);
      if (!target) return target.error();
      const std::string source = "GET " + http::Redactor().url(*target);
      const std::string key = *target + '\x1f' + t.version;
      std::string body;
      if (auto hit = detail_cache.find(key); hit != detail_cache.end() && !t.version.empty()) {
        ++stats.detail_hits;
        body = hit->second;
      }
      Document doc;
      bool refused = false;
      for (int attempt = 1; body.empty(); ++attempt) {
        auto o = send(request(http::Method::kGet, *target));
        if (!o) return o.error();
        if (!o->ok()) {
          if (o->error->error_class == http::ErrorClass::kNotFound ||
              o->error->error_class == http::ErrorClass::kInvalid) {
            // One record's detail refused (a draft, a deleted voucher): reported, the pull goes on.
            st.delta.rejected.push_back({source, "", o->error->to_error().message});
            refused = true;
            break;
          }
          return o->error->to_error();
        }
        doc.Parse<kDataFlags>(o->response.body.c_str(), o->response.body.size());
        if (!doc.HasParseError()) {
          body = std::move(o->response.body);
          if (!t.version.empty()) {
            detail_cache[key] = body;
            cache_dirty = true;
          }
        } else if (attempt == 3) {
          return core::Error{core::ErrorKind::kUnavailable, "the answer is not JSON (truncated?)", source};
        }
      }
      if (refused) continue;
      doc.Parse<kDataFlags>(body.c_str(), body.size());
      if (doc.HasParseError()) {
        return core::Error{core::ErrorKind::kUnavailable, "the answer is not JSON", source};
      }
      const Value* records = resolve(doc, s.records);
      if (records == nullptr || records->IsNull()) continue;
      if (!records->IsArray()) {
        return core::Error{core::ErrorKind::kInvalidInput, "no array of records at \"" + s.records + "\"",
                           source};
      }
      std::map<std::string, int> occurrences;
      for (rapidjson::SizeType i = 0; i < records->Size(); ++i) {
        add_payment(st, s, (*records)[i], source, i, &t, occurrences);
      }
    }
    save_cache();
    return core::Ok{};
  }

  core::Result<sync::Delta> pull(const std::optional<std::string>& cursor) {
    PullState st;
    const Stream& items = mapping.streams.at("items");
    std::optional<std::int64_t> since;
    if (cursor && cursor->starts_with("instant:") && items.incremental) {
      std::int64_t v = 0;
      const std::string_view t = std::string_view(*cursor).substr(8);
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc{} && p == t.data() + t.size()) since = v;
    }
    if (auto d = mapping.streams.find("debtors"); d != mapping.streams.end()) {
      const Stream& s = d->second;
      for (auto& [r, q] : queries(s, std::nullopt)) {
        auto ok = run_request(s, *r, q, [&](const Value& records, const std::string& source) {
          for (rapidjson::SizeType i = 0; i < records.Size(); ++i) add_debtor(st, s, records[i], source, i);
        });
        if (!ok.ok()) return ok.error();
      }
    }
    const Stream* details = nullptr;
    if (auto p = mapping.streams.find("payments");
        p != mapping.streams.end() && p->second.for_each == "items") {
      details = &p->second;
    }
    for (auto& [r, q] : queries(items, since)) {
      auto ok = run_request(items, *r, q, [&](const Value& records, const std::string& source) {
        for (rapidjson::SizeType i = 0; i < records.Size(); ++i)
          add_item(st, items, records[i], source, i, details);
      });
      if (!ok.ok()) return ok.error();
    }
    if (auto p = mapping.streams.find("payments"); p != mapping.streams.end()) {
      const Stream& s = p->second;
      if (details != nullptr) {
        auto ok = fetch_details(st, s);
        if (!ok.ok()) return ok.error();
      } else {
        std::map<std::string, int> occurrences;
        for (auto& [r, q] : queries(s, std::nullopt)) {
          auto ok = run_request(s, *r, q, [&](const Value& records, const std::string& source) {
            for (rapidjson::SizeType i = 0; i < records.Size(); ++i) {
              add_payment(st, s, records[i], source, i, nullptr, occurrences);
            }
          });
          if (!ok.ok()) return ok.error();
        }
      }
    }
    st.delta.full = !since && !st.item_rejected;
    if (items.incremental) {
      if (st.newest) {
        st.delta.next_cursor = "instant:" + std::to_string(since ? std::max(*since, *st.newest) : *st.newest);
      } else if (since) {
        st.delta.next_cursor = *cursor;
      }
    }
    note(http::LogLevel::kInfo, "pulled " + std::to_string(st.delta.items.size()) + " items, " +
                                    std::to_string(st.delta.debtors.size()) + " debtors, " +
                                    std::to_string(st.delta.payments.size()) + " payments, " +
                                    std::to_string(st.delta.rejected.size()) + " rejected");
    return std::move(st.delta);
  }

  // --- push and lookup

  core::Result<Vars> vars_of(const sync::OutboxEntry& entry) const {
    Document payload;
    payload.Parse<kDataFlags>(entry.payload.c_str(), entry.payload.size());
    if (payload.HasParseError() || !payload.IsObject()) {
      return core::invalid_input("the outbox payload is not a JSON object");
    }
    Vars vars;
    for (auto m = payload.MemberBegin(); m != payload.MemberEnd(); ++m) {
      if (auto t = scalar_text(&m->value))
        vars[std::string(m->name.GetString(), m->name.GetStringLength())] = *t;
    }
    vars["key"] = entry.idempotency_key;
    vars["kind"] = entry.kind;
    vars["target"] = entry.target;
    vars["tenant"] = entry.tenant;
    auto marker = substitute(mapping.marker, vars, identity);
    if (!marker) return marker.error();
    vars["marker"] = *marker;
    return vars;
  }

  static std::string reference_of(const std::string& body, const std::vector<std::string>& pointers) {
    Document doc;
    doc.Parse<kDataFlags>(body.c_str(), body.size());
    if (doc.HasParseError()) return {};
    for (const auto& p : pointers) {
      if (auto t = scalar_text(resolve(doc, p)); t && !t->empty()) return *t;
    }
    return {};
  }

  sync::PushResult push(const sync::OutboxEntry& entry) {
    sync::PushResult result;
    const auto op = mapping.writes.find(entry.kind);
    if (op == mapping.writes.end()) {
      result.outcome = sync::PushOutcome::kRejected;
      result.message = "mapping " + mapping.name + " has no write-back for kind \"" + entry.kind + "\"";
      return result;
    }
    auto vars = vars_of(entry);
    core::Result<std::string> target = vars ? url(op->second.request, op->second.request.query, *vars)
                                            : core::Result<std::string>(vars.error());
    core::Result<std::string> body = target && !op->second.body.empty()
                                         ? render_body(op->second.body, *vars)
                                         : core::Result<std::string>(std::string());
    if (!target || !body) {
      result.outcome = sync::PushOutcome::kRejected;
      result.message = "write-back " + entry.kind + ": " + (!target ? target.error() : body.error()).message;
      return result;
    }
    http::Request req = request(method_of(op->second.request.method), *target);
    req.repeatable = false;
    if (!body->empty()) {
      req.headers.push_back({"Content-Type", "application/json"});
      req.body = std::move(body).value();
    }
    auto o = send(req);
    if (!o) {
      result.outcome = o.error().kind == core::ErrorKind::kUnavailable ? sync::PushOutcome::kRetryable
                                                                       : sync::PushOutcome::kRejected;
      result.message = o.error().to_string();
      return result;
    }
    if (o->ok()) {
      result.outcome = sync::PushOutcome::kLanded;
      result.remote_reference = reference_of(o->response.body, op->second.reference);
      note(http::LogLevel::kInfo, entry.kind + " " + entry.target + " landed as " + result.remote_reference);
      return result;
    }
    const http::HttpError& e = *o->error;
    result.message = e.to_error().to_string();
    if (e.retry_after) result.retry_after = std::chrono::duration_cast<std::chrono::seconds>(*e.retry_after);
    if (e.may_have_committed) {
      result.outcome = sync::PushOutcome::kAmbiguous;
    } else {
      switch (e.error_class) {
        case http::ErrorClass::kRetryable:
        case http::ErrorClass::kRateLimited:
        case http::ErrorClass::kTls:
          result.outcome = sync::PushOutcome::kRetryable;
          break;
        case http::ErrorClass::kAuth:
        case http::ErrorClass::kInvalid:
        case http::ErrorClass::kConflict:
        case http::ErrorClass::kNotFound:
          result.outcome = sync::PushOutcome::kRejected;
          break;
      }
    }
    return result;
  }

  sync::LookupResult lookup(const sync::OutboxEntry& entry) {
    sync::LookupResult result;
    if (!mapping.lookup) {
      result.message = "mapping " + mapping.name + " cannot look up write-backs";
      return result;
    }
    const LookupSpec& spec = *mapping.lookup;
    auto vars = vars_of(entry);
    if (!vars) {
      result.message = vars.error().message;
      return result;
    }
    auto target = url(spec.request, spec.request.query, *vars);
    if (!target) {
      result.message = target.error().message;
      return result;
    }
    auto doc = get_json(*target);
    if (!doc) {
      result.message = doc.error().to_string();
      return result;
    }
    Condition match = spec.match;
    for (auto& v : match.values) {
      auto filled = substitute(v, *vars, identity);
      if (!filled) {
        result.message = filled.error().message;
        return result;
      }
      v = *filled;
    }
    const Value* candidates = resolve(*doc, spec.candidates);
    if (candidates != nullptr && candidates->IsArray()) {
      for (const auto& c : candidates->GetArray()) {
        bool keep = true;
        for (const auto& f : spec.filter) keep = keep && matches(f, c);
        if (!keep) continue;
        if (spec.detail) {
          const Vars dv{{"id", scalar_text(resolve(c, "/id")).value_or("")}};
          auto detail_url = url(*spec.detail, spec.detail->query, dv);
          if (!detail_url) {
            result.message = detail_url.error().message;
            return result;
          }
          auto detail = get_json(*detail_url);
          if (!detail) {
            result.message = detail.error().to_string();
            return result;
          }
          if (matches(match, *detail)) {
            result.outcome = sync::LookupOutcome::kLanded;
            for (const auto& p : spec.reference) {
              if (auto t = scalar_text(resolve(*detail, p)); t && !t->empty()) {
                result.remote_reference = *t;
                break;
              }
            }
            if (result.remote_reference.empty()) result.remote_reference = dv.at("id");
            return result;
          }
        } else if (matches(match, c)) {
          result.outcome = sync::LookupOutcome::kLanded;
          for (const auto& p : spec.reference) {
            if (auto t = scalar_text(resolve(c, p)); t && !t->empty()) {
              result.remote_reference = *t;
              break;
            }
          }
          return result;
        }
      }
    }
    result.outcome = sync::LookupOutcome::kAbsent;
    return result;
  }
};

RestAdapter::RestAdapter(Mapping mapping, RestSettings settings, std::string secret,
                         http::Transport& transport, const sync::Clock& clock,
                         http::ClientEnvironment environment)
    : mapping_(std::move(mapping)) {
  if (settings.credential.empty()) settings.credential = mapping_.name;
  impl_ = std::make_unique<Impl>(mapping_, std::move(settings), std::move(secret), transport, clock,
                                 environment, stats_);
}

RestAdapter::~RestAdapter() = default;

sync::Capabilities RestAdapter::capabilities() const {
  sync::Capabilities c;
  c.incremental = mapping_.streams.at("items").incremental.has_value();
  c.lookup = mapping_.lookup.has_value();
  c.idempotency_header = false;
  for (const auto& [kind, op] : mapping_.writes) c.push_kinds.push_back(kind);
  return c;
}

core::Result<sync::Delta> RestAdapter::pull(const std::optional<std::string>& cursor) {
  return impl_->pull(cursor);
}
sync::PushResult RestAdapter::push(const sync::OutboxEntry& entry) { return impl_->push(entry); }
sync::LookupResult RestAdapter::lookup(const sync::OutboxEntry& entry) { return impl_->lookup(entry); }

core::Result<RestSettings> rest_settings(const std::map<std::string, std::string>& settings,
                                         const std::string& tenant, const std::string& context,
                                         const std::string& base_dir) {
  RestSettings s;
  const auto absolute = [&](const std::string& p) {
    if (p.empty() || p[0] == '/') return p;
    return (std::filesystem::path(base_dir) / p).lexically_normal().string();
  };
  for (const auto& [key, value] : settings) {
    const auto bad = [&](const std::string& message) {
      return core::Error{core::ErrorKind::kBadConfig, message, context + ", settings." + key};
    };
    if (key == "mapping") {
      s.mapping = value.find('/') != std::string::npos || value.ends_with(".json") ? absolute(value) : value;
    } else if (key == "base_url") {
      if (!http::Url::parse(value)) return bad("not an absolute http(s) URL");
      s.base_url = value;
    } else if (key == "ca_file") {
      s.ca_file = absolute(value);
    } else if (key == "token_file") {
      s.token_file = absolute(value);
    } else if (key == "cache_file") {
      s.cache_file = absolute(value);
    } else if (key == "rate_per_second") {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || v < 0)
        return bad("not a rate (requests per second, 0 = no limit)");
      s.rate_per_second = v;
    } else if (key == "concurrency") {
      int v = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc{} || end != value.data() + value.size() || v < 1 || v > 16)
        return bad("not a number of list pages in flight (1 to 16)");
      s.concurrency = v;
    } else {
      return bad(
          "unknown setting of the rest adapter (mapping, base_url, ca_file, rate_per_second, concurrency, "
          "token_file, cache_file)");
    }
  }
  if (s.mapping.empty()) {
    return core::Error{core::ErrorKind::kBadConfig,
                       "missing (a mapping name such as \"lexoffice\" or a file)",
                       context + ", settings.mapping"};
  }
  s.credential =
      tenant + "/" +
      (s.mapping.find('/') == std::string::npos ? s.mapping
                                                : std::filesystem::path(s.mapping).stem().string());
  return s;
}

std::vector<std::string> mapping_dirs(const std::vector<std::string>& extra) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("MAHNWERK_MAPPINGS_DIR"); env != nullptr && *env != '\0')
    dirs.emplace_back(env);
  dirs.insert(dirs.end(), extra.begin(), extra.end());
  return dirs;
}

namespace {

// Owns the production parts and forwards to the engine.
class OwningRestAdapter final : public sync::Adapter {
 public:
  OwningRestAdapter(Mapping mapping, RestSettings settings, std::string secret, const sync::Clock& clock,
                    http::ProxySettings proxy, http::LogSink* log)
      : transport_(http::TransportOptions{
            std::move(proxy), {}, 8, std::chrono::milliseconds(30'000), "mahnwerk/0.1"}),
        log_(log),
        engine_(std::move(mapping), std::move(settings), std::move(secret), transport_, clock,
                http::ClientEnvironment{nullptr, nullptr, nullptr, log}) {}

  std::string name() const override { return engine_.name(); }
  sync::Capabilities capabilities() const override { return engine_.capabilities(); }
  core::Result<sync::Delta> pull(const std::optional<std::string>& cursor) override {
    return engine_.pull(cursor);
  }
  sync::PushResult push(const sync::OutboxEntry& entry) override { return engine_.push(entry); }
  sync::LookupResult lookup(const sync::OutboxEntry& entry) override { return engine_.lookup(entry); }

 private:
  http::BeastTransport transport_;
  std::unique_ptr<http::LogSink> log_;
  RestAdapter engine_;
};

}  // namespace

core::Result<std::unique_ptr<sync::Adapter>> make_rest_adapter(Mapping mapping, RestSettings settings,
                                                               std::string secret, const sync::Clock& clock) {
  auto proxy = http::ProxySettings::from_environment();
  if (!proxy) return proxy.error();
  http::LogSink* log = nullptr;
  if (const char* level = std::getenv("MAHNWERK_HTTP_LOG"); level != nullptr) {
    const std::string l(level);
    if (l == "trace") log = new StderrLog(http::LogLevel::kTrace);
    if (l == "debug") log = new StderrLog(http::LogLevel::kDebug);
    if (l == "info") log = new StderrLog(http::LogLevel::kInfo);
  }
  return std::unique_ptr<sync::Adapter>(std::make_unique<OwningRestAdapter>(
      std::move(mapping), std::move(settings), std::move(secret), clock, std::move(proxy).value(), log));
}

}  // namespace mahnwerk::rest
