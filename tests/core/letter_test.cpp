// Letters from the real templates of config/templates: golden files for every letter kind in
// German and English (MAHNWERK_UPDATE_GOLDEN=1 rewrites tests/golden/letters/), every template
// complete for every branch, the legal paragraphs exactly where the law wants them, escaping.
// The notices are hand-made: these tests do not depend on the proposal engine.
#include "connector/core/letter.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace mahnwerk::core {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 7> kTemplateNames = {
    "reminder",    "mahnung",        "final_notice",        "partial_payment",
    "plan_agreed", "plan_completed", "installment_reminder"};

fs::path source_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::path(".");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Money eur(std::int64_t minor) { return Money(minor, Currency::eur()); }

// The shipped templates, read from the source tree (core itself does no I/O).
const TemplateSet& shipped_templates() {
  static const TemplateSet set = [] {
    TemplateSet s;
    for (const char* lang : {"de", "en"}) {
      for (const auto name : kTemplateNames) {
        for (const LetterFormat f : {LetterFormat::kHtml, LetterFormat::kText}) {
          const fs::path path = source_dir() / "config" / "templates" / lang /
                                (std::string(name) + "." + std::string(extension(f)));
          const std::string text = read_text(path);
          EXPECT_FALSE(text.empty()) << "missing template " << path;
          const Status added = s.add(lang, name, f, text);
          EXPECT_TRUE(added.ok()) << added.error().to_string();
        }
      }
    }
    return s;
  }();
  return set;
}

Debtor debtor(std::string id, std::string name, DebtorKind kind, std::string language, Address address) {
  Debtor d;
  d.id = std::move(id);
  d.name = std::move(name);
  d.kind = kind;
  d.language = std::move(language);
  d.address = std::move(address);
  return d;
}

OpenItem item(std::string id, std::string number, std::string debtor_id, Date invoice, Date due,
              std::int64_t open) {
  OpenItem i;
  i.id = std::move(id);
  i.number = std::move(number);
  i.debtor = std::move(debtor_id);
  i.invoice_date = invoice;
  i.due_date = due;
  i.amount = eur(open);
  i.open_amount = eur(open);
  return i;
}

// Debtors: 0 business de, 1 consumer de, 2 business en (abroad), 3 consumer en (abroad).
State sample_state() {
  State s;
  s.creditor.name = "Beispiel Haustechnik GmbH";
  s.creditor.address = {"Musterstraße 1", "10115", "Berlin", "DE"};
  s.creditor.email = "buchhaltung@beispiel-haustechnik.de";
  s.creditor.phone = "030 1234567-0";
  s.creditor.iban = "DE02120300000000202051";  // letters print it in groups of four
  s.creditor.bic = "BYLADEM1001";
  s.creditor.bank = "Deutsche Kreditbank Berlin";
  s.creditor.vat_id = "DE123456789";
  s.debtors.push_back(debtor("10001", "Müller & Söhne <GmbH>", DebtorKind::kBusiness, "de",
                             {"Hauptstraße 5", "50667", "Köln", "DE"}));
  s.debtors.push_back(debtor("10002", "Erika Mustermann", DebtorKind::kConsumer, "de",
                             {"Lindenweg 3", "80331", "München", "DE"}));
  s.debtors.push_back(debtor("20001", "Smith & Partners Ltd", DebtorKind::kBusiness, "en",
                             {"1 High Street", "EC1A 1BB", "London", "GB"}));
  s.debtors.push_back(
      debtor("20002", "John Doe", DebtorKind::kConsumer, "en", {"Ringstraße 10", "1010", "Wien", "AT"}));
  // 0..3: Erika's; 4: Müller's; 5: Smith's; 6: John's.
  s.items.push_back(
      item("101", "RE-2025-0101", "10002", make_date(2025, 5, 2), make_date(2025, 5, 16), 23800));
  s.items.push_back(
      item("117", "RE-2025-0117", "10002", make_date(2025, 5, 20), make_date(2025, 6, 3), 5950));
  s.items.push_back(
      item("150", "RE-2025-0150", "10002", make_date(2025, 6, 20), make_date(2025, 7, 4), 11900));
  s.items.push_back(
      item("151", "RE-2025-0151", "10002", make_date(2025, 6, 24), make_date(2025, 7, 8), 4760));
  s.items.push_back(
      item("42", "RE-2025-0042", "10001", make_date(2025, 4, 1), make_date(2025, 4, 30), 119000));
  s.items.push_back(
      item("77", "INV-2025-077", "20001", make_date(2025, 3, 3), make_date(2025, 4, 2), 123456));
  s.items.push_back(
      item("88", "INV-2025-088", "20002", make_date(2025, 4, 10), make_date(2025, 5, 10), 35000));
  s.notices.push_back(NoticeRecord{"42", 0, make_date(2025, 6, 2), std::nullopt});
  s.notices.push_back(NoticeRecord{"77", 1, make_date(2025, 6, 9), std::nullopt});
  s.notices.push_back(NoticeRecord{"101", 1, make_date(2025, 6, 16), std::nullopt});
  return s;
}

Level level(std::string name, std::string templ, Tone tone, bool court = false) {
  Level l;
  l.name = std::move(name);
  l.template_name = std::move(templ);
  l.tone = tone;
  l.announces_court = court;
  return l;
}

Policy sample_policy() {
  Policy p;
  p.name = "Standard";
  p.levels.push_back(level("Zahlungserinnerung", "reminder", Tone::kFriendly));
  p.levels.push_back(level("1. Mahnung", "mahnung", Tone::kFirm));
  p.levels.push_back(level("Letzte Mahnung", "final_notice", Tone::kFinal, true));
  return p;
}

const Date kAsOf = make_date(2025, 6, 30);

NoticeItem notice_item(std::size_t index, int lvl, std::int64_t open, std::int64_t interest = 0,
                       std::int64_t fee = 0, std::int64_t flat_fee = 0) {
  return NoticeItem{index, lvl, true, eur(open), eur(interest), eur(fee), eur(flat_fee)};
}

Notice notice(std::size_t debtor_index, int lvl, std::vector<NoticeItem> items,
              std::vector<std::size_t> later = {}) {
  Notice n;
  n.debtor_index = debtor_index;
  n.level = lvl;
  n.total = eur(0);
  for (const auto& i : items) n.total += i.open_amount + i.interest + i.fee + i.flat_fee;
  n.items = std::move(items);
  n.not_yet_due = std::move(later);
  n.deadline = make_date(2025, 7, 14);
  return n;
}

// The hand-made notices of the golden cases, by name.
struct NoticeCase {
  const char* name;
  Notice notice;
};

std::vector<NoticeCase> notice_cases() {
  return {
      // Erika (consumer): a friendly reminder with two items and one not yet due.
      {"de_reminder_consumer", notice(1, 0, {notice_item(0, 0, 23800), notice_item(1, 0, 5950)}, {2, 3})},
      {"de_reminder_business", notice(0, 0, {notice_item(4, 0, 119000)})},
      // Müller (B2B): interest 9 pp + 2.27 % on 1,190.00 for 61 days = 22.41; € 40 flat fee.
      {"de_mahnung_business", notice(0, 1, {notice_item(4, 1, 119000, 2241, 0, 4000)})},
      // Erika at the last level: interest 5 pp + 2.27 %, the letter's material cost as fee.
      {"de_final_notice_consumer",
       notice(1, 2, {notice_item(0, 2, 23800, 213, 76), notice_item(1, 2, 5950, 32)})},
      {"en_reminder_business", notice(2, 0, {notice_item(5, 0, 123456)})},
      {"en_mahnung_consumer", notice(3, 1, {notice_item(6, 1, 35000, 358, 76)})},
      {"en_final_notice_business", notice(2, 2, {notice_item(5, 2, 123456, 3364)})},
  };
}

// Three monthly installments: two of 100.00, the first takes the rest.
PaymentPlan sample_plan(std::string debtor_id, std::vector<std::string> items, std::int64_t principal,
                        std::int64_t costs, std::int64_t interest) {
  PaymentPlan plan;
  plan.id = "RP-2025-007";
  plan.debtor = std::move(debtor_id);
  plan.items = std::move(items);
  plan.agreed_on = make_date(2025, 7, 1);
  plan.principal = eur(principal);
  plan.costs = eur(costs);
  plan.interest = eur(interest);
  plan.plan_interest = eur(0);
  plan.total = eur(principal + costs + interest);
  plan.installments = {{make_date(2025, 7, 15), eur(principal + costs + interest - 20000), eur(0)},
                       {make_date(2025, 8, 15), eur(10000), eur(0)},
                       {make_date(2025, 9, 15), eur(10000), eur(0)}};
  return plan;
}

struct EventCase {
  const char* name;
  LetterEvent event;
};

std::vector<EventCase> event_cases(const State& state) {
  std::vector<EventCase> cases;
  {
    LetterEvent e;
    e.kind = LetterEventKind::kPartialPayment;
    e.debtor_index = 1;
    e.date = make_date(2025, 6, 27);
    e.reference = "Überweisung 25.06.";
    e.items = {0};  // RE-2025-0117 is paid; RE-2025-0101 remains
    e.amount = eur(5950);
    e.amount_date = make_date(2025, 6, 25);
    e.balance = eur(23800);
    e.deadline = make_date(2025, 7, 11);
    cases.push_back({"de_partial_payment", e});
    e.debtor_index = 2;
    e.reference = "BACS 0625";
    e.items = {};
    e.amount = eur(123456);
    e.balance = eur(0);
    e.deadline.reset();
    cases.push_back({"en_partial_payment", e});
  }
  const std::vector<std::pair<std::string, PaymentPlan>> plans = {
      {"de", sample_plan("10002", {"101", "117"}, 29750, 76, 245)},
      {"en", sample_plan("20002", {"88"}, 35000, 76, 358)}};
  for (const auto& [lang, plan] : plans) {
    LetterEvent agreed =
        plan_letter_event(state, plan, LetterEventKind::kPlanAgreed, make_date(2025, 7, 1)).value();
    cases.push_back({lang == "de" ? "de_plan_agreed" : "en_plan_agreed", agreed});

    PaymentPlan late = plan;
    late.installments[0].paid = late.installments[0].amount;
    LetterEvent reminder =
        plan_letter_event(state, late, LetterEventKind::kInstallmentReminder, make_date(2025, 8, 25)).value();
    reminder.amount = eur(10000);
    reminder.amount_date = make_date(2025, 8, 15);
    reminder.deadline = make_date(2025, 9, 1);
    cases.push_back({lang == "de" ? "de_installment_reminder" : "en_installment_reminder", reminder});

    PaymentPlan done = plan;
    for (auto& inst : done.installments) inst.paid = inst.amount;
    done.status = PlanStatus::kCompleted;
    LetterEvent completed =
        plan_letter_event(state, done, LetterEventKind::kPlanCompleted, make_date(2025, 9, 17)).value();
    completed.amount_date = make_date(2025, 9, 15);
    cases.push_back({lang == "de" ? "de_plan_completed" : "en_plan_completed", completed});
  }
  return cases;
}

bool update_golden() {
  const char* v = std::getenv("MAHNWERK_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

void expect_golden(const std::string& file, const std::string& actual) {
  const fs::path path = source_dir() / "tests" / "golden" / "letters" / file;
  if (update_golden()) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " missing; run the test with MAHNWERK_UPDATE_GOLDEN=1";
  EXPECT_EQ(read_text(path), actual) << "differs from " << path << " (MAHNWERK_UPDATE_GOLDEN=1 rewrites it)";
}

Letter render_notice(const Notice& n, const State& state = sample_state(),
                     const Policy& policy = sample_policy()) {
  auto data = letter_data(n, state, policy, kAsOf);
  EXPECT_TRUE(data.ok()) << data.error().to_string();
  auto letter = render_letter(shipped_templates(), *data);
  EXPECT_TRUE(letter.ok()) << letter.error().to_string();
  return letter.ok() ? *letter : Letter{};
}

Notice case_notice(std::string_view name) {
  for (auto& c : notice_cases()) {
    if (c.name == name) return c.notice;
  }
  ADD_FAILURE() << "no case " << name;
  return {};
}

TEST(Letter, NoticesMatchGoldenFiles) {
  for (const auto& c : notice_cases()) {
    SCOPED_TRACE(c.name);
    const Letter letter = render_notice(c.notice);
    expect_golden(std::string(c.name) + ".html", letter.html);
    expect_golden(std::string(c.name) + ".txt", letter.text);
  }
}

TEST(Letter, EventsMatchGoldenFiles) {
  const State state = sample_state();
  for (const auto& c : event_cases(state)) {
    SCOPED_TRACE(c.name);
    auto data = letter_data(c.event, state);
    ASSERT_TRUE(data.ok()) << data.error().to_string();
    auto letter = render_letter(shipped_templates(), *data);
    ASSERT_TRUE(letter.ok()) << letter.error().to_string();
    expect_golden(std::string(c.name) + ".html", letter->html);
    expect_golden(std::string(c.name) + ".txt", letter->text);
  }
}

// Every flag of the data set to `on`: with all flags true every section is entered, with all
// false every inverted section; together they reach every name of a template.
TemplateValue with_all_flags(const TemplateValue& v, bool on) {
  if (v.is_flag()) return TemplateValue(on);
  if (v.is_list()) {
    TemplateValue out = TemplateValue::list();
    for (const auto& e : v.items()) out.push(with_all_flags(e, on));
    return out;
  }
  if (v.is_map()) {
    TemplateValue out = TemplateValue::map();
    for (const auto& [key, member] : v.members()) out.set(key, with_all_flags(member, on));
    return out;
  }
  return v;
}

void expect_complete(const std::string& label, const std::string& name, const LetterData& data) {
  for (const bool on : {true, false}) {
    const TemplateValue values = with_all_flags(data.values, on);
    for (const LetterFormat f : {LetterFormat::kHtml, LetterFormat::kText}) {
      const Template* t = shipped_templates().find(data.language, name, f);
      ASSERT_NE(t, nullptr) << data.language << "/" << name;
      const RenderResult r = t->render(values, f == LetterFormat::kHtml ? Escape::kHtml : Escape::kNone);
      std::string missing;
      for (const auto& m : r.missing) missing += m + " ";
      EXPECT_TRUE(r.missing.empty()) << label << ": " << t->name() << " (flags " << on << ") misses "
                                     << missing;
    }
  }
}

TEST(Letter, NoTemplateMissesAVariableOnAnyBranch) {
  const State state = sample_state();
  const Policy policy = sample_policy();
  for (const auto& c : notice_cases()) {
    auto data = letter_data(c.notice, state, policy, kAsOf);
    ASSERT_TRUE(data.ok());
    // Each notice's data must fill all three notice templates, not only its own.
    for (const char* name : {"reminder", "mahnung", "final_notice"}) expect_complete(c.name, name, *data);
  }
  for (const auto& c : event_cases(state)) {
    auto data = letter_data(c.event, state);
    ASSERT_TRUE(data.ok());
    expect_complete(c.name, data->template_name, *data);
  }
}

TEST(Letter, ReadmeDocumentsEveryVariableTheTemplatesUse) {
  const std::string readme = read_text(source_dir() / "config" / "templates" / "README.md");
  ASSERT_FALSE(readme.empty());
  for (const char* lang : {"de", "en"}) {
    for (const auto name : kTemplateNames) {
      for (const LetterFormat f : {LetterFormat::kHtml, LetterFormat::kText}) {
        const Template* t = shipped_templates().find(lang, name, f);
        ASSERT_NE(t, nullptr);
        for (const auto& n : t->names()) {
          if (n == ".") continue;
          const bool documented = readme.find("`" + n + "`") != std::string::npos ||
                                  readme.find("[]." + n + "`") != std::string::npos;
          EXPECT_TRUE(documented) << t->name() << " uses " << n << ", not documented in README.md";
        }
      }
    }
  }
}

TEST(Letter, ConsumerHintOnlyForConsumersAtTheFirstLevel) {
  const std::string de_hint =
      "spätestens 30 Tage nach Fälligkeit und Zugang dieser Rechnungen in Verzug geraten "
      "(§ 286 Abs. 3 BGB)";
  const Letter consumer = render_notice(case_notice("de_reminder_consumer"));
  EXPECT_NE(consumer.html.find(de_hint), std::string::npos);
  EXPECT_NE(consumer.text.find(de_hint), std::string::npos);
  EXPECT_EQ(render_notice(case_notice("de_reminder_business")).text.find("§ 286"), std::string::npos);
  EXPECT_EQ(render_notice(case_notice("de_final_notice_consumer")).text.find("§ 286"), std::string::npos);
  EXPECT_EQ(render_notice(case_notice("en_mahnung_consumer")).text.find("section 286"), std::string::npos);

  // An English consumer at the first level gets the English wording.
  Notice en_first = case_notice("en_mahnung_consumer");
  en_first.level = 0;
  const Letter en = render_notice(en_first);
  EXPECT_NE(
      en.text.find("no later than 30 days after the due date and receipt of this invoice (section 286 (3)"),
      std::string::npos)
      << en.text;
}

TEST(Letter, CourtProcedureAnnouncedOnlyAtTheFinalLevel) {
  for (const auto& c : notice_cases()) {
    SCOPED_TRACE(c.name);
    const Letter letter = render_notice(c.notice);
    const bool final_level = c.notice.level == 2;
    const bool german = std::string(c.name).starts_with("de");
    const std::string mark = german ? "§§ 688 ff. ZPO" : "sections 688 et seq.";
    EXPECT_EQ(letter.html.find(mark) != std::string::npos, final_level);
    EXPECT_EQ(letter.text.find(mark) != std::string::npos, final_level);
  }
  // A last level that does not announce the court (e.g. Inkasso next) says nothing about it.
  Policy no_court = sample_policy();
  no_court.levels[2].announces_court = false;
  const Letter letter = render_notice(case_notice("de_final_notice_consumer"), sample_state(), no_court);
  EXPECT_EQ(letter.text.find("Mahnverfahren"), std::string::npos);
  EXPECT_NE(letter.text.find("Letzte Mahnung"), std::string::npos);
}

TEST(Letter, HtmlEscapesTheDebtorNameAndTextKeepsIt) {
  const Letter letter = render_notice(case_notice("de_mahnung_business"));
  EXPECT_NE(letter.html.find("Müller &amp; Söhne &lt;GmbH&gt;"), std::string::npos);
  EXPECT_EQ(letter.html.find("<GmbH>"), std::string::npos);
  EXPECT_NE(letter.text.find("Müller & Söhne <GmbH>"), std::string::npos);
}

TEST(Letter, FileStemsAreDeterministicAndSafe) {
  const State state = sample_state();
  auto data = letter_data(case_notice("de_mahnung_business"), state, sample_policy(), kAsOf);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->file_stem, "2025-06-30_10001_L1_mahnung");
  EXPECT_EQ(render_notice(case_notice("de_mahnung_business")).file_stem, "2025-06-30_10001_L1_mahnung");

  const Currency dollar = Currency::from_code("USD").value();
  Notice usd = case_notice("de_mahnung_business");
  usd.currency = dollar;
  EXPECT_EQ(letter_data(usd, state, sample_policy(), kAsOf).error().kind,
            ErrorKind::kInternal);  // EUR amounts
  for (auto& i : usd.items) {
    i = NoticeItem{
        i.item_index,       i.level, true, Money(100, dollar), Money::zero(dollar), Money::zero(dollar),
        Money::zero(dollar)};
  }
  usd.total = Money(100, dollar);
  EXPECT_EQ(letter_data(usd, state, sample_policy(), kAsOf)->file_stem, "2025-06-30_10001_L1_mahnung_USD");

  const auto events = event_cases(state);
  EXPECT_EQ(letter_data(events[0].event, state)->file_stem,
            "2025-06-27_10002_partial_payment_" + file_name_component("Überweisung 25.06."));
  EXPECT_EQ(letter_data(events[2].event, state)->file_stem, "2025-07-01_10002_plan_agreed_RP-2025-007");
}

TEST(Letter, FileNameComponentKeepsSafeTextAndHashesTheRest) {
  EXPECT_EQ(file_name_component("10001"), "10001");
  EXPECT_EQ(file_name_component("RP-2025_007.a"), "RP-2025_007.a");
  EXPECT_EQ(file_name_component(""), "none");
  const std::string slash = file_name_component("a/b");
  EXPECT_TRUE(slash.starts_with("a-b-")) << slash;
  EXPECT_EQ(slash.size(), 3u + 9u);
  EXPECT_NE(slash, file_name_component("a-b"));
  EXPECT_NE(slash, file_name_component("a\\b"));
  EXPECT_TRUE(file_name_component("..").starts_with("..-"));
  const std::string long_id(60, 'x');
  EXPECT_EQ(file_name_component(long_id).size(), 32u + 9u);
  for (const char c : file_name_component("../../etc/passwd\n")) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') << c;
  }
}

TEST(Letter, EnglishDatesAndAmounts) {
  auto data = letter_data(case_notice("en_reminder_business"), sample_state(), sample_policy(), kAsOf);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->language, "en");
  EXPECT_EQ(data->values.find_path("letter.date")->text(), "30 June 2025");
  EXPECT_EQ(data->values.find_path("totals.total")->text(), "1,234.56");
  EXPECT_EQ(data->values.find_path("notice.deadline")->text(), "14 July 2025");
  // A creditor in Germany writing to London: the country is the address's last line.
  EXPECT_EQ(data->values.find_path("debtor.address_lines")->items().back().text(), "UNITED KINGDOM");
}

TEST(Letter, GermanDatesAmountsAndLegalFigures) {
  auto data = letter_data(case_notice("de_mahnung_business"), sample_state(), sample_policy(), kAsOf);
  ASSERT_TRUE(data.ok());
  const TemplateValue& v = data->values;
  EXPECT_EQ(v.find_path("letter.date")->text(), "30.06.2025");
  EXPECT_EQ(v.find_path("totals.total")->text(), "1.252,41");
  EXPECT_EQ(v.find_path("notice.interest_points")->text(), "9");
  EXPECT_EQ(v.find_path("notice.interest_subsection")->text(), "2");
  EXPECT_EQ(v.find_path("notice.previous_date")->text(), "02.06.2025");
  EXPECT_TRUE(v.find_path("notice.firm")->flag());
  EXPECT_FALSE(v.find_path("notice.consumer_hint")->flag());
  EXPECT_EQ(v.find_path("debtor.address_lines")->items().size(), 2u);  // domestic: no country line
}

// § 288 III BGB: interest owed at the debtor's agreed rate is announced as that rate, with the
// statutory rate as its minimum, not as the statutory rate alone.
TEST(Letter, InterestAtAnAgreedRateIsAnnouncedAsAgreed) {
  for (const char* name : {"de_mahnung_business", "en_final_notice_business"}) {
    SCOPED_TRACE(name);
    Notice n = case_notice(name);
    const std::string statutory = render_notice(n).text;
    // The proposal's interest charge, owed at the agreed rate (the amounts come from the items).
    ProposedCharge c;
    c.kind = ChargeKind::kInterest;
    c.item_index = n.items[0].item_index;
    c.amount = n.items[0].interest;
    c.level = n.level;
    c.surcharge_bp = 900;
    c.agreed_rate_bp = 1250;
    n.charges.push_back(c);
    const Letter agreed = render_notice(n);
    const bool de = std::string_view(name).starts_with("de");
    EXPECT_NE(agreed.text.find(
                  de ? "in vereinbarter Höhe von 12,50 % p. a., mindestens in gesetzlicher Höhe von 9 "
                       "Prozentpunkten über dem jeweiligen Basiszinssatz (§ 288 Abs. 2 und Abs. 3 BGB)"
                     : "at the agreed rate of 12.50 % a year, at least the statutory 9 percentage points"),
              std::string::npos)
        << agreed.text;
    EXPECT_NE(agreed.html.find(de ? "12,50 % p. a." : "12.50 % a year"), std::string::npos);
    EXPECT_EQ(agreed.text.find(
                  de ? "in gesetzlicher Höhe von 9 Prozentpunkten über dem jeweiligen Basiszinssatz (§ 288 "
                       "Abs. 2 BGB)"
                     : "Statutory default interest"),
              std::string::npos)
        << agreed.text;
    EXPECT_EQ(statutory.find(de ? "vereinbart" : "agreed rate"), std::string::npos);
  }
}

TEST(Letter, InvalidInputsAreErrorsNotCrashes) {
  const State state = sample_state();
  Notice bad = case_notice("de_reminder_business");
  bad.debtor_index = 99;
  EXPECT_EQ(letter_data(bad, state, sample_policy(), kAsOf).error().kind, ErrorKind::kInternal);
  bad = case_notice("de_reminder_business");
  bad.level = 3;
  EXPECT_EQ(letter_data(bad, state, sample_policy(), kAsOf).error().kind, ErrorKind::kInternal);
  bad = case_notice("de_reminder_business");
  bad.not_yet_due = {1000};
  EXPECT_EQ(letter_data(bad, state, sample_policy(), kAsOf).error().kind, ErrorKind::kInternal);

  State french = state;
  french.debtors[0].language = "fr";
  auto fr = letter_data(case_notice("de_reminder_business"), french, sample_policy(), kAsOf);
  ASSERT_FALSE(fr.ok());
  EXPECT_EQ(fr.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(fr.error().message.find("'fr'"), std::string::npos);

  State anonymous = state;
  anonymous.creditor.iban.clear();
  auto no_bank = letter_data(case_notice("de_reminder_business"), anonymous, sample_policy(), kAsOf);
  ASSERT_FALSE(no_bank.ok());
  EXPECT_EQ(no_bank.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(no_bank.error().context, "creditor.iban");
  anonymous.creditor.name.clear();
  EXPECT_EQ(letter_data(event_cases(state)[0].event, anonymous).error().context, "creditor.name");

  LetterEvent no_plan;
  no_plan.kind = LetterEventKind::kPlanAgreed;
  EXPECT_EQ(letter_data(no_plan, state).error().kind, ErrorKind::kInvalidInput);

  PaymentPlan stranger = sample_plan("nobody", {}, 100, 0, 0);
  EXPECT_EQ(plan_letter_event(state, stranger, LetterEventKind::kPlanAgreed, kAsOf).error().kind,
            ErrorKind::kInvalidInput);
}

TEST(Letter, PlanLetterEventTakesFiguresFromThePlan) {
  const State state = sample_state();
  PaymentPlan plan = sample_plan("10002", {"101", "117"}, 29750, 76, 245);
  plan.installments[0].paid = eur(10071);
  auto event = plan_letter_event(state, plan, LetterEventKind::kInstallmentReminder, kAsOf);
  ASSERT_TRUE(event.ok()) << event.error().to_string();
  EXPECT_EQ(event->debtor_index, 1u);
  EXPECT_EQ(event->items, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(event->balance, eur(20000));
  EXPECT_EQ(event->reference, "RP-2025-007");
}

TEST(Letter, RenderRefusesIncompleteTemplatesAndData) {
  TemplateSet set;
  ASSERT_TRUE(set.add("de", "x", LetterFormat::kHtml, "{{debtor.name}}{{totals.totl}}").ok());
  const auto data = TemplateValue::map()
                        .set("letter", TemplateValue::map().set("file_stem", "stem"))
                        .set("debtor", TemplateValue::map().set("name", "A"));
  auto no_text = render_letter(set, "x", "de", data);
  ASSERT_FALSE(no_text.ok());
  EXPECT_EQ(no_text.error().kind, ErrorKind::kBadConfig);
  EXPECT_NE(no_text.error().message.find("de/x.txt"), std::string::npos);

  ASSERT_TRUE(set.add("de", "x", LetterFormat::kText, "{{debtor.name}}").ok());
  auto missing = render_letter(set, "x", "de", data);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kBadConfig);
  EXPECT_NE(missing.error().message.find("totals.totl"), std::string::npos);
  EXPECT_EQ(missing.error().context, "de/x.html");

  auto broken = set.add("en", "y", LetterFormat::kHtml, "line\n{{#items}}");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().kind, ErrorKind::kBadConfig);
  EXPECT_EQ(broken.error().context, "en/y.html, line 2, column 1");

  auto no_stem = render_letter(shipped_templates(), "reminder", "de", TemplateValue::map());
  EXPECT_EQ(no_stem.error().kind, ErrorKind::kInternal);
}

TEST(Letter, EveryShippedTemplateIsPresentInBothLanguagesAndFormats) {
  EXPECT_EQ(shipped_templates().size(), 2u * kTemplateNames.size() * 2u);
}

}  // namespace
}  // namespace mahnwerk::core
