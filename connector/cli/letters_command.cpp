// `mahnwerk letters`: the Mahnvorschlag's notices and the positive letters of the run's window
// (plan confirmations, thanks for partial payments and completed plans, installment reminders;
// core/events.h) as letters, one HTML and one plain-text file each in the debtor's language,
// rendered from the templates of config/templates. All letters are rendered before the first
// file is written: a broken template or a missing variable leaves the output folder as it was.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <system_error>

#include "adapters/jsonfile/json_util.h"
#include "adapters/jsonfile/policy_json.h"
#include "adapters/jsonfile/state_json.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/state_proposal.h"
#include "connector/core/claim.h"
#include "connector/core/events.h"
#include "connector/core/letter.h"
#include "connector/core/proposal.h"

namespace mahnwerk::cli {
namespace {

namespace fs = std::filesystem;

struct LettersArgs {
  std::string input;
  std::string policy;
  std::string as_of;
  std::string since;  // empty: as_of
  int reminder_days = 5;
  std::string out;
  std::string templates;
  LawOptions law;
};

core::Error bad_config(std::string message, std::string context = {}) {
  return core::Error{core::ErrorKind::kBadConfig, std::move(message), std::move(context)};
}

// The template folder: --templates, else the data directory's templates/ (found through its
// README, since find_data_file looks for files).
std::string templates_dir(const LettersArgs& args) {
  if (!args.templates.empty()) return args.templates;
  return fs::path(find_data_file("templates/README.md")).parent_path().string();
}

// Compiles every <language>/<name>.html|.txt below `dir`, in name order (deterministic errors).
core::Result<core::TemplateSet> load_templates(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return bad_config("letter templates not found (set --templates or MAHNWERK_DATA_DIR)", dir);
  }
  std::vector<fs::path> files;
  for (const auto& lang : fs::directory_iterator(dir, ec)) {
    if (!lang.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(lang.path(), ec)) {
      const auto ext = file.path().extension();
      if (file.is_regular_file() && (ext == ".html" || ext == ".txt")) files.push_back(file.path());
    }
  }
  if (ec) return bad_config("cannot list letter templates: " + ec.message(), dir);
  std::sort(files.begin(), files.end());
  core::TemplateSet set;
  for (const auto& path : files) {
    auto text = jsonfile::read_file(path.string());
    if (!text) return text.error();
    const auto format = path.extension() == ".html" ? core::LetterFormat::kHtml : core::LetterFormat::kText;
    const std::string lang = path.parent_path().filename().string();
    if (auto added = set.add(lang, path.stem().string(), format, *text); !added) {
      return added.error().within(dir);
    }
  }
  if (set.size() == 0) return bad_config("no letter templates (<language>/<name>.html, .txt)", dir);
  return set;
}

// Writes `text` to a temporary name in the same folder and renames it into place, so a reader
// never sees half a letter.
core::Status write_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      return core::Error{core::ErrorKind::kUnavailable, "cannot write letter", tmp.string()};
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return core::Error{core::ErrorKind::kUnavailable, "cannot write letter: " + ec.message(), path.string()};
  }
  return core::Ok{};
}

// A rendered letter and what its summary line needs: a notice, or else an event.
struct Rendered {
  core::Letter letter;
  const core::Notice* notice = nullptr;
  const core::LetterEvent* event = nullptr;
  std::string language;
};

std::string with_code(const core::Money& m) { return m.to_string() + " " + std::string(m.currency().code()); }

// The figures of a positive letter's summary line, per kind.
std::string event_summary(const core::LetterEvent& e) {
  const std::string on = e.amount_date ? core::format_date(*e.amount_date) : "";
  switch (e.kind) {
    case core::LetterEventKind::kPartialPayment:
      return "paid " + with_code(e.amount) + " on " + on + "  balance " + with_code(e.balance);
    case core::LetterEventKind::kPlanAgreed:
      return "plan " + e.plan->id + "  total " + with_code(e.plan->total) + " in " +
             std::to_string(e.plan->installments.size()) + " installment(s)";
    case core::LetterEventKind::kPlanCompleted:
      return "plan " + e.plan->id + "  total " + with_code(e.plan->total) + " paid on " + on;
    case core::LetterEventKind::kInstallmentReminder:
      return "plan " + e.plan->id + "  installment " + with_code(e.amount) + " due " + on;
  }
  return {};
}

// The first day of the positive letters' window: --since, else as_of; never after as_of.
core::Result<core::Date> window_start(const std::string& since, const core::Date& as_of) {
  if (since.empty()) return as_of;
  core::Date start;
  MW_ASSIGN_OR_RETURN(start, parse_date_option("--since", since));
  if (as_of < start) {
    return core::invalid_input(since + " lies after --as-of " + core::format_date(as_of) +
                                   " (the window runs from --since to --as-of)",
                               "--since");
  }
  return start;
}

int run(LettersArgs args) {
  auto as_of = parse_date_option("--as-of", args.as_of);
  if (!as_of) return report(as_of.error());
  auto since = window_start(args.since, *as_of);
  if (!since) return report(since.error());
  auto policy = jsonfile::load_policy(args.policy);
  if (!policy) return report(policy.error());
  if (args.law.region.empty()) args.law.region = policy->holiday_region;
  auto calendar = make_calendar(args.law);
  if (!calendar) return report(calendar.error());
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  auto templates = load_templates(templates_dir(args));
  if (!templates) return report(templates.error());
  auto document = jsonfile::load_state_document(args.input);
  if (!document) return report(document.error());
  const core::State* state = &document->state;
  auto proposal = propose_state_file(*document, *policy, *as_of, *table, *calendar);
  if (!proposal) return report(proposal.error().within(args.input));
  // Positive letters need the claims only for plain payments' balances; propose() keeps its own.
  auto claims = core::ClaimEngine(*table, *calendar, policy->claim).compute(*state, *as_of);
  if (!claims) return report(claims.error().within(args.input));
  auto events = core::positive_events(*state, *claims, *since, *as_of, args.reminder_days);
  if (!events) return report(events.error().within(args.input));

  std::vector<Rendered> letters;
  std::set<std::string> stems;
  for (const auto& notice : proposal->notices) {
    auto data = core::letter_data(notice, *state, *policy, *as_of);
    if (!data) return report(data.error().within(args.input));
    auto letter = core::render_letter(*templates, *data);
    if (!letter) return report(letter.error().within(templates_dir(args)));
    // One notice per debtor and currency: stems are unique by construction.
    if (!stems.insert(letter->file_stem).second) {
      return report(core::Error{core::ErrorKind::kInternal, "two letters named " + letter->file_stem, {}});
    }
    letters.push_back(Rendered{std::move(letter).value(), &notice, nullptr, data->language});
  }
  const std::size_t notices = letters.size();
  for (const auto& event : *events) {
    auto data = core::letter_data(event, *state);
    if (!data) return report(data.error().within(args.input));
    auto letter = core::render_letter(*templates, *data);
    if (!letter) return report(letter.error().within(templates_dir(args)));
    // positive_events() makes references unique per debtor and kind, and a notice's stem has
    // "_L<level>_" where an event's has its kind.
    if (!stems.insert(letter->file_stem).second) {
      return report(core::Error{core::ErrorKind::kInternal, "two letters named " + letter->file_stem, {}});
    }
    letters.push_back(Rendered{std::move(letter).value(), nullptr, &event, data->language});
  }

  std::error_code ec;
  fs::create_directories(args.out, ec);
  if (ec)
    return report(
        core::Error{core::ErrorKind::kUnavailable, "cannot create folder: " + ec.message(), args.out});
  for (const auto& r : letters) {
    for (const auto& [ext, text] : {std::pair{".html", &r.letter.html}, std::pair{".txt", &r.letter.text}}) {
      if (auto written = write_file(fs::path(args.out) / (r.letter.file_stem + ext), *text); !written) {
        return report(written.error());
      }
    }
    if (r.event != nullptr) {
      std::printf("%s  %s  %s  %s  %s\n", r.letter.file_stem.c_str(),
                  state->debtors[r.event->debtor_index].id.c_str(),
                  std::string(core::to_string(r.event->kind)).c_str(), r.language.c_str(),
                  event_summary(*r.event).c_str());
      continue;
    }
    const auto& debtor = state->debtors[r.notice->debtor_index];
    const auto& level = policy->levels[static_cast<std::size_t>(r.notice->level)];
    std::printf("%s  %s  %s  %s  %s %s  deadline %s  %s\n", r.letter.file_stem.c_str(), debtor.id.c_str(),
                level.name.c_str(), r.language.c_str(), r.notice->total.to_string().c_str(),
                std::string(r.notice->currency.code()).c_str(), core::format_date(r.notice->deadline).c_str(),
                std::string(core::to_string(level.channel)).c_str());
  }
  std::printf("%zu letter(s) as of %s written to %s: %zu notice(s), %zu positive letter(s)\n", letters.size(),
              core::format_date(*as_of).c_str(), args.out.c_str(), notices, letters.size() - notices);
  return kExitOk;
}

}  // namespace

void register_letters_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LettersArgs>();
  args->law.region.clear();  // default: the policy's holiday_region
  CLI::App* cmd = app.add_subcommand(
      "letters",
      "Render the Mahnvorschlag's notices and the positive letters (plan confirmations, thanks for payments, "
      "installment reminders) as letters (HTML and plain text) in each debtor's language");
  cmd->add_option("--input", args->input,
                  "canonical state JSON (creditor, debtors, items, payments, notices)")
      ->required();
  cmd->add_option("--policy", args->policy, "dunning policy JSON, e.g. config/policies/standard.json")
      ->required();
  cmd->add_option("--as-of", args->as_of, "the day of the run and the letters' date, YYYY-MM-DD")->required();
  cmd->add_option("--since", args->since,
                  "first day of the window for positive letters, YYYY-MM-DD (default: --as-of); give the day "
                  "after the previous run so that every letter goes out once");
  cmd->add_option("--reminder-days", args->reminder_days,
                  "remind of an installment this many days before its due date (0: no reminders)")
      ->default_val(5)
      ->check(CLI::Range(0, core::kMaxReminderDaysBefore));
  cmd->add_option("--out", args->out, "folder for the letters (<stem>.html, <stem>.txt); created if missing")
      ->required();
  cmd->add_option(
      "--templates", args->templates,
      "template folder with <language>/<name>.html|.txt; default: templates/ of the data directory");
  cmd->add_option("--basiszins", args->law.basiszins_file, "Basiszinssatz table (JSON)");
  cmd->add_option("--region", args->law.region, "holiday region for § 193 BGB (default: the policy's)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace mahnwerk::cli
