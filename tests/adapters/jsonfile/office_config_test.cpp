// The office configuration loader: good files (inline and tenants_dir), every error with its
// file and field path, credentials references and their resolution, secrets file modes, and
// that no message ever contains a secret.
#include "adapters/jsonfile/office_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mahnwerk::jsonfile {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSecret = "s3cr3t-Value-4711";

std::string policy_path() {
  const char* src = std::getenv("MAHNWERK_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/config/policies/standard.json";
}

// A fresh folder under /tmp, removed with the fixture.
class OfficeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mahnwerk_office_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text, fs::perms mode = fs::perms(0600)) {
    const fs::path p = fs::path(dir_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    fs::permissions(p, mode);
    return p.string();
  }

  // One tenant object; `extra` is spliced in before the closing brace, `replace` swaps a member.
  static std::string tenant(const std::string& id, const std::string& extra = "") {
    return R"({
      "id": ")" +
           id + R"(", "name": "Tenant )" + id + R"(",
      "creditor": {"name": "Muster GmbH", "iban": "DE89 3704 0044 0532 0130 00",
                   "address": {"street": "Weg 1", "zip": "10115", "city": "Berlin"}},
      "adapter": "jsonfile", "settings": {"inbox": "in", "outbox": "out"},
      "policy": ")" +
           policy_path() + R"(",
      "schedule": "daily 06:00",)" +
           extra + "}";
  }

  std::string dir_;
};

TEST_F(OfficeConfigTest, LoadsInlineTenantsWithDefaults) {
  const auto path = write("office.json",
                          "// office\n{\"tenants\": [" + tenant("acme") + ", " +
                              tenant("beta", R"("approval": "auto", "time_zone": "UTC", "max_pull_age": "90m",
        "letters": {"language": "en", "channel": "email", "templates": "tpl"},
        "accounts": {"fee_revenue": "2700", "interest_revenue": "2650"},)") +
                              ",],}");
  auto config = load_office_config(path);
  ASSERT_TRUE(config) << config.error().to_string();
  ASSERT_EQ(config->tenants.size(), 2U);
  const auto& a = config->tenants[0];
  EXPECT_EQ(a.id, "acme");
  EXPECT_EQ(a.adapter, AdapterKind::kJsonfile);
  EXPECT_EQ(a.time_zone, "Europe/Berlin");
  EXPECT_EQ(a.approval, ApprovalMode::kManual);
  EXPECT_EQ(a.max_pull_age_minutes, 26 * 60);
  EXPECT_EQ(a.letters.language, "de");
  EXPECT_EQ(a.settings.at("inbox"), dir_ + "/in");
  EXPECT_EQ(a.creditor.address.country, "DE");
  EXPECT_FALSE(a.policy.levels.empty());
  EXPECT_EQ(a.schedule.kind, Schedule::Kind::kDaily);
  EXPECT_EQ(a.schedule.minute_of_day, 6 * 60);
  const auto* b = config->find("beta");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->approval, ApprovalMode::kAuto);
  EXPECT_EQ(b->max_pull_age_minutes, 90);
  EXPECT_EQ(b->letters.channel, core::Channel::kEmail);
  EXPECT_EQ(b->letters.templates, dir_ + "/tpl");
  EXPECT_EQ(b->accounts.fee_revenue, "2700");
  EXPECT_EQ(config->find("gamma"), nullptr);
}

TEST_F(OfficeConfigTest, IncludesTenantsDirSortedByName) {
  write("tenants.d/zeta.json", tenant("zeta"));
  write("tenants.d/alpha.json", tenant("alpha"));
  write("tenants.d/notes.txt", "not a tenant");
  const auto path =
      write("office.json", R"({"tenants_dir": "tenants.d", "tenants": [)" + tenant("inline") + "]}");
  auto config = load_office_config(path);
  ASSERT_TRUE(config) << config.error().to_string();
  ASSERT_EQ(config->tenants.size(), 3U);
  EXPECT_EQ(config->tenants[0].id, "inline");
  EXPECT_EQ(config->tenants[1].id, "alpha");
  EXPECT_EQ(config->tenants[2].id, "zeta");
  EXPECT_EQ(config->tenants[1].source, dir_ + "/tenants.d/alpha.json");
}

TEST_F(OfficeConfigTest, KeepsOtherAdaptersSettingsAsParsedValues) {
  // Built by hand: the fixture's tenant() already names a jsonfile adapter.
  const std::string rest = R"({"tenants": [{"id": "r", "name": "R",
      "creditor": {"name": "C", "iban": "DE89370400440532013000",
                   "address": {"street": "S", "zip": "1", "city": "B"}},
      "adapter": "rest",
      "settings": {"mapping": "lexoffice", "limits": {"rate": 5}, "scopes": ["a", "b"], "sandbox": true},
      "credentials": "env:MW_TEST_TOKEN", "policy": ")" +
                           policy_path() + R"(", "schedule": "every 30m"}]})";
  auto config = load_office_config(write("rest.json", rest));
  ASSERT_TRUE(config) << config.error().to_string();
  const auto& s = config->tenants[0].settings;
  EXPECT_EQ(s.at("mapping"), "lexoffice");
  EXPECT_EQ(s.at("limits.rate"), "5");
  EXPECT_EQ(s.at("scopes[1]"), "b");
  EXPECT_EQ(s.at("sandbox"), "true");
  EXPECT_EQ(config->tenants[0].schedule.interval_minutes, 30);
  ASSERT_TRUE(config->tenants[0].credentials);
  EXPECT_EQ(config->tenants[0].credentials->target, "MW_TEST_TOKEN");
}

struct BadCase {
  const char* what;
  std::string extra;    // spliced into the second tenant (tenants[1])
  std::string context;  // expected, after "office.json, "
  std::string message;  // a part of the expected message
};

TEST_F(OfficeConfigTest, EveryErrorNamesFileAndFieldPath) {
  const std::vector<BadCase> cases = {
      {"unknown field", R"("credential": "env:X",)", "tenants[1].credential", "unknown field"},
      {"bad id", R"("id": "a b",)", "tenants[1].id", "invalid tenant id"},
      {"bad iban",
       R"("creditor": {"name": "C", "iban": "DE00 3704 0044 0532 0130 00", "address": {"street": "S", "zip": "1", "city": "B"}},)",
       "tenants[1].creditor.iban", "not a valid IBAN"},
      {"missing iban", R"("creditor": {"name": "C", "address": {"street": "S", "zip": "1", "city": "B"}},)",
       "tenants[1].creditor.iban", "missing field"},
      {"missing city",
       R"("creditor": {"name": "C", "iban": "DE89370400440532013000", "address": {"street": "S", "zip": "1"}},)",
       "tenants[1].creditor.address.city", "missing field"},
      {"bad country",
       R"("creditor": {"name": "C", "iban": "DE89370400440532013000", "address": {"street": "S", "zip": "1", "city": "B", "country": "Germany"}},)",
       "tenants[1].creditor.address.country", "ISO 3166-1"},
      {"unknown adapter", R"("adapter": "sap",)", "tenants[1].adapter", "unknown adapter \"sap\""},
      {"jsonfile without outbox", R"("settings": {"inbox": "in"},)", "tenants[1].settings.outbox",
       "missing field"},
      {"inline secret", R"("credentials": "hunter2-abc",)", "tenants[1].credentials",
       "not a credentials reference"},
      {"env without name", R"("credentials": "env:",)", "tenants[1].credentials", "variable name"},
      {"missing policy file", R"("policy": "nope.json",)", "tenants[1].policy", "cannot open"},
      {"bad schedule", R"("schedule": "hourly",)", "tenants[1].schedule", "expected \"daily HH:MM\""},
      {"bad time", R"("schedule": "daily 25:00",)", "tenants[1].schedule", "got \"daily 25:00\""},
      {"interval too long", R"("schedule": "every 48h",)", "tenants[1].schedule",
       "between 1 minute and 24 hours"},
      {"bad time zone", R"("time_zone": "Berlin Time",)", "tenants[1].time_zone", "time zone"},
      {"bad approval", R"("approval": "sometimes",)", "tenants[1].approval", "unknown approval mode"},
      {"bad max_pull_age", R"("max_pull_age": "a day",)", "tenants[1].max_pull_age", "expected a duration"},
      {"bad language", R"("letters": {"language": "fr"},)", "tenants[1].letters.language",
       "unknown language"},
      {"bad channel", R"("letters": {"channel": "fax"},)", "tenants[1].letters.channel", "fax"},
      {"bad account", R"("accounts": {"fee_revenue": "84-00"},)", "tenants[1].accounts.fee_revenue",
       "digits"},
      {"duplicate id", R"("id": "first",)", "tenants[1].id", "duplicate tenant id \"first\""},
  };
  for (const auto& c : cases) {
    // A member given twice: RapidJSON keeps the first, so the changed member goes first.
    std::string second = tenant("second");
    second.insert(1, c.extra);
    const auto path = write("office.json", "{\"tenants\": [" + tenant("first") + ", " + second + "]}");
    const auto check = check_office_config(path, true);
    ASSERT_FALSE(check.ok()) << c.what;
    const auto& e = check.problems.front();
    EXPECT_EQ(e.kind, core::ErrorKind::kBadConfig) << c.what;
    EXPECT_EQ(e.context, path + ", " + c.context) << c.what << ": " << e.to_string();
    EXPECT_NE(e.message.find(c.message), std::string::npos) << c.what << ": " << e.to_string();
  }
}

TEST_F(OfficeConfigTest, ListsEveryProblemNotJustTheFirst) {
  std::string bad = tenant("b");
  bad.insert(1, R"("schedule": "often", "approval": "never",)");
  const auto path = write("office.json", "{\"tenants\": [" + bad + "], \"extra\": 1}");
  const auto check = check_office_config(path, false);
  ASSERT_EQ(check.problems.size(), 3U);
  EXPECT_EQ(check.problems[0].context, path + ", extra");
  EXPECT_EQ(check.problems[1].context, path + ", tenants[0].schedule");
  EXPECT_EQ(check.problems[2].context, path + ", tenants[0].approval");
  auto loaded = load_office_config(path);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("3 problems"), std::string::npos);
}

TEST_F(OfficeConfigTest, SyntaxErrorsNameFileAndLine) {
  const auto path = write("office.json", "{\n  \"tenants\": [\n    {\"id\": }\n  ]\n}\n");
  const auto check = check_office_config(path, false);
  ASSERT_EQ(check.problems.size(), 1U);
  EXPECT_EQ(check.problems[0].kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(check.problems[0].context, path + ", line 3, column 12");
}

TEST_F(OfficeConfigTest, IncludedFileErrorsNameThatFile) {
  std::string bad = tenant("b");
  bad.insert(1, R"("credentials": "plain-password",)");
  const auto included = write("tenants.d/b.json", bad);
  write("tenants.d/c.json", "{ broken");
  write("tenants.d/d.json", tenant("first"));
  const auto path =
      write("office.json", R"({"tenants_dir": "tenants.d", "tenants": [)" + tenant("first") + "]}");
  const auto check = check_office_config(path, false);
  ASSERT_EQ(check.problems.size(), 3U);
  EXPECT_EQ(check.problems[0].context, included + ", credentials");
  EXPECT_EQ(check.problems[1].context, dir_ + "/tenants.d/c.json, line 1, column 3");
  EXPECT_EQ(check.problems[2].context, dir_ + "/tenants.d/d.json, id");
  EXPECT_NE(check.problems[2].message.find("first in " + path + ", tenants[0]"), std::string::npos)
      << check.problems[2].message;
}

TEST_F(OfficeConfigTest, MissingTenantsDirAndNoTenantsAreErrors) {
  EXPECT_EQ(
      check_office_config(write("a.json", R"({"tenants_dir": "nowhere"})"), false).problems.at(0).context,
      dir_ + "/a.json, tenants_dir");
  EXPECT_NE(check_office_config(write("b.json", "{}"), false).problems.at(0).message.find("no tenants"),
            std::string::npos);
  EXPECT_EQ(check_office_config(dir_ + "/missing.json", false).problems.at(0).kind,
            core::ErrorKind::kBadConfig);
}

TEST_F(OfficeConfigTest, ResolvesEnvAndFileReferences) {
  ::setenv("MW_TEST_SECRET", kSecret, 1);
  auto env_ref = parse_credentials_ref("env:MW_TEST_SECRET", dir_);
  ASSERT_TRUE(env_ref);
  auto secret = resolve_secret(*env_ref);
  ASSERT_TRUE(secret) << secret.error().to_string();
  EXPECT_EQ(secret->reveal(), kSecret);

  write("keys/acme.key", std::string(kSecret) + "\n", fs::perms(0600));
  auto file_ref = parse_credentials_ref("file:keys/acme.key", dir_);
  ASSERT_TRUE(file_ref);
  EXPECT_EQ(file_ref->target, dir_ + "/keys/acme.key");
  auto from_file = resolve_secret(*file_ref);
  ASSERT_TRUE(from_file) << from_file.error().to_string();
  EXPECT_EQ(from_file->reveal(), kSecret);

  ::unsetenv("MW_TEST_UNSET");
  auto unset = resolve_secret(*parse_credentials_ref("env:MW_TEST_UNSET", dir_), "ctx");
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().context, "ctx");
  EXPECT_NE(unset.error().message.find("MW_TEST_UNSET is not set"), std::string::npos);
}

TEST_F(OfficeConfigTest, SecretsFileReadableByOthersIsRefused) {
  struct ModeCase {
    unsigned mode;
    bool accepted;
  };
  for (const auto& c : {ModeCase{0600, true}, ModeCase{0400, true}, ModeCase{0644, false},
                        ModeCase{0640, false}, ModeCase{0604, false}, ModeCase{0620, false}}) {
    const auto file = write("secret.key", kSecret, fs::perms(c.mode));
    auto secret = resolve_secret(*parse_credentials_ref("file:" + file, dir_));
    EXPECT_EQ(secret.ok(), c.accepted) << std::oct << c.mode;
    if (!secret) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", c.mode);
      EXPECT_NE(secret.error().message.find(file), std::string::npos);
      EXPECT_NE(secret.error().message.find(std::string("mode ") + mode), std::string::npos)
          << secret.error().message;
    }
  }
}

TEST_F(OfficeConfigTest, NoProblemEverContainsTheSecret) {
  ::setenv("MW_TEST_SECRET", kSecret, 1);
  write("open.key", kSecret, fs::perms(0644));
  std::string inline_secret = tenant("a");
  inline_secret.insert(1, std::string("\"credentials\": \"") + kSecret + "\",");
  std::string open_file = tenant("b");
  open_file.insert(1, R"("credentials": "file:open.key",)");
  std::string env_ok = tenant("c");
  env_ok.insert(1, R"("credentials": "env:MW_TEST_SECRET", "approval": "bad",)");
  const auto path =
      write("office.json", "{\"tenants\": [" + inline_secret + "," + open_file + "," + env_ok + "]}");
  const auto check = check_office_config(path, true);
  ASSERT_EQ(check.problems.size(), 3U);
  for (const auto& e : check.problems) {
    EXPECT_EQ(e.to_string().find(kSecret), std::string::npos) << e.to_string();
  }
  auto loaded = load_office_config(path);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().to_string().find(kSecret), std::string::npos);
}

TEST(Schedule, ParsesTheThreeForms) {
  struct Case {
    const char* text;
    bool ok;
    Schedule::Kind kind;
    int minute_of_day;
    int interval;
  };
  for (const auto& c : std::vector<Case>{{"daily 06:00", true, Schedule::Kind::kDaily, 360, 0},
                                         {"weekdays 23:59", true, Schedule::Kind::kWeekdays, 1439, 0},
                                         {"every 30m", true, Schedule::Kind::kEvery, 0, 30},
                                         {"every 2h", true, Schedule::Kind::kEvery, 0, 120},
                                         {"every 24h", true, Schedule::Kind::kEvery, 0, 1440},
                                         {"every 0m", false, {}, 0, 0},
                                         {"every 30", false, {}, 0, 0},
                                         {"every 30s", false, {}, 0, 0},
                                         {"daily 6:00", false, {}, 0, 0},
                                         {"daily 06:60", false, {}, 0, 0},
                                         {"daily", false, {}, 0, 0},
                                         {"", false, {}, 0, 0}}) {
    auto s = parse_schedule(c.text);
    ASSERT_EQ(s.ok(), c.ok) << c.text;
    if (!s) continue;
    EXPECT_EQ(s->kind, c.kind) << c.text;
    EXPECT_EQ(s->minute_of_day, c.minute_of_day) << c.text;
    EXPECT_EQ(s->interval_minutes, c.interval) << c.text;
    EXPECT_EQ(s->text, c.text);
  }
}

TEST(MaxPullAge, ParsesMinutesHoursAndDaysWithinLimits) {
  EXPECT_EQ(*parse_age_minutes("90m"), 90);
  EXPECT_EQ(*parse_age_minutes("26h"), 26 * 60);
  EXPECT_EQ(*parse_age_minutes("2d"), 2 * 24 * 60);
  for (const char* bad : {"", "h", "0m", "31d", "26", "26x", "-5h", "1.5h", "9999999m"}) {
    EXPECT_FALSE(parse_age_minutes(bad).ok()) << bad;
  }
}

TEST_F(OfficeConfigTest, LookupOrder) {
  ::setenv("MAHNWERK_CONFIG", "/from/env.json", 1);
  ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  EXPECT_EQ(*find_office_config("/from/flag.json"), "/from/flag.json");
  EXPECT_EQ(*find_office_config(""), "/from/env.json");
  ::unsetenv("MAHNWERK_CONFIG");
  const auto xdg = dir_ + "/mahnwerk/office.json";
  EXPECT_EQ(office_config_init_path(""), xdg);
  const auto candidates = office_config_candidates("");
  ASSERT_EQ(candidates.size(), 2U);
  EXPECT_EQ(candidates[1], "/etc/mahnwerk/office.json");
  write("mahnwerk/office.json", "{}");
  EXPECT_EQ(*find_office_config(""), xdg);
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", dir_.c_str(), 1);
  EXPECT_EQ(office_config_init_path(""), dir_ + "/.config/mahnwerk/office.json");
}

TEST_F(OfficeConfigTest, SkeletonIsAValidConfiguration) {
  const auto path = write("office.json", office_config_skeleton(policy_path()));
  const auto check = check_office_config(path, true);
  ASSERT_TRUE(check.ok()) << check.problems.front().to_string();
  ASSERT_EQ(check.config.tenants.size(), 1U);
  EXPECT_EQ(check.config.tenants[0].adapter, AdapterKind::kJsonfile);
}

TEST(OfficeExample, ShippedExampleIsValidApartFromItsSecrets) {
  const char* src = std::getenv("MAHNWERK_SOURCE_DIR");
  const auto check =
      check_office_config(std::string(src != nullptr ? src : ".") + "/config/office.example.json", false);
  ASSERT_TRUE(check.ok()) << check.problems.front().to_string();
  EXPECT_EQ(check.config.tenants.size(), 2U);
}

}  // namespace
}  // namespace mahnwerk::jsonfile
