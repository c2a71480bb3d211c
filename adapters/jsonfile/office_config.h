// The office configuration (docs/configuration.md): one JSON file listing the tenants
// (Mandanten) inline or from a folder of one file per tenant, each with creditor data, adapter
// and settings, credentials reference, policy, schedule, approval mode, letters and accounts.
// Also the lookup of the office file and the resolution of credentials references.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/result.h"

namespace mahnwerk::jsonfile {

enum class AdapterKind { kJsonfile, kDatev, kRest };
enum class ApprovalMode { kAuto, kManual };

std::string_view to_string(AdapterKind kind);
std::string_view to_string(ApprovalMode mode);

// Where a tenant's secret lives; never the secret itself.
struct CredentialsRef {
  enum class Kind { kEnv, kFile };
  Kind kind = Kind::kEnv;
  std::string target;  // the variable name, or the file path (made absolute against the office file)
  std::string text;    // as written: "env:LEXOFFICE_KEY", "file:secrets/acme.key"
};

// When the scheduler runs a tenant: "daily HH:MM", "weekdays HH:MM" (Monday to Friday) or
// "every N m|h" (e.g. "every 30m", "every 2h"), in the tenant's time zone.
struct Schedule {
  enum class Kind { kDaily, kWeekdays, kEvery };
  Kind kind = Kind::kDaily;
  int minute_of_day = 0;     // kDaily, kWeekdays: 0..1439
  int interval_minutes = 0;  // kEvery: 1..1440
  std::string text;          // as written
};

// Parses a schedule; a malformed one is kBadConfig naming what was expected.
core::Result<Schedule> parse_schedule(std::string_view text);

// Parses a duration "<N>m", "<N>h" or "<N>d" into minutes (1 minute to 30 days); kBadConfig otherwise.
core::Result<int> parse_age_minutes(std::string_view text);

struct LetterSettings {
  std::string language = "de";  // default letter language when a debtor has none: de | en
  std::string templates;        // template folder (absolute); empty: the installed templates
  core::Channel channel = core::Channel::kLetter;
};

// Revenue accounts the write-back books fees and interest to (SKR03/SKR04 numbers, digits only).
struct BookingAccounts {
  std::string fee_revenue;
  std::string interest_revenue;
};

struct TenantConfig {
  std::string id;  // unique; letters, digits, '_' and '-'
  std::string name;
  core::Creditor creditor;
  AdapterKind adapter = AdapterKind::kJsonfile;
  // The adapter's settings object, flattened to dotted paths with the scalar values as text
  // ("inbox" -> "/srv/in", "limits.rate" -> "5", "scopes[0]" -> "read"); relative paths of the
  // jsonfile adapter's inbox and outbox are made absolute against the file that names them.
  std::map<std::string, std::string> settings;
  std::optional<CredentialsRef> credentials;
  std::string policy_path;  // absolute
  core::Policy policy;
  Schedule schedule;
  std::string time_zone = "Europe/Berlin";
  ApprovalMode approval = ApprovalMode::kManual;
  // Freshness gate of the sync job: no notices while the last successful pull is older than
  // this ("max_pull_age": "26h", "90m", "2d"; 1 minute to 30 days). The default lets a daily
  // schedule miss its slot by a couple of hours.
  int max_pull_age_minutes = 26 * 60;
  LetterSettings letters;
  BookingAccounts accounts;
  std::string source;  // the file that defined this tenant, for messages
};

struct OfficeConfig {
  std::string path;                   // the office file
  std::vector<TenantConfig> tenants;  // inline ones first, then tenants_dir's files sorted by name

  // nullptr if no tenant has this id.
  const TenantConfig* find(std::string_view id) const;
};

// The outcome of reading an office file: every tenant that parsed, and every problem found,
// in file order. Each problem is kBadConfig with context "<file>, line L, column C" for syntax,
// "<file>, tenants[2].credentials" for a field of an inline tenant, "<included file>,
// credentials" for one from tenants_dir.
struct OfficeCheck {
  OfficeConfig config;
  std::vector<core::Error> problems;
  bool ok() const { return problems.empty(); }
};

// Reads and validates the office file at `path`: syntax, unknown and missing fields, ids,
// IBANs, references, schedules, accounts; loads every tenant's policy (its errors reported under
// the tenant's `policy` field). With `resolve_credentials`, also resolves every credentials
// reference (resolve_secret) and reports those that fail — the secret itself is discarded.
OfficeCheck check_office_config(const std::string& path, bool resolve_credentials);

// check_office_config without resolving credentials. Several problems become one error with
// context <path> and one "<context>: <message>" line each.
core::Result<OfficeConfig> load_office_config(const std::string& path);

// A secret read from the environment or a file. Its value is never put into an error, a log
// line or any output by this module; callers must keep it that way.
class Secret {
 public:
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }

 private:
  std::string value_;
};

// Reads the secret a reference points to. kBadConfig, context `context`, when the variable is
// unset or empty, the file is missing, unreadable, empty, or readable or writable by group or
// others (mode & 077: the message names the file and its mode). A trailing newline of a file
// is dropped.
core::Result<Secret> resolve_secret(const CredentialsRef& ref, const std::string& context = {});

// Parses "env:NAME" / "file:PATH" (PATH relative to `base_dir`). Anything else is refused
// without repeating the text, since it may be a pasted secret.
core::Result<CredentialsRef> parse_credentials_ref(std::string_view text, const std::string& base_dir);

// Where the office file is looked for, in order: `flag` (--config), $MAHNWERK_CONFIG,
// $XDG_CONFIG_HOME/mahnwerk/office.json (or ~/.config/mahnwerk/office.json without
// XDG_CONFIG_HOME), /etc/mahnwerk/office.json. Empty entries are left out.
std::vector<std::string> office_config_candidates(const std::string& flag);

// The file to read: --config or $MAHNWERK_CONFIG as given (even if missing, so that the
// error names it), else the first candidate that exists. None: kBadConfig listing the places.
core::Result<std::string> find_office_config(const std::string& flag);

// Where `mahnwerk init` writes: --config, $MAHNWERK_CONFIG, else the user's XDG location.
std::string office_config_init_path(const std::string& flag);

// The commented skeleton `mahnwerk init` writes: one example tenant on the jsonfile adapter
// with the policy at `policy_path`.
std::string office_config_skeleton(const std::string& policy_path);

}  // namespace mahnwerk::jsonfile
