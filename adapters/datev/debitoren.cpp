// Debitoren/Kreditoren records -> DebtorRecord, and the debtor's dunning settings -> Policy.
#include "adapters/datev/debitoren.h"

#include <charconv>
#include <utility>

#include "adapters/datev/open_items.h"

namespace mahnwerk::datev {
namespace {

constexpr ColumnName kNames[] = {
    {dk::kKonto, "Konto"},
    {dk::kNameUnternehmen, "Name (Adressattyp Unternehmen)"},
    {dk::kNameNatPerson, "Name (Adressattyp natürl. Person)"},
    {dk::kVornameNatPerson, "Vorname (Adressattyp natürl. Person)"},
    {dk::kNameKeineAngabe, "Name (Adressattyp keine Angabe)"},
    {dk::kAdressattyp, "Adressattyp"},
    {dk::kStrasse, "Straße"},
    {dk::kPostleitzahl, "Postleitzahl"},
    {dk::kOrt, "Ort"},
    {dk::kLand, "Land"},
    {dk::kEmail, "E-Mail"},
    {dk::kSprache, "Sprache"},
    {dk::kFaelligkeitTage, "Fälligkeit in Tagen (Debitor)"},
    {dk::kMahnung, "Mahnung"},
    {dk::kMahnlimitBetrag, "Mahnlimit Betrag"},
    {dk::kMahnlimitProzent, "Mahnlimit %"},
    {dk::kZinsberechnung, "Zinsberechnung"},
    {dk::kMahnzinssatz1, "Mahnzinssatz 1"},
    {dk::kMahnzinssatz1 + 1, "Mahnzinssatz 2"},
    {dk::kMahnzinssatz1 + 2, "Mahnzinssatz 3"},
    {dk::kInsolvent, "Insolvent"},
    {dk::kMahnsperreBis, "Mahnsperre bis"},
    {dk::kGebuehrenberechnung, "Gebührenberechnung"},
    {dk::kMahngebuehr1, "Mahngebühr 1"},
    {dk::kMahngebuehr1 + 1, "Mahngebühr 2"},
    {dk::kMahngebuehr1 + 2, "Mahngebühr 3"},
    {dk::kPauschalenberechnung, "Pauschalenberechnung"},
    {dk::kVerzugspauschale1, "Verzugspauschale 1"},
    {dk::kVerzugspauschale1 + 1, "Verzugspauschale 2"},
    {dk::kVerzugspauschale1 + 2, "Verzugspauschale 3"},
    {dk::kFristberechnung, "Fristberechnung bei Debitor"},
    {dk::kMahnfrist1, "Mahnfrist 1"},
    {dk::kMahnfrist1 + 1, "Mahnfrist 2"},
    {dk::kMahnfrist1 + 2, "Mahnfrist 3"},
    {dk::kLetzteFrist, "Letzte Frist"},
};

// Sprache (DATEV code) -> letter language. mahnwerk writes German and English letters; other
// languages get English, the more likely one to be read abroad.
std::string language_of(int code) { return code == 0 || code == 1 ? "de" : "en"; }

class DebtorParser {
 public:
  DebtorParser(const ExtfReader& reader, std::vector<RowError>& errors) : reader_(reader), errors_(errors) {}

  bool parse(const Record& rec, DebtorRecord& out) {
    rec_ = &rec;
    ok_ = true;
    out = DebtorRecord{};
    const int skl = reader_.header().sachkontenlaenge;
    const std::string konto = text(dk::kKonto);
    auto account = parse_account(konto);
    if (!account) {
      fail(dk::kKonto, account.error().message);
    } else if (konto.size() != static_cast<std::size_t>(skl + 1)) {
      fail(dk::kKonto, "\"" + konto + "\" is not a Personenkonto (Sachkontenlänge " + std::to_string(skl) +
                           " + 1 digits)");
    } else {
      out.creditor = !is_debitor_account(*account, skl);
    }
    core::Debtor& d = out.debtor;
    d.id = konto;
    const std::string typ = text(dk::kAdressattyp);
    // Adressattyp: 1 natürliche Person -> consumer, 2 Unternehmen (DATEV's default when empty)
    // -> business, 0 "keine Angabe" -> consumer: without knowing, never claim B2B rates.
    if (typ == "1" || typ == "0") {
      d.kind = core::DebtorKind::kConsumer;
    } else if (typ == "2" || typ.empty()) {
      d.kind = core::DebtorKind::kBusiness;
    } else {
      fail(dk::kAdressattyp, "\"" + typ + "\" is not 0, 1 or 2");
    }
    const std::string company = text(dk::kNameUnternehmen);
    const std::string surname = text(dk::kNameNatPerson);
    const std::string first = text(dk::kVornameNatPerson);
    const std::string other = text(dk::kNameKeineAngabe);
    const std::string person = first.empty() ? surname : (surname.empty() ? first : first + " " + surname);
    if (typ == "1") {
      d.name = !person.empty() ? person : (!company.empty() ? company : other);
    } else if (typ == "0") {
      d.name = !other.empty() ? other : (!person.empty() ? person : company);
    } else {
      d.name = !company.empty() ? company : (!person.empty() ? person : other);
    }
    d.address.street = text(dk::kStrasse);
    d.address.zip = text(dk::kPostleitzahl);
    d.address.city = text(dk::kOrt);
    d.address.country = text(dk::kLand);
    if (d.address.country.empty() && (!d.address.city.empty() || !d.address.street.empty()))
      d.address.country = "DE";  // DATEV leaves Land empty for domestic addresses
    d.email = text(dk::kEmail);
    if (auto lang = optional_int(dk::kSprache)) d.language = language_of(*lang);
    if (auto days = optional_int(dk::kFaelligkeitTage); days && *days > 0) out.payment_terms_days = *days;
    d.insolvent = optional_int(dk::kInsolvent).value_or(0) == 1;
    if (auto until = optional_date(dk::kMahnsperreBis)) {
      d.block_until = *until;
      d.block_reason = "DATEV Mahnsperre bis";
    }
    settings(out.dunning);
    for (int c = dk::kMahnung; c <= dk::kLetzteFrist; ++c) {
      if (!is_dunning_column(c)) continue;
      // Kept as read, never an error of the row: the columns the reader interprets were checked
      // above; a bad byte in another one (a Mahntext) is left out rather than rejecting the debtor.
      auto value = field_text(rec_->at(c), reader_.format().charset, scratch_);
      if (value && !value->empty()) out.dunning_columns.emplace_back(c, std::string(*value));
    }
    d.agreed_interest_bp = agreed_rate(out.dunning);
    if (out.dunning.no_dunning && !d.block_until) {
      d.block_until = core::make_date(9999, 12, 31);
      d.block_reason = "DATEV Mahnung 9 (keine Mahnung)";
    }
    return ok_;
  }

 private:
  // Zinsberechnung 1 (fester Zinssatz): the debtor's own Mahnzins as the agreed rate of § 288 III
  // BGB. DATEV may set one rate per level; the core has one rate per debtor, so the lowest of them
  // (never more than any DATEV level would charge).
  static std::optional<int> agreed_rate(const DunningSettings& s) {
    if (s.interest != Calculation::kOwn) return std::nullopt;
    std::optional<int> lowest;
    for (const auto& rate : s.interest_rate_bp) {
      if (rate && *rate > 0 && (!lowest || *rate < *lowest)) lowest = *rate;
    }
    return lowest;
  }
  void settings(DunningSettings& s) {
    if (auto m = optional_int(dk::kMahnung)) {
      if (*m == 9) {
        s.no_dunning = true;
      } else if (*m >= 1 && *m <= 7 && *m != 5) {
        s.level_mask = static_cast<std::uint8_t>(*m);
      } else if (*m != 0) {
        fail(dk::kMahnung, "\"" + std::to_string(*m) + "\" is not a DATEV Mahnung code (0-4, 6, 7, 9)");
      }
    }
    s.min_amount = optional_money(dk::kMahnlimitBetrag);
    s.min_percent_bp = optional_percent(dk::kMahnlimitProzent);
    s.interest = calculation(dk::kZinsberechnung, true);
    s.fee = calculation(dk::kGebuehrenberechnung, false);
    s.flat_fee = calculation(dk::kPauschalenberechnung, false);
    for (int k = 0; k < 3; ++k) {
      const auto i = static_cast<std::size_t>(k);
      s.interest_rate_bp[i] = optional_percent(dk::kMahnzinssatz1 + k);
      s.fee_amount[i] = optional_money(dk::kMahngebuehr1 + k);
      s.flat_fee_amount[i] = optional_money(dk::kVerzugspauschale1 + k);
      s.deadline_days[i] = optional_int(dk::kMahnfrist1 + k);
    }
    s.own_deadlines = optional_int(dk::kFristberechnung).value_or(0) == 1;
    s.last_deadline_days = optional_int(dk::kLetzteFrist);
  }
  Calculation calculation(int column, bool staffel_allowed) {
    const auto v = optional_int(column);
    if (!v || *v == 0) return Calculation::kPolicy;
    if (*v == 1) return Calculation::kOwn;
    if (*v == 2 && staffel_allowed) return Calculation::kPolicy;  // Zinsstaffel: the statutory rates
    if (*v == 9) return Calculation::kNone;
    fail(column, "\"" + std::to_string(*v) + "\" is not a DATEV calculation code");
    return Calculation::kPolicy;
  }
  void fail(int column, std::string message) {
    ok_ = false;
    errors_.push_back(RowError{reader_.name(), rec_->line, column, std::string(debitoren_field_name(column)),
                               std::move(message)});
  }
  std::string text(int column) {
    auto t = field_text(rec_->at(column), reader_.format().charset, scratch_);
    if (!t) {
      fail(column, t.error().message);
      return {};
    }
    return std::string(*t);
  }
  template <typename T, typename Parse>
  std::optional<T> optional_value(int column, Parse parse) {
    const std::string s = text(column);
    if (s.empty()) return std::nullopt;
    auto v = parse(s);
    if (!v) {
      fail(column, v.error().message);
      return std::nullopt;
    }
    return *v;
  }
  std::optional<int> optional_int(int column) {
    return optional_value<int>(column, [](std::string_view s) { return parse_small_int(s); });
  }
  std::optional<int> optional_percent(int column) {
    return optional_value<int>(column, [](std::string_view s) { return parse_percent_bp(s); });
  }
  std::optional<core::Money> optional_money(int column) {
    const core::Currency currency = reader_.header().currency;
    return optional_value<core::Money>(column,
                                       [&](std::string_view s) { return parse_amount_lenient(s, currency); });
  }
  std::optional<core::Date> optional_date(int column) {
    return optional_value<core::Date>(column, [](std::string_view s) { return parse_ddmmyyyy(s); });
  }

  const ExtfReader& reader_;
  std::vector<RowError>& errors_;
  const Record* rec_ = nullptr;
  bool ok_ = true;
  std::string scratch_;
};

}  // namespace

std::string_view debitoren_field_name(int column) { return column_name(kNames, column); }

core::Result<RowCounts> read_debtors(ExtfReader& reader, const std::function<void(DebtorRecord)>& on_record,
                                     const std::function<void(RowError)>& on_rejected) {
  RowCounts counts;
  // Version 5 has 254 columns; older versions fewer. Records must match the heading line.
  const std::size_t expected = reader.heading_field_count() > 0 ? reader.heading_field_count() : 254;
  std::vector<RowError> errors;
  DebtorParser parser(reader, errors);
  Record rec;
  DebtorRecord record;
  while (reader.next(rec)) {
    if (rec.field_count != expected || rec.too_many_fields) {
      ++counts.rejected;
      on_rejected(RowError{reader.name(),
                           rec.line,
                           0,
                           {},
                           "the record has " + std::to_string(rec.field_count) + " fields, expected " +
                               std::to_string(expected)});
      continue;
    }
    errors.clear();
    if (parser.parse(rec, record)) {
      ++counts.accepted;
      on_record(std::move(record));
    } else {
      ++counts.rejected;
      for (auto& e : errors) on_rejected(std::move(e));
    }
  }
  if (reader.error()) return *reader.error();
  return counts;
}

core::Policy apply_dunning_settings(const core::Policy& base, const DunningSettings& s) {
  core::Policy p = base;
  if (s.min_amount) p.min_amount = *s.min_amount;
  if (s.min_percent_bp) p.min_percent_bp = *s.min_percent_bp;
  const std::size_t levels = std::min<std::size_t>(p.levels.size(), 3);
  for (std::size_t k = 0; k < p.levels.size(); ++k) {
    core::Level& level = p.levels[k];
    const bool in_mask = s.level_mask == 0 || (k < 3 && (s.level_mask & (1u << k)) != 0);
    if (s.interest == Calculation::kNone) level.interest = false;
    if (s.fee == Calculation::kNone || !in_mask) level.fee = core::Fee{};
    if (s.fee == Calculation::kOwn && k < levels && s.fee_amount[k] && in_mask) {
      level.fee = core::Fee{};
      level.fee.fixed = *s.fee_amount[k];
      level.fee.min = core::Money::zero(s.fee_amount[k]->currency());
    }
    if (s.flat_fee == Calculation::kNone || s.flat_fee == Calculation::kOwn || !in_mask)
      level.flat_fee_b2b = false;
  }
  if (s.flat_fee == Calculation::kNone) p.claim.claim_flat_fee = false;
  if (s.flat_fee == Calculation::kOwn) {
    // The € 40 of § 288 V is owed once: claimed at the first level the debtor's settings name.
    for (std::size_t k = 0; k < levels; ++k) {
      if (s.flat_fee_amount[k] && s.flat_fee_amount[k]->is_positive()) {
        p.levels[k].flat_fee_b2b = true;
        break;
      }
    }
  }
  if (s.own_deadlines && !p.levels.empty()) {
    int previous = 0;
    for (std::size_t k = 0; k < levels; ++k) {
      if (!s.deadline_days[k]) break;
      const int days = *s.deadline_days[k];
      if (k == 0) {
        p.levels[0].days_after_due = days;
      } else if (days > previous) {
        p.levels[k].days_after_previous = days - previous;
      }
      previous = days;
    }
    if (s.last_deadline_days) p.final_action_days = *s.last_deadline_days;
  }
  return p;
}

namespace {

std::string_view calculation_text(Calculation c) { return c == Calculation::kOwn ? "own" : "none"; }

std::string money_text(const core::Money& m) {
  return m.to_string() + " " + std::string(m.currency().code());
}

core::Result<core::Money> money_of(std::string_view text) {
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return core::invalid_input("expected an amount and a currency");
  auto currency = core::Currency::from_code(text.substr(space + 1));
  if (!currency) return currency.error();
  return core::Money::parse(text.substr(0, space), *currency);
}

core::Result<int> int_of(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return core::invalid_input("expected a whole number");
  return value;
}

}  // namespace

core::Result<core::Policy> debtor_policy(const core::Policy& base, std::string_view settings) {
  auto parsed = parse_settings_text(settings);
  if (!parsed) return parsed.error();
  return apply_dunning_settings(base, *parsed);
}

std::string settings_text(const DunningSettings& s) {
  std::string out;
  auto add = [&out](std::string_view key, std::string_view value) {
    if (!out.empty()) out += ';';
    out += key;
    out += '=';
    out += value;
  };
  auto add_each = [&add](std::string_view key, const auto& values, auto to_text) {
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (values[k]) add(std::string(key) + std::to_string(k + 1), to_text(*values[k]));
    }
  };
  const auto bp_text = [](int v) { return std::to_string(v); };
  if (s.no_dunning) add("mahnung", "9");
  if (s.level_mask != 0) add("mask", std::to_string(s.level_mask));
  if (s.min_amount) add("limit", money_text(*s.min_amount));
  if (s.min_percent_bp) add("limit_percent", std::to_string(*s.min_percent_bp));
  if (s.interest != Calculation::kPolicy) add("interest", calculation_text(s.interest));
  add_each("rate", s.interest_rate_bp, bp_text);
  if (s.fee != Calculation::kPolicy) add("fee", calculation_text(s.fee));
  add_each("fee", s.fee_amount, money_text);
  if (s.flat_fee != Calculation::kPolicy) add("flat_fee", calculation_text(s.flat_fee));
  add_each("flat_fee", s.flat_fee_amount, money_text);
  if (s.own_deadlines) add("deadlines", "own");
  add_each("days", s.deadline_days, bp_text);
  if (s.last_deadline_days) add("last_days", std::to_string(*s.last_deadline_days));
  return out;
}

core::Result<DunningSettings> parse_settings_text(std::string_view text) {
  DunningSettings s;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find(';'), text.size());
    const std::string_view pair = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto fail = [&pair](const std::string& why) {
      return core::invalid_input(why, "DATEV dunning settings \"" + std::string(pair) + "\"");
    };
    // Keys with a level number 1..3 at the end: rate1, fee1, flat_fee1, days1.
    const char last = key.empty() ? '\0' : key.back();
    const std::size_t k = last >= '1' && last <= '3' ? static_cast<std::size_t>(last - '1') : 3;
    const std::string_view stem = k < 3 ? key.substr(0, key.size() - 1) : key;
    auto calculation = [&](Calculation& c) -> core::Status {
      if (value == "own")
        c = Calculation::kOwn;
      else if (value == "none")
        c = Calculation::kNone;
      else
        return fail("expected own or none");
      return core::Ok{};
    };
    core::Status status = core::Ok{};
    if (key == "mahnung" && value == "9") {
      s.no_dunning = true;
    } else if (key == "mask") {
      auto v = int_of(value);
      if (!v || *v < 1 || *v > 7) return fail("expected a level mask 1..7");
      s.level_mask = static_cast<std::uint8_t>(*v);
    } else if (key == "limit" || (k < 3 && (stem == "fee" || stem == "flat_fee"))) {
      auto m = money_of(value);
      if (!m) return fail(m.error().message);
      if (key == "limit")
        s.min_amount = *m;
      else if (stem == "fee")
        s.fee_amount[k] = *m;
      else
        s.flat_fee_amount[k] = *m;
    } else if (key == "limit_percent" || key == "last_days" ||
               (k < 3 && (stem == "rate" || stem == "days"))) {
      auto v = int_of(value);
      if (!v || *v < 0) return fail("expected a whole number of at least 0");
      if (key == "limit_percent")
        s.min_percent_bp = *v;
      else if (key == "last_days")
        s.last_deadline_days = *v;
      else if (stem == "rate")
        s.interest_rate_bp[k] = *v;
      else
        s.deadline_days[k] = *v;
    } else if (key == "interest") {
      status = calculation(s.interest);
    } else if (key == "fee") {
      status = calculation(s.fee);
    } else if (key == "flat_fee") {
      status = calculation(s.flat_fee);
    } else if (key == "deadlines" && value == "own") {
      s.own_deadlines = true;
    } else {
      return fail("unknown setting");
    }
    if (!status) return status.error();
  }
  return s;
}

}  // namespace mahnwerk::datev
