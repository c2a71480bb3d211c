// Letter data: turns a notice or an event into the variables of config/templates/README.md,
// formatting dates and amounts per language, and renders them through a TemplateSet.
#include "connector/core/letter.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <set>

#include "connector/core/interest.h"

namespace mahnwerk::core {
namespace {

enum class Lang { kDe, kEn };

Result<Lang> parse_language(const Debtor& debtor) {
  if (debtor.language.empty() || debtor.language == "de") return Lang::kDe;
  if (debtor.language == "en") return Lang::kEn;
  return invalid_input("no letters in language '" + debtor.language + "' (de, en)",
                       "debtor " + debtor.id + ", language");
}

std::string_view code_of(Lang lang) { return lang == Lang::kEn ? "en" : "de"; }

constexpr std::array<std::string_view, 12> kMonthsEn = {"January",   "February", "March",    "April",
                                                        "May",       "June",     "July",     "August",
                                                        "September", "October",  "November", "December"};

std::string format_date_in(Lang lang, const Date& date) {
  if (lang == Lang::kDe) return format_date_german(date);
  return std::to_string(day_of(date)) + " " + std::string(kMonthsEn[month_of(date) - 1]) + " " +
         std::to_string(year_of(date));
}

// "1,234.56" from the canonical "1234.56".
std::string format_money_en(const Money& money) {
  const std::string plain = money.to_string();
  const bool negative = !plain.empty() && plain.front() == '-';
  const std::string_view digits = std::string_view(plain).substr(negative ? 1 : 0);
  const std::size_t point = digits.find('.');
  const std::string_view whole = digits.substr(0, point);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return (negative ? "-" : "") + grouped +
         std::string(point == std::string_view::npos ? "" : digits.substr(point));
}

std::string format_money_in(Lang lang, const Money& money) {
  return lang == Lang::kDe ? money.to_german() : format_money_en(money);
}

// Country names for the last address line of foreign mail (DIN 5008: in capitals, the
// destination country in the sender's language or English).
struct CountryName {
  std::string_view code, de, en;
};
constexpr std::array<CountryName, 16> kCountries = {{
    {"AT", "ÖSTERREICH", "AUSTRIA"},
    {"BE", "BELGIEN", "BELGIUM"},
    {"CH", "SCHWEIZ", "SWITZERLAND"},
    {"CZ", "TSCHECHIEN", "CZECH REPUBLIC"},
    {"DE", "DEUTSCHLAND", "GERMANY"},
    {"DK", "DÄNEMARK", "DENMARK"},
    {"ES", "SPANIEN", "SPAIN"},
    {"FR", "FRANKREICH", "FRANCE"},
    {"GB", "VEREINIGTES KÖNIGREICH", "UNITED KINGDOM"},
    {"IE", "IRLAND", "IRELAND"},
    {"IT", "ITALIEN", "ITALY"},
    {"LU", "LUXEMBURG", "LUXEMBOURG"},
    {"NL", "NIEDERLANDE", "NETHERLANDS"},
    {"PL", "POLEN", "POLAND"},
    {"SE", "SCHWEDEN", "SWEDEN"},
    {"US", "VEREINIGTE STAATEN", "UNITED STATES"},
}};

std::string country_name(Lang lang, std::string_view code) {
  for (const auto& c : kCountries) {
    if (c.code == code) return std::string(lang == Lang::kDe ? c.de : c.en);
  }
  return std::string(code);
}

std::string join_nonempty(std::initializer_list<std::string_view> parts, std::string_view separator) {
  std::string out;
  for (const auto part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// Countries that write the town before the postcode ("London EC1A 1BB").
bool city_before_postcode(std::string_view country) {
  static constexpr std::array<std::string_view, 5> kCityFirst = {"AU", "CA", "GB", "IE", "US"};
  return std::find(kCityFirst.begin(), kCityFirst.end(), country) != kCityFirst.end();
}

std::string town_line(const Address& a) {
  return city_before_postcode(a.country) ? join_nonempty({a.city, a.zip}, " ")
                                         : join_nonempty({a.zip, a.city}, " ");
}

// Address lines; the country line only when the address is abroad as seen from `home`.
TemplateValue address_lines(Lang lang, const Address& a, std::string_view home) {
  TemplateValue lines = TemplateValue::list();
  if (!a.street.empty()) lines.push(a.street);
  if (std::string town = town_line(a); !town.empty()) lines.push(std::move(town));
  const std::string_view home_country = home.empty() ? "DE" : home;
  if (!a.country.empty() && a.country != home_country) lines.push(country_name(lang, a.country));
  return lines;
}

// An IBAN in groups of four ("DE02 1203 0000 ..."), the way DIN 5008 prints it.
std::string format_iban(std::string_view iban) {
  std::string out;
  std::size_t n = 0;
  for (const char c : iban) {
    if (c == ' ') continue;
    if (n > 0 && n % 4 == 0) out += ' ';
    out += c;
    ++n;
  }
  return out;
}

TemplateValue creditor_value(Lang lang, const Creditor& c, std::string_view debtor_country) {
  return TemplateValue::map()
      .set("name", c.name)
      .set("street", c.address.street)
      .set("zip", c.address.zip)
      .set("city", c.address.city)
      .set("country", c.address.country.empty() ? "" : country_name(lang, c.address.country))
      .set("address_lines", address_lines(lang, c.address, debtor_country.empty() ? "DE" : debtor_country))
      .set("sender_line", join_nonempty({c.name, c.address.street, town_line(c.address)}, " · "))
      .set("email", c.email)
      .set("phone", c.phone)
      .set("iban", format_iban(c.iban))
      .set("bic", c.bic)
      .set("bank", c.bank)
      .set("vat_id", c.vat_id);
}

TemplateValue debtor_value(Lang lang, const Debtor& d, std::string_view creditor_country) {
  return TemplateValue::map()
      .set("id", d.id)
      .set("name", d.name)
      .set("address_lines", address_lines(lang, d.address, creditor_country))
      .set("email", d.email)
      .set("consumer", is_consumer(d.kind))
      .set("business", !is_consumer(d.kind));
}

TemplateValue contact_value(const Creditor& c) {
  return TemplateValue::map()
      .set("email", c.email)
      .set("phone", c.phone)
      .set("available", !c.email.empty() || !c.phone.empty());
}

// FNV-1a, 32 bits: a stable short hash for file names (not for security).
std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t h = 2166136261U;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619U;
  }
  return h;
}

// Amounts of one table row or of the totals, formatted.
struct Amounts {
  Money open, interest, fee, flat_fee;
  Money fees() const { return fee + flat_fee; }
  Money total() const { return open + interest + fee + flat_fee; }
};

void set_amounts(TemplateValue& value, Lang lang, const Amounts& a) {
  value.set("open_amount", format_money_in(lang, a.open))
      .set("interest", format_money_in(lang, a.interest))
      .set("fee", format_money_in(lang, a.fee))
      .set("flat_fee", format_money_in(lang, a.flat_fee))
      .set("fees", format_money_in(lang, a.fees()))
      .set("total", format_money_in(lang, a.total()));
}

TemplateValue item_row(Lang lang, const OpenItem& item, const Amounts& amounts) {
  TemplateValue row =
      TemplateValue::map()
          .set("number", item.number)
          .set("invoice_date", format_date_in(lang, item.invoice_date))
          .set("due_date", item.due_date ? format_date_in(lang, *item.due_date)
                                         : std::string(lang == Lang::kDe ? "sofort" : "on receipt"));
  set_amounts(row, lang, amounts);
  return row;
}

Error internal(std::string message) { return Error{ErrorKind::kInternal, std::move(message), {}}; }

Status check_item_indexes(const State& state, const std::vector<std::size_t>& indexes) {
  for (const std::size_t i : indexes) {
    if (i >= state.items.size()) {
      return internal("item index " + std::to_string(i) + " outside the state's " +
                      std::to_string(state.items.size()) + " items");
    }
  }
  return Ok{};
}

// The statutory surcharge in percentage points over all items ("9", or "8 bzw. 9" when an old
// B2B contract is among them, Art. 229 § 34 EGBGB).
std::string interest_points(Lang lang, const State& state, const Debtor& debtor, const Notice& notice) {
  std::set<int> points;
  for (const auto& ni : notice.items) {
    points.insert(statutory_surcharge_bp(debtor.kind, state.items[ni.item_index].contract_date) / 100);
  }
  std::string out;
  for (const int p : points) {
    if (!out.empty()) out += lang == Lang::kDe ? " bzw. " : " or ";
    out += std::to_string(p);
  }
  return out;
}

// The debtor's agreed default-interest rate (§ 288 III BGB) when some interest charge of the
// notice is owed at it (above the statutory rate in at least one period), else 0.
int agreed_interest_bp(const Notice& notice) {
  int agreed = 0;
  for (const ProposedCharge& c : notice.charges) {
    if (c.kind == ChargeKind::kInterest) agreed = std::max(agreed, c.agreed_rate_bp);
  }
  return agreed;
}

// A rate in basis points as the letter's language writes it: "12,50" / "12.50".
std::string format_rate_in(Lang lang, int bp) {
  std::string text = format_percent_bp(bp);
  if (lang == Lang::kDe) std::replace(text.begin(), text.end(), '.', ',');
  return text;
}

// The latest earlier notice on any of these items, below this level: what the letter refers to
// ("trotz unserer Zahlungserinnerung vom ...").
std::optional<Date> previous_notice(const State& state, const Notice& notice, const Date& as_of) {
  std::optional<Date> latest;
  for (const auto& record : state.notices) {
    if (record.level >= notice.level || record.date > as_of) continue;
    const bool concerns = std::any_of(notice.items.begin(), notice.items.end(), [&](const NoticeItem& ni) {
      return state.items[ni.item_index].id == record.item;
    });
    if (concerns && (!latest || record.date > *latest)) latest = record.date;
  }
  return latest;
}

std::string number_word(Lang lang, int n) {
  static constexpr std::array<std::string_view, 13> kDe = {
      "", "", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"};
  static constexpr std::array<std::string_view, 13> kEn = {
      "", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"};
  if (n < 2 || n > 12) return std::to_string(n);
  return std::string(lang == Lang::kDe ? kDe[static_cast<std::size_t>(n)] : kEn[static_cast<std::size_t>(n)]);
}

std::string interval_words(Lang lang, PlanInterval interval) {
  switch (interval) {
    case PlanInterval::kMonthly:
      return lang == Lang::kDe ? "monatlich" : "monthly";
    case PlanInterval::kBiweekly:
      return lang == Lang::kDe ? "alle zwei Wochen" : "every two weeks";
    case PlanInterval::kWeekly:
      return lang == Lang::kDe ? "wöchentlich" : "weekly";
  }
  return {};
}

// The variables both kinds of letter share.
TemplateValue common_values(Lang lang, const State& state, const Debtor& debtor, const Date& date,
                            std::string_view kind, std::string_view file_stem, const Currency& currency) {
  return TemplateValue::map()
      .set("language", code_of(lang))
      .set("letter", TemplateValue::map()
                         .set("date", format_date_in(lang, date))
                         .set("date_iso", format_date(date))
                         .set("kind", kind)
                         .set("file_stem", file_stem))
      .set("creditor", creditor_value(lang, state.creditor, debtor.address.country))
      .set("debtor", debtor_value(lang, debtor, state.creditor.address.country))
      .set("contact", contact_value(state.creditor))
      .set("currency", currency.code());
}

TemplateValue plan_value(Lang lang, const PaymentPlan& plan, const Currency& currency, TemplateValue& rows) {
  Money paid = Money::zero(currency);
  for (std::size_t i = 0; i < plan.installments.size(); ++i) {
    const Installment& inst = plan.installments[i];
    paid += inst.paid;
    const Money open = max(inst.amount - inst.paid, Money::zero(currency));
    rows.push(TemplateValue::map()
                  .set("number", std::to_string(i + 1))
                  .set("due", format_date_in(lang, inst.due))
                  .set("due_iso", format_date(inst.due))
                  .set("amount", format_money_in(lang, inst.amount))
                  .set("paid", format_money_in(lang, inst.paid))
                  .set("open", format_money_in(lang, open))
                  .set("settled", open.is_zero()));
  }
  return TemplateValue::map()
      .set("id", plan.id)
      .set("agreed_on", format_date_in(lang, plan.agreed_on))
      .set("agreed_on_iso", format_date(plan.agreed_on))
      .set("principal", format_money_in(lang, plan.principal))
      .set("costs", format_money_in(lang, plan.costs))
      .set("interest", format_money_in(lang, plan.interest))
      .set("plan_interest", format_money_in(lang, plan.plan_interest))
      .set("has_plan_interest", plan.plan_interest.is_positive())
      .set("total", format_money_in(lang, plan.total))
      .set("paid", format_money_in(lang, paid))
      .set("remaining", format_money_in(lang, max(plan.total - paid, Money::zero(currency))))
      .set("installment_count", std::to_string(plan.installments.size()))
      .set("default_after_missed", std::to_string(plan.default_after_missed))
      .set("default_after_missed_words", number_word(lang, plan.default_after_missed))
      .set("interval", interval_words(lang, plan.interval));
}

// A letter must say who asks for the money and where to pay it.
Status check_creditor(const Creditor& c) {
  if (c.name.empty()) return invalid_input("letters need the creditor's name", "creditor.name");
  if (c.iban.empty()) return invalid_input("letters need the creditor's bank account", "creditor.iban");
  return Ok{};
}

bool needs_plan(LetterEventKind kind) { return kind != LetterEventKind::kPartialPayment; }

}  // namespace

std::string_view to_string(LetterEventKind kind) {
  switch (kind) {
    case LetterEventKind::kPartialPayment:
      return "partial_payment";
    case LetterEventKind::kPlanAgreed:
      return "plan_agreed";
    case LetterEventKind::kPlanCompleted:
      return "plan_completed";
    case LetterEventKind::kInstallmentReminder:
      return "installment_reminder";
  }
  return "unknown";
}

std::string_view extension(LetterFormat format) { return format == LetterFormat::kHtml ? "html" : "txt"; }

std::string file_name_component(std::string_view text) {
  if (text.empty()) return "none";
  std::string out;
  bool replaced = false;
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    out += keep ? c : '-';
    replaced = replaced || !keep;
  }
  // ".." or "." alone would name a directory.
  if (out.find_first_not_of('.') == std::string::npos) replaced = true;
  if (!replaced && out.size() <= 40) return out;
  if (out.size() > 32) out.resize(32);
  char hash[10];
  std::snprintf(hash, sizeof hash, "-%08x", fnv1a(text));
  return out + hash;
}

Result<LetterEvent> plan_letter_event(const State& state, const PaymentPlan& plan, LetterEventKind kind,
                                      const Date& date) {
  LetterEvent event;
  event.kind = kind;
  event.date = date;
  event.reference = plan.id;
  event.currency = plan.total.currency();
  const auto debtor = std::find_if(state.debtors.begin(), state.debtors.end(),
                                   [&](const Debtor& d) { return d.id == plan.debtor; });
  if (debtor == state.debtors.end()) {
    return invalid_input("unknown debtor '" + plan.debtor + "'", "plan " + plan.id + ", debtor");
  }
  event.debtor_index = static_cast<std::size_t>(debtor - state.debtors.begin());
  for (const auto& id : plan.items) {
    const auto item =
        std::find_if(state.items.begin(), state.items.end(), [&](const OpenItem& i) { return i.id == id; });
    if (item == state.items.end())
      return invalid_input("unknown item '" + id + "'", "plan " + plan.id + ", items");
    event.items.push_back(static_cast<std::size_t>(item - state.items.begin()));
  }
  Money paid = Money::zero(event.currency);
  for (const auto& inst : plan.installments) paid += inst.paid;
  event.amount = Money::zero(event.currency);
  event.balance = max(plan.total - paid, Money::zero(event.currency));
  event.plan = plan;
  return event;
}

Result<LetterData> letter_data(const Notice& notice, const State& state, const Policy& policy,
                               const Date& as_of) {
  if (notice.debtor_index >= state.debtors.size()) {
    return internal("notice for debtor index " + std::to_string(notice.debtor_index) +
                    " outside the state's " + std::to_string(state.debtors.size()) + " debtors");
  }
  if (notice.level < 0 || static_cast<std::size_t>(notice.level) >= policy.levels.size()) {
    return internal("notice at level " + std::to_string(notice.level) + " outside the policy's " +
                    std::to_string(policy.levels.size()) + " levels");
  }
  std::vector<std::size_t> indexes = notice.not_yet_due;
  for (const auto& ni : notice.items) indexes.push_back(ni.item_index);
  if (auto ok = check_item_indexes(state, indexes); !ok) return ok.error();
  for (const auto& ni : notice.items) {
    for (const Money& m : {ni.open_amount, ni.interest, ni.fee, ni.flat_fee}) {
      if (m.currency() != notice.currency) {
        return internal("item " + state.items[ni.item_index].number + " has amounts in " +
                        std::string(m.currency().code()) + " on a notice in " +
                        std::string(notice.currency.code()));
      }
    }
  }
  if (notice.total.currency() != notice.currency) return internal("notice total in another currency");
  if (auto ok = check_creditor(state.creditor); !ok) return ok.error();

  const Debtor& debtor = state.debtors[notice.debtor_index];
  Lang lang = Lang::kDe;
  MW_ASSIGN_OR_RETURN(lang, parse_language(debtor));
  const Level& level = policy.levels[static_cast<std::size_t>(notice.level)];
  const Currency currency = notice.currency;

  std::string stem = format_date(as_of) + "_" + file_name_component(debtor.id) + "_L" +
                     std::to_string(notice.level) + "_" + file_name_component(level.template_name);
  if (currency != Currency::eur()) stem += "_" + std::string(currency.code());

  TemplateValue rows = TemplateValue::list();
  Amounts sum{Money::zero(currency), Money::zero(currency), Money::zero(currency), Money::zero(currency)};
  for (const auto& ni : notice.items) {
    const Amounts a{ni.open_amount, ni.interest, ni.fee, ni.flat_fee};
    rows.push(item_row(lang, state.items[ni.item_index], a));
    sum = Amounts{sum.open + a.open, sum.interest + a.interest, sum.fee + a.fee, sum.flat_fee + a.flat_fee};
  }
  TemplateValue later = TemplateValue::list();
  for (const std::size_t i : notice.not_yet_due) {
    const OpenItem& item = state.items[i];
    const Money zero = Money::zero(item.currency());
    later.push(item_row(lang, item, Amounts{item.open_amount, zero, zero, zero}));
  }
  TemplateValue totals = TemplateValue::map();
  set_amounts(totals, lang, sum);
  totals.set("total", format_money_in(lang, notice.total));

  const std::optional<Date> previous = previous_notice(state, notice, as_of);
  const bool consumer = is_consumer(debtor.kind);
  const int agreed_bp = agreed_interest_bp(notice);
  TemplateValue n = TemplateValue::map()
                        .set("level", std::to_string(notice.level))
                        .set("level_number", std::to_string(notice.level + 1))
                        .set("level_name", level.name)
                        .set("tone", to_string(level.tone))
                        .set("friendly", level.tone == Tone::kFriendly)
                        .set("firm", level.tone == Tone::kFirm)
                        .set("final", level.tone == Tone::kFinal)
                        .set("announces_court", level.announces_court)
                        .set("consumer_hint", consumer && notice.level == 0)
                        .set("offer_installments", true)
                        .set("channel", to_string(level.channel))
                        .set("deadline", format_date_in(lang, notice.deadline))
                        .set("deadline_iso", format_date(notice.deadline))
                        .set("interest_claimed", sum.interest.is_positive())
                        .set("fee_claimed", sum.fee.is_positive())
                        .set("flat_fee_claimed", sum.flat_fee.is_positive())
                        .set("fees_claimed", sum.fees().is_positive())
                        .set("costs_claimed", sum.interest.is_positive() || sum.fees().is_positive())
                        .set("interest_points", interest_points(lang, state, debtor, notice))
                        .set("interest_subsection", consumer ? "1" : "2")
                        .set("interest_agreed", agreed_bp > 0)
                        .set("interest_agreed_rate", agreed_bp > 0 ? format_rate_in(lang, agreed_bp) : "")
                        .set("has_previous", previous.has_value())
                        .set("previous_date", previous ? format_date_in(lang, *previous) : "")
                        .set("has_not_yet_due", !notice.not_yet_due.empty())
                        .set("single_not_yet_due", notice.not_yet_due.size() == 1);

  TemplateValue values = common_values(lang, state, debtor, as_of, "notice", stem, currency);
  values.set("notice", std::move(n))
      .set("single_item", notice.items.size() == 1)
      .set("items", std::move(rows))
      .set("not_yet_due", std::move(later))
      .set("totals", std::move(totals));
  return LetterData{level.template_name, std::string(code_of(lang)), std::move(stem), std::move(values)};
}

Result<LetterData> letter_data(const LetterEvent& event, const State& state) {
  if (event.debtor_index >= state.debtors.size()) {
    return internal("event for debtor index " + std::to_string(event.debtor_index) + " outside the state's " +
                    std::to_string(state.debtors.size()) + " debtors");
  }
  if (auto ok = check_item_indexes(state, event.items); !ok) return ok.error();
  const std::string_view kind = to_string(event.kind);
  const auto other_currency = [&](const Money& m) { return m.currency() != event.currency; };
  const bool mixed = other_currency(event.amount) || other_currency(event.balance) ||
                     std::any_of(event.items.begin(), event.items.end(),
                                 [&](std::size_t i) { return other_currency(state.items[i].open_amount); }) ||
                     (event.plan && other_currency(event.plan->total));
  if (mixed) return internal("a " + std::string(kind) + " letter mixes currencies");
  if (auto ok = check_creditor(state.creditor); !ok) return ok.error();
  if (needs_plan(event.kind) && !event.plan) {
    return invalid_input("a " + std::string(kind) + " letter needs the payment plan", "letter event");
  }
  const Debtor& debtor = state.debtors[event.debtor_index];
  Lang lang = Lang::kDe;
  MW_ASSIGN_OR_RETURN(lang, parse_language(debtor));
  const Currency currency = event.currency;

  std::string stem = format_date(event.date) + "_" + file_name_component(debtor.id) + "_" + std::string(kind);
  if (!event.reference.empty()) stem += "_" + file_name_component(event.reference);

  TemplateValue rows = TemplateValue::list();
  Money open = Money::zero(currency);
  for (const std::size_t i : event.items) {
    const OpenItem& item = state.items[i];
    const Money zero = Money::zero(item.currency());
    rows.push(item_row(lang, item, Amounts{item.open_amount, zero, zero, zero}));
    open += item.open_amount;
  }
  TemplateValue e = TemplateValue::map()
                        .set("kind", kind)
                        .set("reference", event.reference)
                        .set("amount", format_money_in(lang, event.amount))
                        .set("amount_date", event.amount_date ? format_date_in(lang, *event.amount_date) : "")
                        .set("has_amount_date", event.amount_date.has_value())
                        .set("balance", format_money_in(lang, event.balance))
                        .set("balance_zero", event.balance.is_zero())
                        .set("deadline", event.deadline ? format_date_in(lang, *event.deadline) : "")
                        .set("has_deadline", event.deadline.has_value())
                        .set("items_open", format_money_in(lang, open))
                        // An installment reminder before its due date speaks of the future.
                        .set("before_due", event.amount_date.has_value() && *event.amount_date > event.date)
                        .set("on_plan", event.plan.has_value());

  TemplateValue values = common_values(lang, state, debtor, event.date, kind, stem, currency);
  values.set("event", std::move(e)).set("single_item", event.items.size() == 1).set("items", std::move(rows));
  if (event.plan) {
    TemplateValue installments = TemplateValue::list();
    values.set("plan", plan_value(lang, *event.plan, currency, installments));
    values.set("installments", std::move(installments));
  }
  return LetterData{std::string(kind), std::string(code_of(lang)), std::move(stem), std::move(values)};
}

Status TemplateSet::add(std::string_view language, std::string_view name, LetterFormat format,
                        std::string_view text) {
  std::string key = std::string(language) + "/" + std::string(name) + "." + std::string(extension(format));
  auto compiled = Template::parse(key, text);
  if (!compiled) {
    Error e = compiled.error();
    e.kind = ErrorKind::kBadConfig;
    return e;
  }
  templates_.insert_or_assign(std::move(key), std::move(compiled).value());
  return Ok{};
}

const Template* TemplateSet::find(std::string_view language, std::string_view name,
                                  LetterFormat format) const {
  const std::string key =
      std::string(language) + "/" + std::string(name) + "." + std::string(extension(format));
  auto it = templates_.find(key);
  return it == templates_.end() ? nullptr : &it->second;
}

std::vector<std::string> TemplateSet::keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, t] : templates_) keys.push_back(key);
  return keys;
}

Result<Letter> render_letter(const TemplateSet& templates, std::string_view template_name,
                             std::string_view language, const TemplateValue& data) {
  const TemplateValue* stem = data.find_path("letter.file_stem");
  if (stem == nullptr || !stem->is_text() || stem->text().empty()) {
    return internal("letter data without letter.file_stem");
  }
  // Both formats must exist before either is rendered: a letter goes out in both or not at all.
  constexpr std::array<LetterFormat, 2> kFormats = {LetterFormat::kHtml, LetterFormat::kText};
  std::array<const Template*, 2> found{};
  for (std::size_t i = 0; i < kFormats.size(); ++i) {
    found[i] = templates.find(language, template_name, kFormats[i]);
    if (found[i] == nullptr) {
      return Error{ErrorKind::kBadConfig,
                   "no template " + std::string(language) + "/" + std::string(template_name) + "." +
                       std::string(extension(kFormats[i])),
                   {}};
    }
  }
  Letter letter{stem->text(), {}, {}};
  for (std::size_t i = 0; i < kFormats.size(); ++i) {
    RenderResult r =
        found[i]->render(data, kFormats[i] == LetterFormat::kHtml ? Escape::kHtml : Escape::kNone);
    if (!r.missing.empty()) {
      std::string names;
      for (const auto& name : r.missing) names += (names.empty() ? "" : ", ") + name;
      return Error{ErrorKind::kBadConfig, "template uses names the letter data does not provide: " + names,
                   found[i]->name()};
    }
    (kFormats[i] == LetterFormat::kHtml ? letter.html : letter.text) = std::move(r.text);
  }
  return letter;
}

Result<Letter> render_letter(const TemplateSet& templates, const LetterData& data) {
  return render_letter(templates, data.template_name, data.language, data.values);
}

}  // namespace mahnwerk::core
