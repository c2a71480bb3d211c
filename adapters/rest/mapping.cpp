// Mapping loader and validation.
#include "adapters/rest/mapping.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <initializer_list>
#include <set>

#include "adapters/jsonfile/json_util.h"
#include "adapters/rest/transforms.h"

namespace mahnwerk::rest {
namespace {

using rapidjson::Value;

// Canonical fields per stream: required ones first.
struct FieldSet {
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

const FieldSet* field_set(std::string_view stream) {
  static const FieldSet items{{"id", "debtor", "invoice_date", "amount", "open_amount"},
                              {"number", "due_date", "currency", "source_version", "disputed"}};
  static const FieldSet debtors{{"id", "name"},
                                {"kind", "email", "language", "street", "zip", "city", "country"}};
  static const FieldSet payments{{"date", "amount"}, {"id", "item", "debtor", "reference", "currency"}};
  if (stream == "items") return &items;
  if (stream == "debtors") return &debtors;
  if (stream == "payments") return &payments;
  return nullptr;
}

std::string escape_segment(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_text(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return buffer.GetString();
}

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  void problem(const std::string& where, const std::string& message) {
    problems_.push_back(source_ + ": " + (where.empty() ? "/" : where) + ": " + message);
  }
  const std::vector<std::string>& problems() const { return problems_; }

  // Complains about members not in `known`.
  void only(const Value& object, const std::string& where, std::initializer_list<std::string_view> known) {
    for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
      const std::string_view name(m->name.GetString(), m->name.GetStringLength());
      bool ok = false;
      for (auto k : known) ok = ok || k == name;
      if (!ok) {
        std::string expected;
        for (auto k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
        problem(where + "/" + escape_segment(name), "unknown member (expected one of: " + expected + ")");
      }
    }
  }

  const Value* member(const Value& object, const char* name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
  }

  std::optional<std::string> text(const Value& object, const char* name, const std::string& where,
                                  bool required) {
    const Value* v = member(object, name);
    if (v == nullptr) {
      if (required) problem(where + "/" + name, "missing");
      return std::nullopt;
    }
    auto t = scalar_text(v);
    if (!t) {
      problem(where + "/" + name, "must be a string or a number");
      return std::nullopt;
    }
    return t;
  }

  std::optional<std::string> pointer(const Value& object, const char* name, const std::string& where,
                                     bool required) {
    auto p = text(object, name, where, required);
    if (p && !valid_pointer(*p)) {
      problem(where + "/" + name, "not a JSON pointer (must be empty or start with '/'): \"" + *p + "\"");
      return std::nullopt;
    }
    return p;
  }

  int integer(const Value& object, const char* name, const std::string& where, int fallback, int min,
              int max) {
    auto t = text(object, name, where, false);
    if (!t) return fallback;
    try {
      std::size_t used = 0;
      const int v = std::stoi(*t, &used);
      if (used != t->size() || v < min || v > max) throw std::out_of_range("range");
      return v;
    } catch (const std::exception&) {
      problem(where + "/" + name,
              "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return fallback;
    }
  }

  std::vector<std::pair<std::string, std::string>> pairs(const Value& object, const char* name,
                                                         const std::string& where) {
    std::vector<std::pair<std::string, std::string>> out;
    const Value* v = member(object, name);
    if (v == nullptr) return out;
    if (!v->IsObject()) {
      problem(where + "/" + name, "must be an object of names to values");
      return out;
    }
    for (auto m = v->MemberBegin(); m != v->MemberEnd(); ++m) {
      const std::string key(m->name.GetString(), m->name.GetStringLength());
      auto t = scalar_text(&m->value);
      if (!t) {
        problem(where + "/" + name + "/" + escape_segment(key), "must be a string or a number");
        continue;
      }
      out.emplace_back(key, *t);
    }
    return out;
  }

  std::vector<std::string> pointers(const Value& object, const char* name, const std::string& where) {
    std::vector<std::string> out;
    const Value* v = member(object, name);
    if (v == nullptr) return out;
    const auto add = [&](const Value& e, const std::string& at) {
      auto t = scalar_text(&e);
      if (!t || !valid_pointer(*t)) {
        problem(at, "not a JSON pointer (must be empty or start with '/')");
        return;
      }
      out.push_back(*t);
    };
    if (v->IsArray()) {
      for (rapidjson::SizeType i = 0; i < v->Size(); ++i)
        add((*v)[i], where + "/" + name + "/" + std::to_string(i));
    } else {
      add(*v, where + "/" + name);
    }
    return out;
  }

  RequestSpec request(const Value& v, const std::string& where, bool only_request_members = true) {
    RequestSpec r;
    if (!v.IsObject()) {
      problem(where, "must be an object with path and query");
      return r;
    }
    if (only_request_members) only(v, where, {"method", "path", "query"});
    r.method = text(v, "method", where, false).value_or("GET");
    if (r.method != "GET" && r.method != "POST" && r.method != "PUT" && r.method != "PATCH" &&
        r.method != "DELETE") {
      problem(where + "/method", "unknown method \"" + r.method + "\"");
    }
    r.path = text(v, "path", where, true).value_or("");
    if (!r.path.empty() && r.path[0] != '/') problem(where + "/path", "must start with '/'");
    r.query = pairs(v, "query", where);
    return r;
  }

  Condition condition(const Value& v, const std::string& where) {
    Condition c;
    if (!v.IsObject()) {
      problem(where,
              "must be an object {pointer, equals|not_equals|in|not_in|present|absent|less_than|contains}");
      return c;
    }
    only(v, where,
         {"pointer", "equals", "not_equals", "in", "not_in", "present", "absent", "less_than", "contains"});
    c.pointer = pointer(v, "pointer", where, true).value_or("");
    int ops = 0;
    const auto one = [&](const char* name, Condition::Op op) {
      if (auto t = text(v, name, where, false)) {
        c.op = op;
        c.values = {*t};
        ++ops;
      }
    };
    one("equals", Condition::Op::kEquals);
    one("not_equals", Condition::Op::kNotEquals);
    one("contains", Condition::Op::kContains);
    for (const char* name : {"in", "not_in"}) {
      const Value* list = member(v, name);
      if (list == nullptr) continue;
      ++ops;
      c.op = std::string_view(name) == "in" ? Condition::Op::kIn : Condition::Op::kNotIn;
      if (!list->IsArray()) {
        problem(where + "/" + name, "must be an array of values");
        continue;
      }
      for (const auto& e : list->GetArray()) c.values.push_back(scalar_text(&e).value_or(""));
    }
    if (member(v, "present") != nullptr) {
      c.op = Condition::Op::kPresent;
      ++ops;
    }
    if (member(v, "absent") != nullptr) {
      c.op = Condition::Op::kAbsent;
      ++ops;
    }
    if (auto other = pointer(v, "less_than", where, false)) {
      c.op = Condition::Op::kLess;
      c.other = *other;
      ++ops;
    }
    if (ops != 1)
      problem(where,
              "needs exactly one of equals, not_equals, in, not_in, present, absent, less_than, contains");
    return c;
  }

  std::vector<Condition> conditions(const Value& object, const char* name, const std::string& where) {
    std::vector<Condition> out;
    const Value* v = member(object, name);
    if (v == nullptr) return out;
    if (!v->IsArray()) {
      problem(where + "/" + name, "must be an array of conditions");
      return out;
    }
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      out.push_back(condition((*v)[i], where + "/" + name + "/" + std::to_string(i)));
    }
    return out;
  }

  FieldSpec field(const Value& v, const std::string& where) {
    FieldSpec f;
    f.where = where;
    if (v.IsString()) {  // shorthand: "/pointer"
      const std::string p(v.GetString(), v.GetStringLength());
      if (!valid_pointer(p))
        problem(where, "not a JSON pointer (must start with '/'); use {\"value\": ...} for constants");
      f.pointers = {p};
      return f;
    }
    if (!v.IsObject()) {
      problem(where, "must be a JSON pointer or an object {pointer, transform, ...}");
      return f;
    }
    only(v, where,
         {"pointer", "value", "transform", "optional", "days", "default_days", "minus", "business_if",
          "values", "join", "separator", "unix", "value_if"});
    if (const Value* vi = member(v, "value_if")) {
      const std::string at = where + "/value_if";
      if (!vi->IsObject()) {
        problem(at, "must be an object {when: [conditions], value}");
      } else {
        only(*vi, at, {"when", "value"});
        f.value_if_when = conditions(*vi, "when", at);
        f.value_if = text(*vi, "value", at, true);
        if (f.value_if_when.empty()) problem(at + "/when", "missing (at least one condition)");
      }
    }
    f.pointers = pointers(v, "pointer", where);
    f.constant = text(v, "value", where, false);
    f.transform = text(v, "transform", where, false).value_or("text");
    if (!known_transform(f.transform)) {
      problem(where + "/transform", "unknown transform \"" + f.transform +
                                        "\" (text, date, instant, amount, integer, enum, add_days, subtract, "
                                        "kind_by_presence, join)");
    }
    if (const Value* o = member(v, "optional")) f.optional = o->IsBool() && o->GetBool();
    for (const char* arg : {"days", "minus", "business_if"}) {
      if (auto p = pointer(v, arg, where, false)) f.args[arg] = *p;
    }
    for (const char* arg : {"separator", "default_days"}) {
      if (auto t = text(v, arg, where, false)) f.args[arg] = *t;
    }
    if (const Value* u = member(v, "unix"); u != nullptr && u->IsBool() && u->GetBool())
      f.args["unix"] = "true";
    if (const Value* values = member(v, "values")) {
      if (!values->IsObject()) {
        problem(where + "/values", "must be an object mapping remote values to canonical ones");
      } else {
        for (auto m = values->MemberBegin(); m != values->MemberEnd(); ++m) {
          f.enum_values[std::string(m->name.GetString(), m->name.GetStringLength())] =
              scalar_text(&m->value).value_or("");
        }
      }
    }
    f.join_pointers = pointers(v, "join", where);
    const auto need = [&](const char* arg, bool present) {
      if (!present) problem(where + "/" + arg, "missing (transform \"" + f.transform + "\" needs it)");
    };
    if (f.transform == "add_days") need("days", f.args.count("days") > 0);
    if (f.transform == "subtract") need("minus", f.args.count("minus") > 0);
    if (f.transform == "kind_by_presence") need("business_if", f.args.count("business_if") > 0);
    if (f.transform == "enum") need("values", !f.enum_values.empty());
    if (f.transform == "join") need("join", !f.join_pointers.empty());
    const bool computed = f.transform == "kind_by_presence" || f.transform == "join";
    if (!computed && f.pointers.empty() && !f.constant) problem(where, "needs a pointer or a value");
    return f;
  }

  Stream stream(const std::string& name, const Value& v, const std::string& where) {
    Stream s;
    s.name = name;
    if (!v.IsObject()) {
      problem(where, "must be an object");
      return s;
    }
    only(v, where,
         {"request", "requests", "paging", "records", "filter", "window", "incremental", "version", "fields",
          "for_each", "when"});
    if (const Value* r = member(v, "request")) s.requests.push_back(request(*r, where + "/request"));
    if (const Value* rs = member(v, "requests")) {
      if (!rs->IsArray() || rs->Empty()) {
        problem(where + "/requests", "must be a non-empty array of requests");
      } else {
        for (rapidjson::SizeType i = 0; i < rs->Size(); ++i) {
          s.requests.push_back(request((*rs)[i], where + "/requests/" + std::to_string(i)));
        }
      }
    }
    if (s.requests.empty() && member(v, "requests") == nullptr) problem(where + "/request", "missing");
    if (const Value* p = member(v, "paging")) paging(s.paging, *p, where + "/paging");
    s.records = pointer(v, "records", where, false).value_or("");
    s.filter = conditions(v, "filter", where);
    s.version = pointer(v, "version", where, false).value_or("");
    if (const Value* w = member(v, "window")) {
      const std::string at = where + "/window";
      Window win;
      only(*w, at, {"max_results", "total_pointer", "from_param", "to_param", "start"});
      win.max_results = integer(*w, "max_results", at, 0, 1, 100000000);
      win.total_pointer = pointer(*w, "total_pointer", at, true).value_or("");
      win.from_param = text(*w, "from_param", at, true).value_or("");
      win.to_param = text(*w, "to_param", at, true).value_or("");
      win.start = text(*w, "start", at, false).value_or(win.start);
      if (!core::parse_date(win.start)) problem(at + "/start", "not a date YYYY-MM-DD");
      s.window = win;
    }
    if (const Value* inc = member(v, "incremental")) {
      const std::string at = where + "/incremental";
      Incremental i;
      only(*inc, at, {"field", "param", "format", "lookback_seconds", "query", "requests"});
      if (const Value* rs = member(*inc, "requests")) {
        if (!rs->IsArray()) {
          problem(at + "/requests", "must be an array of requests");
        } else {
          for (rapidjson::SizeType k = 0; k < rs->Size(); ++k) {
            i.extra_requests.push_back(request((*rs)[k], at + "/requests/" + std::to_string(k)));
          }
        }
      }
      i.field = pointer(*inc, "field", at, true).value_or("");
      i.param = text(*inc, "param", at, true).value_or("");
      i.format = text(*inc, "format", at, false).value_or("date");
      if (i.format != "date" && i.format != "unix") problem(at + "/format", "must be \"date\" or \"unix\"");
      i.lookback_seconds = integer(*inc, "lookback_seconds", at, 86400, 0, 90 * 86400);
      i.query = pairs(*inc, "query", at);
      s.incremental = i;
    }
    s.for_each = text(v, "for_each", where, false).value_or("");
    s.when = conditions(v, "when", where);
    const FieldSet* set = field_set(name);
    const Value* fields = member(v, "fields");
    if (fields == nullptr || !fields->IsObject()) {
      problem(where + "/fields", "missing (an object of canonical field names to pointers)");
      return s;
    }
    for (auto m = fields->MemberBegin(); m != fields->MemberEnd(); ++m) {
      const std::string fname(m->name.GetString(), m->name.GetStringLength());
      const std::string at = where + "/fields/" + escape_segment(fname);
      bool known = false;
      for (auto k : set->required) known = known || k == fname;
      for (auto k : set->optional) known = known || k == fname;
      if (!known) {
        std::string expected;
        for (auto k : set->required) expected += (expected.empty() ? "" : ", ") + std::string(k);
        for (auto k : set->optional) expected += ", " + std::string(k);
        problem(at, "unknown canonical field of " + name + " (expected one of: " + expected + ")");
        continue;
      }
      s.fields[fname] = field(m->value, at);
    }
    for (auto k : set->required) {
      if (!s.fields.count(std::string(k))) problem(where + "/fields/" + std::string(k), "missing (required)");
    }
    return s;
  }

  void paging(Paging& p, const Value& v, const std::string& where) {
    only(v, where,
         {"style", "page_param", "first_page", "size_param", "size", "offset_param", "cursor_param",
          "cursor_pointer", "stop_pointer", "stop_value", "max_pages", "total_pointer", "concurrency"});
    const std::string style = text(v, "style", where, true).value_or("none");
    if (style == "page") {
      p.style = Paging::Style::kPage;
    } else if (style == "offset") {
      p.style = Paging::Style::kOffset;
    } else if (style == "cursor") {
      p.style = Paging::Style::kCursor;
    } else if (style == "none") {
      p.style = Paging::Style::kNone;
    } else {
      problem(where + "/style", "unknown paging style \"" + style + "\" (page, offset, cursor, none)");
    }
    p.page_param = text(v, "page_param", where, false).value_or(p.page_param);
    p.first_page = integer(v, "first_page", where, 0, 0, 1);
    p.size_param =
        text(v, "size_param", where, p.style == Paging::Style::kPage || p.style == Paging::Style::kOffset)
            .value_or("");
    p.size = integer(v, "size", where, 100, 1, 100000);
    p.offset_param = text(v, "offset_param", where, false).value_or(p.offset_param);
    p.cursor_param = text(v, "cursor_param", where, p.style == Paging::Style::kCursor).value_or("");
    p.cursor_pointer = pointer(v, "cursor_pointer", where, p.style == Paging::Style::kCursor).value_or("");
    p.stop_pointer = pointer(v, "stop_pointer", where, false).value_or("");
    p.stop_value = text(v, "stop_value", where, false).value_or("true");
    p.max_pages = integer(v, "max_pages", where, 100000, 1, 10000000);
    p.total_pointer = pointer(v, "total_pointer", where, false).value_or("");
    p.concurrency = integer(v, "concurrency", where, 4, 1, 16);
  }

  WebhookSpec webhooks(const Value& v, const std::string& source) {
    WebhookSpec spec;
    const std::string at = "/webhooks";
    only(v, at, {"signature_header", "algorithm", "encoding", "key_file", "events", "event"});
    spec.signature_header = text(v, "signature_header", at, true).value_or("");
    const std::string algorithm = text(v, "algorithm", at, true).value_or("rsa-sha512");
    if (algorithm == "rsa-sha256") {
      spec.algorithm = WebhookSpec::Algorithm::kRsaSha256;
    } else if (algorithm == "rsa-sha512") {
      spec.algorithm = WebhookSpec::Algorithm::kRsaSha512;
    } else if (algorithm == "hmac-sha256") {
      spec.algorithm = WebhookSpec::Algorithm::kHmacSha256;
    } else {
      problem(at + "/algorithm",
              "unknown algorithm \"" + algorithm + "\" (rsa-sha256, rsa-sha512, hmac-sha256)");
    }
    const std::string encoding = text(v, "encoding", at, false).value_or("base64");
    if (encoding == "base64") {
      spec.encoding = WebhookSpec::Encoding::kBase64;
    } else if (encoding == "hex") {
      spec.encoding = WebhookSpec::Encoding::kHex;
    } else {
      problem(at + "/encoding", "unknown encoding \"" + encoding + "\" (base64, hex)");
    }
    spec.key_file = text(v, "key_file", at, false).value_or("");
    if (!spec.key_file.empty() && std::filesystem::path(spec.key_file).is_relative() && !source.empty()) {
      spec.key_file = (std::filesystem::path(source).parent_path() / spec.key_file).string();
    }
    if (const Value* events = member(v, "events")) {
      if (!events->IsArray()) problem(at + "/events", "must be an array of event type names");
      for (rapidjson::SizeType i = 0; events->IsArray() && i < events->Size(); ++i) {
        if ((*events)[i].IsString()) {
          spec.events.emplace_back((*events)[i].GetString(), (*events)[i].GetStringLength());
        } else {
          problem(at + "/events/" + std::to_string(i), "must be a string");
        }
      }
    }
    if (const Value* event = member(v, "event")) {
      only(*event, at + "/event", {"type", "resource", "date"});
      spec.type_pointer = pointer(*event, "type", at + "/event", false).value_or("");
      spec.resource_pointer = pointer(*event, "resource", at + "/event", false).value_or("");
      spec.date_pointer = pointer(*event, "date", at + "/event", false).value_or("");
    }
    return spec;
  }

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

std::optional<http::ErrorClass> error_class(std::string_view name) {
  for (auto c : {http::ErrorClass::kRetryable, http::ErrorClass::kRateLimited, http::ErrorClass::kAuth,
                 http::ErrorClass::kInvalid, http::ErrorClass::kConflict, http::ErrorClass::kNotFound}) {
    if (http::to_string(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace

core::Result<Mapping> parse_mapping(std::string_view text, const std::string& source) {
  auto parsed = jsonfile::parse_json(text, source, core::ErrorKind::kBadConfig);
  if (!parsed) return parsed.error();
  const rapidjson::Document& doc = *parsed;
  Reader r(source);
  Mapping m;
  m.source = source;
  if (!doc.IsObject())
    return core::Error{core::ErrorKind::kBadConfig, "a mapping must be a JSON object", source};
  r.only(doc, "",
         {"name", "base_url", "auth", "rate", "timeout_seconds", "headers", "errors", "marker", "streams",
          "writes", "lookup", "webhooks", "description"});
  m.name = r.text(doc, "name", "", true).value_or("");
  m.base_url = r.text(doc, "base_url", "", true).value_or("");
  if (!m.base_url.empty()) {
    auto url = http::Url::parse(m.base_url);
    if (!url) r.problem("/base_url", url.error().message);
  }
  if (const Value* a = r.member(doc, "auth")) {
    r.only(*a, "/auth", {"type", "header", "token_url", "client_id"});
    const std::string type = r.text(*a, "type", "/auth", true).value_or("bearer");
    if (type == "bearer") {
      m.auth.kind = Auth::Kind::kBearer;
    } else if (type == "header") {
      m.auth.kind = Auth::Kind::kHeader;
    } else if (type == "oauth2") {
      m.auth.kind = Auth::Kind::kOAuth2;
      m.auth.token_url = r.text(*a, "token_url", "/auth", true).value_or("");
      m.auth.client_id = r.text(*a, "client_id", "/auth", false).value_or("");
      if (!m.auth.token_url.empty() && !http::Url::parse(m.auth.token_url)) {
        r.problem("/auth/token_url", "not an absolute http(s) URL");
      }
    } else {
      r.problem("/auth/type", "unknown auth type \"" + type + "\" (bearer, header, oauth2)");
    }
    m.auth.header = r.text(*a, "header", "/auth", false).value_or("Authorization");
  } else {
    r.problem("/auth", "missing");
  }
  if (const Value* rate = r.member(doc, "rate")) {
    r.only(*rate, "/rate", {"per_second", "burst", "max_in_flight"});
    http::RateBudget b;
    auto ps = r.text(*rate, "per_second", "/rate", true);
    try {
      if (ps) b.per_second = std::stod(*ps);  // a configuration rate, not money
    } catch (const std::exception&) {
      r.problem("/rate/per_second", "not a number");
    }
    if (b.per_second <= 0) r.problem("/rate/per_second", "must be > 0 (leave out \"rate\" for no budget)");
    b.burst = r.integer(*rate, "burst", "/rate", 1, 1, 1000);
    b.max_in_flight = r.integer(*rate, "max_in_flight", "/rate", 0, 0, 1000);
    m.rate = b;
  }
  m.timeout_seconds = r.integer(doc, "timeout_seconds", "", 60, 1, 3600);
  m.headers = r.pairs(doc, "headers", "");
  m.marker = r.text(doc, "marker", "", false).value_or(m.marker);
  if (m.marker.find("{key}") == std::string::npos) r.problem("/marker", "must contain {key}");
  if (const Value* e = r.member(doc, "errors")) {
    r.only(*e, "/errors", {"messages", "rules"});
    m.error_messages = r.pointers(*e, "messages", "/errors");
    if (const Value* rules = r.member(*e, "rules"); rules != nullptr && rules->IsArray()) {
      for (rapidjson::SizeType i = 0; i < rules->Size(); ++i) {
        const std::string at = "/errors/rules/" + std::to_string(i);
        const Value& rv = (*rules)[i];
        r.only(rv, at, {"status", "body_contains", "as"});
        http::ErrorPolicy::Rule rule;
        rule.status = r.integer(rv, "status", at, 0, 100, 599);
        rule.body_contains = r.text(rv, "body_contains", at, false).value_or("");
        const std::string as = r.text(rv, "as", at, true).value_or("");
        if (auto c = error_class(as)) {
          rule.as = *c;
        } else {
          r.problem(at + "/as", "unknown error class \"" + as + "\"");
        }
        m.error_rules.push_back(rule);
      }
    }
  }
  const Value* streams = r.member(doc, "streams");
  if (streams == nullptr || !streams->IsObject()) {
    r.problem("/streams", "missing (an object with items and optionally debtors, payments)");
  } else {
    for (auto s = streams->MemberBegin(); s != streams->MemberEnd(); ++s) {
      const std::string name(s->name.GetString(), s->name.GetStringLength());
      if (field_set(name) == nullptr) {
        r.problem("/streams/" + escape_segment(name), "unknown stream (debtors, items, payments)");
        continue;
      }
      m.streams[name] = r.stream(name, s->value, "/streams/" + name);
    }
    if (!m.streams.count("items")) r.problem("/streams/items", "missing (required)");
    for (auto& [name, s] : m.streams) {
      if (!s.for_each.empty() && (s.for_each != "items" || name == "items")) {
        r.problem("/streams/" + name + "/for_each", "only \"items\" (a per-item detail stream) is supported");
      }
    }
  }
  // Body templates keep their JSON numbers (quantities, tax rates: never money, which comes
  // through placeholders), so they are read from a second parse with numbers as numbers.
  rapidjson::Document numeric;
  numeric.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag>(text.data(),
                                                                                     text.size());
  if (const Value* writes = r.member(doc, "writes")) {
    if (!writes->IsObject()) r.problem("/writes", "must be an object of outbox kinds to operations");
    for (auto w = writes->MemberBegin(); writes->IsObject() && w != writes->MemberEnd(); ++w) {
      const std::string kind(w->name.GetString(), w->name.GetStringLength());
      const std::string at = "/writes/" + escape_segment(kind);
      if (kind != "dunning_document" && kind != "fee" && kind != "interest" && kind != "block" &&
          kind != "plan_status" && kind != "letter") {
        r.problem(at, "unknown outbox kind (dunning_document, fee, interest, block, plan_status, letter)");
        continue;
      }
      WriteOp op;
      op.kind = kind;
      r.only(w->value, at, {"method", "path", "query", "body", "reference"});
      op.request = r.request(w->value, at, false);
      if (r.member(w->value, "body") != nullptr) {
        const Value* body = resolve(numeric, "/writes/" + escape_segment(kind) + "/body");
        if (body != nullptr) op.body = json_text(*body);
      }
      op.reference = r.pointers(w->value, "reference", at);
      if (op.reference.empty())
        r.problem(at + "/reference", "missing (pointer(s) to the created object's id)");
      m.writes[kind] = std::move(op);
    }
  }
  if (const Value* l = r.member(doc, "lookup")) {
    LookupSpec spec;
    r.only(*l, "/lookup", {"request", "candidates", "filter", "detail", "match", "reference"});
    if (const Value* req = r.member(*l, "request")) {
      spec.request = r.request(*req, "/lookup/request");
    } else {
      r.problem("/lookup/request", "missing");
    }
    spec.candidates = r.pointer(*l, "candidates", "/lookup", true).value_or("");
    spec.filter = r.conditions(*l, "filter", "/lookup");
    if (const Value* d = r.member(*l, "detail")) spec.detail = r.request(*d, "/lookup/detail");
    if (const Value* mt = r.member(*l, "match")) {
      spec.match = r.condition(*mt, "/lookup/match");
    } else {
      r.problem("/lookup/match", "missing");
    }
    spec.reference = r.pointers(*l, "reference", "/lookup");
    if (spec.reference.empty()) spec.reference = {"/id"};
    m.lookup = std::move(spec);
  }
  if (const Value* wh = r.member(doc, "webhooks")) m.webhooks = r.webhooks(*wh, source);
  if (!r.problems().empty()) {
    std::string message;
    for (const auto& p : r.problems()) message += (message.empty() ? "" : "\n") + p;
    return core::Error{core::ErrorKind::kBadConfig, message, ""};
  }
  return m;
}

core::Result<Mapping> load_mapping(const std::string& path) {
  auto text = jsonfile::read_file(path);
  if (!text) return core::Error{core::ErrorKind::kBadConfig, text.error().message, path};
  return parse_mapping(*text, path);
}

core::Result<Mapping> find_mapping(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".json"))
    return load_mapping(name_or_path);
  for (const auto& c : name_or_path) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      return core::Error{core::ErrorKind::kBadConfig, "not a mapping name: \"" + name_or_path + "\"", ""};
    }
  }
  std::string tried;
  for (const auto& dir : dirs) {
    if (dir.empty()) continue;
    const std::filesystem::path p = std::filesystem::path(dir) / (name_or_path + ".json");
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return load_mapping(p.string());
    tried += (tried.empty() ? "" : ", ") + p.string();
  }
  return core::Error{
      core::ErrorKind::kBadConfig,
      "no mapping \"" + name_or_path + "\" (looked for " + (tried.empty() ? "nothing" : tried) + ")", ""};
}

}  // namespace mahnwerk::rest
