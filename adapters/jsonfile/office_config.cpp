// The office file -> OfficeConfig. Unlike the policy loader, which stops at the first error,
// this one collects every problem of every tenant: an office with hundreds of Mandanten fixes
// its configuration in one pass, not one error per run.
#include "adapters/jsonfile/office_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <unordered_map>

#include "adapters/jsonfile/json_util.h"
#include "adapters/jsonfile/policy_json.h"

namespace mahnwerk::jsonfile {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::Result;

constexpr core::ErrorKind kConfigError = core::ErrorKind::kBadConfig;

Error config_error(std::string message, std::string context) {
  return Error{kConfigError, std::move(message), std::move(context)};
}

// Problems of one file: each is made a configuration error and prefixed with the file's name.
class Problems {
 public:
  Problems(std::vector<Error>& out, std::string file) : out_(out), file_(std::move(file)) {}

  void add(Error e) {
    e.kind = kConfigError;
    out_.push_back(e.within(file_));
  }
  // Moves the value of `r` into `target`, or records its error; true if it was a value.
  template <typename T, typename U>
  bool take(Result<T> r, U& target) {
    if (!r) {
      add(r.error());
      return false;
    }
    target = std::move(r).value();
    return true;
  }
  const std::string& file() const { return file_; }

 private:
  std::vector<Error>& out_;
  std::string file_;
};

// Every member must be one of `known`: a misspelt "credential" must not read as "absent".
// Returns false if the value is not an object at all.
bool check_members(const rapidjson::Value& v, const Fields& f, std::initializer_list<std::string_view> known,
                   Problems& p) {
  if (auto s = f.check_object(); !s) {
    p.add(s.error());
    return false;
  }
  // Repeated keys: the first wins here (RapidJSON's FindMember), unlike the policy reader.
  for (auto& problem : member_problems(v, f, known, /*refuse_repeats=*/false)) p.add(std::move(problem));
  return true;
}

template <std::size_t N, typename Enum>
Result<Enum> parse_name(const std::array<std::pair<std::string_view, Enum>, N>& names, std::string_view what,
                        std::string_view text) {
  std::string expected;
  for (const auto& [name, value] : names) {
    if (name == text) return value;
    expected += (expected.empty() ? "" : ", ") + std::string(name);
  }
  return config_error(
      "unknown " + std::string(what) + " \"" + std::string(text) + "\" (expected one of: " + expected + ")",
      "");
}

constexpr std::array<std::pair<std::string_view, AdapterKind>, 3> kAdapterNames{
    {{"jsonfile", AdapterKind::kJsonfile}, {"datev", AdapterKind::kDatev}, {"rest", AdapterKind::kRest}}};
constexpr std::array<std::pair<std::string_view, ApprovalMode>, 2> kApprovalNames{
    {{"auto", ApprovalMode::kAuto}, {"manual", ApprovalMode::kManual}}};

// A string member parsed by `parse`; the parse error is put at the member's path.
template <typename T, typename Parse>
Result<T> enum_field(const Fields& f, const char* name, T fallback, Parse parse) {
  if (!f.has(name)) return fallback;
  std::string text;
  MW_ASSIGN_OR_RETURN(text, f.required_string(name));
  auto value = parse(text);
  if (!value) return f.error(name, value.error().message);
  return *value;
}

bool valid_tenant_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::ranges::all_of(id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// IANA names such as "Europe/Berlin" or "UTC". Only the form is checked here; the scheduler
// resolves the zone against the system's tz database.
bool valid_time_zone(std::string_view tz) {
  if (tz.empty() || tz.size() > 64 || tz.front() == '/' || tz.back() == '/') return false;
  std::size_t segment = 0;
  for (std::size_t i = 0; i <= tz.size(); ++i) {
    if (i == tz.size() || tz[i] == '/') {
      if (segment == 0 || tz.substr(i - segment, segment) == "..") return false;
      segment = 0;
      continue;
    }
    const char c = tz[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '+' || c == '.';
    if (!ok) return false;
    ++segment;
  }
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

std::string absolute_against(const std::string& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return fs::absolute(p).lexically_normal().string();
}

void parse_address(const Fields& creditor, core::Address& out, Problems& p) {
  const auto* v = creditor.find("address");
  if (v == nullptr) {
    p.add(creditor.error("address", "missing field"));
    return;
  }
  const Fields f(*v, creditor.path_of("address"), kConfigError);
  if (!check_members(*v, f, {"street", "zip", "city", "country"}, p)) return;
  p.take(f.required_string("street"), out.street);
  p.take(f.required_string("zip"), out.zip);
  p.take(f.required_string("city"), out.city);
  if (p.take(f.optional_string("country", "DE"), out.country)) {
    const bool alpha2 = out.country.size() == 2 &&
                        std::ranges::all_of(out.country, [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!alpha2)
      p.add(f.error("country",
                    "expected an ISO 3166-1 alpha-2 code such as \"DE\", got \"" + out.country + "\""));
  }
}

void parse_creditor(const Fields& tenant, core::Creditor& out, Problems& p) {
  const auto* v = tenant.find("creditor");
  if (v == nullptr) {
    p.add(tenant.error("creditor", "missing field"));
    return;
  }
  const Fields f(*v, tenant.path_of("creditor"), kConfigError);
  if (!check_members(*v, f, {"name", "address", "email", "phone", "iban", "bic", "bank", "vat_id"}, p))
    return;
  p.take(f.required_string("name"), out.name);
  parse_address(f, out.address, p);
  p.take(f.optional_string("email"), out.email);
  p.take(f.optional_string("phone"), out.phone);
  if (p.take(f.required_string("iban"), out.iban) && !valid_iban(out.iban)) {
    p.add(f.error("iban", "not a valid IBAN: \"" + out.iban + "\" (check digits or format)"));
  }
  p.take(f.optional_string("bic"), out.bic);
  p.take(f.optional_string("bank"), out.bank);
  p.take(f.optional_string("vat_id"), out.vat_id);
}

// Scalars as text under dotted paths; numbers already are text (kParseNumbersAsStringsFlag).
void flatten(const rapidjson::Value& v, const std::string& path, std::map<std::string, std::string>& out) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      const std::string name(it->name.GetString(), it->name.GetStringLength());
      flatten(it->value, path.empty() ? name : path + "." + name, out);
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      flatten(v[i], path + "[" + std::to_string(i) + "]", out);
  } else if (v.IsString()) {
    out[path] = std::string(v.GetString(), v.GetStringLength());
  } else if (v.IsBool()) {
    out[path] = v.GetBool() ? "true" : "false";
  } else {
    out[path] = "";
  }
}

void parse_settings(const Fields& tenant, TenantConfig& t, const std::string& base_dir, Problems& p) {
  static const rapidjson::Value kAbsent;
  const auto* v = tenant.find("settings");
  const Fields f(v == nullptr ? kAbsent : *v, tenant.path_of("settings"), kConfigError);
  if (t.adapter != AdapterKind::kJsonfile) {
    // The DATEV and REST adapters validate their own settings when they are built from them.
    if (v == nullptr) return;
    if (auto s = f.check_object(); !s) return p.add(s.error());
    flatten(*v, "", t.settings);
    return;
  }
  if (v == nullptr)
    return p.add(tenant.error("settings", "missing field (the jsonfile adapter needs inbox and outbox)"));
  if (!check_members(*v, f, {"inbox", "outbox"}, p)) return;
  for (const char* folder : {"inbox", "outbox"}) {
    std::string path;
    if (p.take(f.required_string(folder), path)) {
      if (path.empty()) {
        p.add(f.error(folder, "must name a folder"));
      } else {
        t.settings[folder] = absolute_against(base_dir, path);
      }
    }
  }
}

void parse_letters(const Fields& tenant, LetterSettings& out, const std::string& base_dir, Problems& p) {
  const auto* v = tenant.find("letters");
  if (v == nullptr) return;
  const Fields f(*v, tenant.path_of("letters"), kConfigError);
  if (!check_members(*v, f, {"language", "templates", "channel"}, p)) return;
  if (p.take(f.optional_string("language", out.language), out.language) && out.language != "de" &&
      out.language != "en") {
    p.add(f.error("language", "unknown language \"" + out.language + "\" (expected one of: de, en)"));
  }
  std::string templates;
  if (p.take(f.optional_string("templates"), templates) && !templates.empty()) {
    out.templates = absolute_against(base_dir, templates);
  }
  p.take(enum_field(f, "channel", out.channel, core::parse_channel), out.channel);
}

void parse_accounts(const Fields& tenant, BookingAccounts& out, Problems& p) {
  const auto* v = tenant.find("accounts");
  if (v == nullptr) return;
  const Fields f(*v, tenant.path_of("accounts"), kConfigError);
  if (!check_members(*v, f, {"fee_revenue", "interest_revenue"}, p)) return;
  for (auto [name, target] :
       {std::pair{"fee_revenue", &out.fee_revenue}, std::pair{"interest_revenue", &out.interest_revenue}}) {
    if (p.take(f.optional_string(name), *target) && f.has(name) &&
        !(all_digits(*target) && target->size() <= 9)) {
      p.add(f.error(name, "expected an account number of up to 9 digits, got \"" + *target + "\""));
    }
  }
}

void parse_policy_field(const Fields& f, TenantConfig& t, const std::string& base_dir, Problems& p) {
  std::string path;
  if (!p.take(f.required_string("policy"), path)) return;
  t.policy_path = absolute_against(base_dir, path);
  auto policy = load_policy(t.policy_path);
  if (!policy) return p.add(config_error(policy.error().to_string(), f.path_of("policy")));
  t.policy = std::move(policy).value();
}

// One tenant object. `path` is "tenants[2]" inline and "" for a file of tenants_dir.
std::optional<TenantConfig> parse_tenant(const rapidjson::Value& v, const std::string& path,
                                         const std::string& base_dir, Problems& p) {
  const Fields f(v, path, kConfigError);
  if (!check_members(v, f,
                     {"id", "name", "creditor", "adapter", "settings", "credentials", "policy", "schedule",
                      "time_zone", "approval", "max_pull_age", "letters", "accounts"},
                     p)) {
    return std::nullopt;
  }
  TenantConfig t;
  t.source = p.file();
  if (p.take(f.required_string("id"), t.id) && !valid_tenant_id(t.id)) {
    p.add(f.error("id", "invalid tenant id \"" + t.id + "\" (1 to 64 of A-Z, a-z, 0-9, '_', '-')"));
  }
  p.take(f.required_string("name"), t.name);
  parse_creditor(f, t.creditor, p);
  const bool adapter_ok =
      p.take(enum_field(f, "adapter", t.adapter,
                        [](std::string_view s) { return parse_name(kAdapterNames, "adapter", s); }),
             t.adapter);
  if (adapter_ok && !f.has("adapter")) p.add(f.error("adapter", "missing field (jsonfile, datev or rest)"));
  if (adapter_ok) parse_settings(f, t, base_dir, p);
  if (f.has("credentials")) {
    std::string text;
    if (p.take(f.required_string("credentials"), text)) {
      auto ref = parse_credentials_ref(text, base_dir);
      if (ref) {
        t.credentials = std::move(ref).value();
      } else {
        p.add(f.error("credentials", ref.error().message));
      }
    }
  } else if (adapter_ok && t.adapter == AdapterKind::kRest) {
    p.add(f.error("credentials", "missing field (the rest adapter needs env:NAME or file:PATH)"));
  }
  parse_policy_field(f, t, base_dir, p);
  if (!f.has("schedule")) {
    p.add(f.error("schedule", "missing field (e.g. \"daily 06:00\" or \"every 30m\")"));
  } else {
    p.take(enum_field(f, "schedule", t.schedule, parse_schedule), t.schedule);
  }
  if (p.take(f.optional_string("time_zone", t.time_zone), t.time_zone) && !valid_time_zone(t.time_zone)) {
    p.add(f.error("time_zone", "not a time zone name such as \"Europe/Berlin\": \"" + t.time_zone + "\""));
  }
  p.take(enum_field(f, "approval", t.approval,
                    [](std::string_view s) { return parse_name(kApprovalNames, "approval mode", s); }),
         t.approval);
  p.take(enum_field(f, "max_pull_age", t.max_pull_age_minutes, parse_age_minutes), t.max_pull_age_minutes);
  parse_letters(f, t.letters, base_dir, p);
  parse_accounts(f, t.accounts, p);
  return t;
}

// A file's text parsed as JSON, or nothing with the problem recorded.
std::optional<rapidjson::Document> read_json(const std::string& file, Problems& p) {
  auto text = read_file(file);
  if (!text) {
    p.add(config_error(text.error().message, ""));
    return std::nullopt;
  }
  auto doc = parse_json(*text, file, kConfigError);
  if (!doc) {
    // parse_json names the file itself; avoid naming it twice.
    Error e = doc.error();
    e.context = e.context.substr(std::min(e.context.size(), file.size() + 2));
    p.add(std::move(e));
    return std::nullopt;
  }
  return std::move(doc).value();
}

void read_tenants_dir(const Fields& root, const std::string& office_dir, const std::string& office_file,
                      std::vector<Error>& problems, std::vector<TenantConfig>& tenants) {
  Problems p(problems, office_file);
  std::string dir;
  if (!p.take(root.required_string("tenants_dir"), dir)) return;
  // Named relative to the office file as given, like the office file in messages.
  const fs::path folder = fs::path(office_file).parent_path() / dir;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return p.add(root.error("tenants_dir", "not a folder: " + folder.string()));
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec))
      files.push_back(entry.path().string());
  }
  if (ec) return p.add(root.error("tenants_dir", "cannot list " + folder.string() + ": " + ec.message()));
  std::ranges::sort(files);
  for (const auto& file : files) {
    Problems fp(problems, file);
    auto doc = read_json(file, fp);
    if (!doc) continue;
    if (auto t = parse_tenant(*doc, "", office_dir, fp)) tenants.push_back(std::move(*t));
  }
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v == nullptr || *v == '\0') ? nullptr : v;
}

}  // namespace

std::string_view to_string(AdapterKind kind) {
  for (const auto& [name, value] : kAdapterNames) {
    if (value == kind) return name;
  }
  return "?";
}

std::string_view to_string(ApprovalMode mode) { return mode == ApprovalMode::kAuto ? "auto" : "manual"; }

const TenantConfig* OfficeConfig::find(std::string_view id) const {
  const auto it = std::ranges::find(tenants, id, &TenantConfig::id);
  return it == tenants.end() ? nullptr : &*it;
}

Result<Schedule> parse_schedule(std::string_view text) {
  const auto bad = [text] {
    return config_error(
        "expected \"daily HH:MM\", \"weekdays HH:MM\" or \"every N m|h\" (e.g. \"every 30m\"), got \"" +
            std::string(text) + "\"",
        "");
  };
  Schedule s;
  s.text = std::string(text);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return bad();
  const std::string_view word = text.substr(0, space);
  const std::string_view arg = text.substr(space + 1);
  if (word == "daily" || word == "weekdays") {
    s.kind = word == "daily" ? Schedule::Kind::kDaily : Schedule::Kind::kWeekdays;
    if (arg.size() != 5 || arg[2] != ':' || !all_digits(arg.substr(0, 2)) || !all_digits(arg.substr(3)))
      return bad();
    const int hour = (arg[0] - '0') * 10 + (arg[1] - '0');
    const int minute = (arg[3] - '0') * 10 + (arg[4] - '0');
    if (hour > 23 || minute > 59) return bad();
    s.minute_of_day = hour * 60 + minute;
    return s;
  }
  if (word == "every") {
    if (arg.size() < 2 || arg.size() > 5) return bad();
    const char unit = arg.back();
    const std::string_view number = arg.substr(0, arg.size() - 1);
    if ((unit != 'm' && unit != 'h') || !all_digits(number)) return bad();
    const int n = std::atoi(std::string(number).c_str());
    s.kind = Schedule::Kind::kEvery;
    s.interval_minutes = unit == 'h' ? n * 60 : n;
    if (s.interval_minutes < 1 || s.interval_minutes > 1440) {
      return config_error("interval must be between 1 minute and 24 hours, got \"" + std::string(text) + "\"",
                          "");
    }
    return s;
  }
  return bad();
}

Result<int> parse_age_minutes(std::string_view text) {
  constexpr int kMaxMinutes = 30 * 24 * 60;
  const auto bad = [&] {
    return config_error(
        "expected a duration such as \"26h\", \"90m\" or \"2d\" (1 minute to 30 days), got \"" +
            std::string(text) + "\"",
        "");
  };
  if (text.size() < 2 || text.size() > 6) return bad();
  const char unit = text.back();
  const std::string_view number = text.substr(0, text.size() - 1);
  if (!all_digits(number)) return bad();
  const int n = std::atoi(std::string(number).c_str());
  const int per_unit = unit == 'm' ? 1 : unit == 'h' ? 60 : unit == 'd' ? 24 * 60 : 0;
  const long minutes = static_cast<long>(n) * per_unit;
  if (minutes < 1 || minutes > kMaxMinutes) return bad();
  return static_cast<int>(minutes);
}

Result<CredentialsRef> parse_credentials_ref(std::string_view text, const std::string& base_dir) {
  CredentialsRef ref;
  ref.text = std::string(text);
  if (text.starts_with("env:")) {
    ref.kind = CredentialsRef::Kind::kEnv;
    ref.target = std::string(text.substr(4));
    const bool name_ok =
        !ref.target.empty() && !(ref.target[0] >= '0' && ref.target[0] <= '9') &&
        std::ranges::all_of(ref.target, [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
    if (!name_ok) return config_error("env: must be followed by a variable name (A-Z, 0-9, '_')", "");
    return ref;
  }
  if (text.starts_with("file:")) {
    ref.kind = CredentialsRef::Kind::kFile;
    if (text.size() == 5) return config_error("file: must be followed by a path", "");
    ref.target = absolute_against(base_dir, std::string(text.substr(5)));
    return ref;
  }
  // The text is not repeated: it may well be the secret itself.
  return config_error(
      "not a credentials reference: use env:NAME or file:PATH; secrets are never written into the "
      "configuration",
      "");
}

Result<Secret> resolve_secret(const CredentialsRef& ref, const std::string& context) {
  if (ref.kind == CredentialsRef::Kind::kEnv) {
    const char* value = std::getenv(ref.target.c_str());
    if (value == nullptr) return config_error("environment variable " + ref.target + " is not set", context);
    if (*value == '\0') return config_error("environment variable " + ref.target + " is empty", context);
    return Secret(value);
  }
  const int fd = ::open(ref.target.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return config_error("cannot open secrets file " + ref.target + ": " + std::strerror(errno), context);
  }
  // fstat on the opened file: the mode checked is the mode of the file read.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return config_error("secrets file " + ref.target + " is not a regular file", context);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return config_error("secrets file " + ref.target + " is accessible by group or others (mode " +
                            mode_text(st.st_mode) + "); restrict it with: chmod 600 " + ref.target,
                        context);
  }
  std::string value;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return config_error("cannot read secrets file " + ref.target + ": " + std::strerror(err), context);
    }
    if (n == 0) break;
    value.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) return config_error("secrets file " + ref.target + " is empty", context);
  return Secret(std::move(value));
}

OfficeCheck check_office_config(const std::string& path, bool resolve_credentials) {
  OfficeCheck check;
  check.config.path = path;
  Problems p(check.problems, path);
  const std::string office_dir = fs::absolute(fs::path(path)).parent_path().string();
  auto doc = read_json(path, p);
  if (!doc) return check;
  const Fields root(*doc, "", kConfigError);
  if (!doc->IsObject()) {
    p.add(config_error("expected a JSON object at the top", ""));
    return check;
  }
  check_members(*doc, root, {"tenants", "tenants_dir"}, p);
  auto& tenants = check.config.tenants;
  std::vector<std::size_t> inline_index;  // the position in `tenants` of each inline element
  const rapidjson::Value* array = nullptr;
  if (p.take(root.array("tenants", false), array)) {
    for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
      if (auto t = parse_tenant((*array)[i], "tenants[" + std::to_string(i) + "]", office_dir, p)) {
        tenants.push_back(std::move(*t));
        inline_index.push_back(i);
      }
    }
  }
  if (root.has("tenants_dir")) read_tenants_dir(root, office_dir, path, check.problems, tenants);
  if (!root.has("tenants") && !root.has("tenants_dir")) {
    p.add(config_error("no tenants: give \"tenants\": [...] or \"tenants_dir\": \"tenants.d\"", ""));
  }

  // Contexts of a tenant's fields, inline ("tenants[3].id") or included ("acme.json, id").
  const auto context = [&](std::size_t k, const char* field) {
    if (k < inline_index.size()) return path + ", tenants[" + std::to_string(inline_index[k]) + "]." + field;
    return tenants[k].source + ", " + field;
  };
  std::unordered_map<std::string_view, std::size_t> first;
  for (std::size_t k = 0; k < tenants.size(); ++k) {
    if (tenants[k].id.empty()) continue;
    const auto [it, fresh] = first.emplace(tenants[k].id, k);
    if (!fresh) {
      const std::string where = context(it->second, "id");
      check.problems.push_back(config_error("duplicate tenant id \"" + tenants[k].id + "\" (first in " +
                                                where.substr(0, where.size() - 3) + ")",
                                            context(k, "id")));
    }
  }
  if (resolve_credentials) {
    for (std::size_t k = 0; k < tenants.size(); ++k) {
      if (!tenants[k].credentials) continue;
      auto secret = resolve_secret(*tenants[k].credentials, context(k, "credentials"));
      if (!secret) check.problems.push_back(secret.error());
    }
  }
  return check;
}

Result<OfficeConfig> load_office_config(const std::string& path) {
  OfficeCheck check = check_office_config(path, false);
  if (check.problems.empty()) return std::move(check.config);
  if (check.problems.size() == 1) return check.problems.front();
  std::string message = std::to_string(check.problems.size()) + " problems:";
  for (const auto& e : check.problems) message += "\n  " + e.to_string();
  return config_error(std::move(message), path);
}

std::vector<std::string> office_config_candidates(const std::string& flag) {
  std::vector<std::string> out;
  if (!flag.empty()) out.push_back(flag);
  if (const char* c = env("MAHNWERK_CONFIG")) out.emplace_back(c);
  if (const char* xdg = env("XDG_CONFIG_HOME")) {
    out.push_back((fs::path(xdg) / "mahnwerk" / "office.json").string());
  } else if (const char* home = env("HOME")) {
    out.push_back((fs::path(home) / ".config" / "mahnwerk" / "office.json").string());
  }
  out.emplace_back("/etc/mahnwerk/office.json");
  return out;
}

Result<std::string> find_office_config(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* c = env("MAHNWERK_CONFIG")) return std::string(c);
  const auto candidates = office_config_candidates(flag);
  std::string tried;
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate;
    tried += (tried.empty() ? "" : ", ") + candidate;
  }
  return config_error("no office configuration found (looked at " + tried +
                          "); give --config or set MAHNWERK_CONFIG, or create one with `mahnwerk init`",
                      "");
}

std::string office_config_init_path(const std::string& flag) {
  const auto candidates = office_config_candidates(flag);
  return candidates.front();
}

std::string office_config_skeleton(const std::string& policy_path) {
  std::string policy;
  for (char c : policy_path) {
    if (c == '"' || c == '\\') policy += '\\';
    policy += c;
  }
  return R"(// mahnwerk office configuration (docs/configuration.md). Comments and trailing commas are
// allowed. Check it with `mahnwerk config check`.
{
  // Tenants (Mandanten) inline, or one file per tenant in a folder next to this file:
  //   "tenants_dir": "tenants.d",
  "tenants": [
    {
      "id": "example",                  // unique: letters, digits, '_' and '-'
      "name": "Example GmbH",
      "creditor": {                     // the sender of the letters
        "name": "Example GmbH",
        "address": {"street": "Musterstraße 1", "zip": "10115", "city": "Berlin", "country": "DE"},
        "email": "buchhaltung@example.de",
        "iban": "DE89 3704 0044 0532 0130 00",
      },
      "adapter": "jsonfile",            // jsonfile | datev | rest
      "settings": {"inbox": "example/inbox", "outbox": "example/outbox"},  // relative to this file
      // Never a secret itself: env:NAME or file:PATH (the file must be mode 0600).
      // "credentials": "env:MAHNWERK_EXAMPLE_TOKEN",
      "policy": ")" +
         policy + R"(",
      "schedule": "daily 06:00",        // daily HH:MM | weekdays HH:MM | every 30m | every 2h
      "time_zone": "Europe/Berlin",
      "approval": "manual",             // manual: a person approves each proposal; auto
      "letters": {"language": "de", "channel": "letter"},
      // Revenue accounts for fees and interest (SKR03 examples; use your chart of accounts).
      "accounts": {"fee_revenue": "2700", "interest_revenue": "2650"},
    },
  ],
}
)";
}

}  // namespace mahnwerk::jsonfile
