// Loading, writing and generating the simulators' data files.
#include "tests/sim/sim_data.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "tests/sim/json_out.h"

namespace mahnwerk::sim {
namespace {

using Value = rapidjson::Value;

std::string str(const Value& object, const char* key, const std::string& fallback = "") {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return fallback;
  if (!it->value.IsString())
    throw std::runtime_error(std::string("data file: '") + key + "' must be a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t integer(const Value& object, const char* key, std::int64_t fallback) {
  const std::string text = str(object, key, "");
  if (text.empty()) return fallback;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw std::runtime_error(std::string("data file: '") + key + "' must be an integer");
  }
}

bool boolean(const Value& object, const char* key, bool fallback) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return fallback;
  if (!it->value.IsBool())
    throw std::runtime_error(std::string("data file: '") + key + "' must be true or false");
  return it->value.GetBool();
}

std::int64_t amount(const Value& object, const char* key) {
  const std::string text = str(object, key, "0");
  try {
    return parse_cents(text);
  } catch (const std::exception&) {
    throw std::runtime_error(std::string("data file: '") + key + "' must be a decimal amount");
  }
}

const Value& array(const Value& root, const char* key) {
  static const Value empty(rapidjson::kArrayType);
  auto it = root.FindMember(key);
  if (it == root.MemberEnd()) return empty;
  if (!it->value.IsArray())
    throw std::runtime_error(std::string("data file: '") + key + "' must be an array");
  return it->value;
}

int berlin_offset_minutes(std::int64_t epoch_ms) {
  // CEST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
  const std::int64_t days = epoch_ms >= 0 ? epoch_ms / 86'400'000 : (epoch_ms - 86'399'999) / 86'400'000;
  // civil from days
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  auto last_sunday = [](std::int64_t year, int month) {
    const std::int64_t last = days_from_civil(static_cast<int>(year), month, 31);
    const std::int64_t weekday = (last + 4) % 7;  // 1970-01-01 was a Thursday (4); 0 = Sunday
    return last - weekday;
  };
  const std::int64_t start = last_sunday(y, 3) * 86'400'000 + 3'600'000;
  const std::int64_t end = last_sunday(y, 10) * 86'400'000 + 3'600'000;
  return epoch_ms >= start && epoch_ms < end ? 120 : 60;
}

}  // namespace

std::string_view to_string(System system) { return system == System::kLexoffice ? "lexoffice" : "sevdesk"; }

System parse_system(std::string_view text) {
  if (text == "lexoffice") return System::kLexoffice;
  if (text == "sevdesk") return System::kSevdesk;
  throw std::invalid_argument("unknown system '" + std::string(text) + "' (lexoffice or sevdesk)");
}

std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

std::int64_t parse_day(std::string_view t) {
  int y = 0, m = 0, d = 0;
  if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !digits(t, 0, 4, y) || !digits(t, 5, 2, m) ||
      !digits(t, 8, 2, d) || m < 1 || m > 12 || d < 1 || d > 31) {
    return INT64_MIN;
  }
  return days_from_civil(y, m, d);
}

std::int64_t parse_instant_ms(std::string_view t) {
  if (t.size() < 19 || t[10] != 'T' || t[13] != ':' || t[16] != ':') return INT64_MIN;
  const std::int64_t day = parse_day(t.substr(0, 10));
  int hh = 0, mm = 0, ss = 0, ms = 0;
  if (day == INT64_MIN || !digits(t, 11, 2, hh) || !digits(t, 14, 2, mm) || !digits(t, 17, 2, ss))
    return INT64_MIN;
  std::size_t pos = 19;
  if (pos < t.size() && t[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
    if (end == pos + 1) return INT64_MIN;
    int scale = 100;
    for (std::size_t i = pos + 1; i < end && i < pos + 4; ++i, scale /= 10) ms += (t[i] - '0') * scale;
    pos = end;
  }
  int offset = 0;
  if (pos < t.size() && t[pos] == 'Z') {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
        !digits(t, pos + 4, 2, om)) {
      return INT64_MIN;
    }
    offset = (oh * 60 + om) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  }
  if (pos != t.size()) return INT64_MIN;
  return ((day * 86400 + hh * 3600 + mm * 60 + ss) - offset * 60) * 1000 + ms;
}

std::string format_berlin(std::int64_t epoch_ms, bool with_ms) {
  const int offset = berlin_offset_minutes(epoch_ms);
  const std::int64_t local = epoch_ms + static_cast<std::int64_t>(offset) * 60'000;
  const std::int64_t days = local >= 0 ? local / 86'400'000 : (local - 86'399'999) / 86'400'000;
  const std::int64_t in_day = local - days * 86'400'000;
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  const int h = static_cast<int>(in_day / 3'600'000), mi = static_cast<int>(in_day / 60'000 % 60),
            s = static_cast<int>(in_day / 1000 % 60), ms = static_cast<int>(in_day % 1000);
  if (with_ms) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+%02d:00", static_cast<int>(y),
                  static_cast<int>(m), static_cast<int>(d), h, mi, s, ms, offset / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", static_cast<int>(y),
                  static_cast<int>(m), static_cast<int>(d), h, mi, s, offset / 60);
  }
  return buf;
}

std::int64_t parse_cents(std::string_view t) {
  bool negative = false;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) negative = t[i++] == '-';
  std::int64_t units = 0;
  std::size_t start = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') units = units * 10 + (t[i++] - '0');
  if (i == start) throw std::invalid_argument("not an amount: " + std::string(t));
  std::int64_t fraction = 0;
  int scale = 10;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t fstart = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (scale == 0 && t[i] != '0') throw std::invalid_argument("more than 2 decimals: " + std::string(t));
      fraction += (t[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == fstart) throw std::invalid_argument("not an amount: " + std::string(t));
  }
  if (i != t.size()) throw std::invalid_argument("not an amount: " + std::string(t));
  const std::int64_t cents = units * 100 + fraction;
  return negative ? -cents : cents;
}

std::string format_cents(std::int64_t cents) {
  const std::int64_t a = cents < 0 ? -cents : cents;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "", static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}

std::string format_decimal(std::int64_t cents, bool min_one_fraction_digit) {
  std::string s = format_cents(cents);
  if (s.back() == '0') s.pop_back();
  if (s.back() == '0') s.pop_back();
  if (s.back() == '.') {
    if (min_one_fraction_digit) {
      s.push_back('0');
    } else {
      s.pop_back();
    }
  }
  return s;
}

Data load_data(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    throw std::runtime_error(std::string("data file: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                             " at offset " + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) throw std::runtime_error("data file: not a JSON object");
  Data data;
  data.system = parse_system(str(doc, "system", "lexoffice"));
  const bool lex = data.system == System::kLexoffice;
  data.api_key = str(doc, "api_key", lex ? "test-api-key" : "0123456789abcdef0123456789abcdef");
  data.organization_id = str(doc, "organization_id", "aa93e8a8-2aa3-470b-b914-caad8a255dd8");
  data.today = str(doc, "today", "");
  for (const Value& c : array(doc, "contacts").GetArray()) {
    Contact contact;
    contact.id = str(c, "id");
    if (contact.id.empty()) throw std::runtime_error("data file: a contact without 'id'");
    const std::string kind = str(c, "kind", "company");
    if (kind != "company" && kind != "person")
      throw std::runtime_error("data file: contact kind must be company or person");
    contact.company = kind == "company";
    contact.name = str(c, "name");
    contact.salutation = str(c, "salutation");
    contact.first_name = str(c, "first_name");
    contact.last_name = str(c, "last_name");
    contact.number = integer(c, "number", 0);
    contact.email = str(c, "email");
    contact.street = str(c, "street");
    contact.zip = str(c, "zip");
    contact.city = str(c, "city");
    contact.country = str(c, "country", "DE");
    contact.created = str(c, "created");
    contact.updated = str(c, "updated", contact.created);
    contact.version = static_cast<int>(integer(c, "version", 1));
    data.contacts.push_back(std::move(contact));
  }
  for (const Value& v : array(doc, "invoices").GetArray()) {
    Invoice inv;
    inv.id = str(v, "id");
    if (inv.id.empty()) throw std::runtime_error("data file: an invoice without 'id'");
    inv.number = str(v, "number");
    inv.type = str(v, "type", lex ? "invoice" : "RE");
    inv.status = str(v, "status", lex ? "open" : "200");
    inv.contact_id = str(v, "contact_id");
    inv.contact_name = str(v, "contact_name");
    inv.voucher_date = str(v, "voucher_date");
    inv.due_date = str(v, "due_date");
    inv.created = str(v, "created", inv.voucher_date);
    inv.updated = str(v, "updated", inv.created);
    inv.time_to_pay = static_cast<int>(integer(v, "time_to_pay", 14));
    inv.total_cents = amount(v, "total");
    inv.open_cents = str(v, "open", "").empty() ? inv.total_cents : amount(v, "open");
    const std::string form = str(v, "amounts", "number");
    if (form != "number" && form != "string")
      throw std::runtime_error("data file: 'amounts' must be number or string");
    inv.amounts_as_strings = form == "string";
    inv.version = static_cast<int>(integer(v, "version", 1));
    inv.tax_type = str(v, "tax_type", "net");
    inv.archived = boolean(v, "archived", false);
    inv.dunning_level = static_cast<int>(integer(v, "dunning_level", 0));
    for (const char* key : {"voucher_date", "created", "updated"}) {
      if (parse_instant_ms(str(v, key)) == INT64_MIN) {
        throw std::runtime_error("data file: invoice " + inv.id + ": '" + key + "' is not an RFC 3339 date");
      }
    }
    data.invoices.push_back(std::move(inv));
  }
  for (const Value& p : array(doc, "payments").GetArray()) {
    Payment payment;
    payment.invoice_id = str(p, "invoice_id");
    payment.type = str(p, "type", "manualPayment");
    payment.date = str(p, "date");
    payment.amount_cents = amount(p, "amount");
    data.payments.push_back(std::move(payment));
  }
  return data;
}

Data load_data_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read data file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_data(buffer.str());
}

std::string to_json(const Data& data) {
  JsonOut o;
  o.begin_object();
  o.key("system").string(to_string(data.system));
  o.key("api_key").string(data.api_key);
  o.key("organization_id").string(data.organization_id);
  o.key("today").string(data.today);
  o.key("contacts").begin_array();
  for (const Contact& c : data.contacts) {
    o.newline().begin_object();
    o.key("id").string(c.id).key("kind").string(c.company ? "company" : "person");
    if (c.company) {
      o.key("name").string(c.name);
    } else {
      o.key("salutation").string(c.salutation).key("first_name").string(c.first_name);
      o.key("last_name").string(c.last_name);
    }
    o.key("number").integer(c.number).key("email").string(c.email).key("street").string(c.street);
    o.key("zip").string(c.zip).key("city").string(c.city).key("country").string(c.country);
    if (!c.created.empty()) o.key("created").string(c.created).key("updated").string(c.updated);
    o.key("version").integer(c.version);
    o.end_object();
  }
  o.end_array();
  o.key("invoices").begin_array();
  for (const Invoice& i : data.invoices) {
    o.newline().begin_object();
    o.key("id").string(i.id).key("number").string(i.number).key("type").string(i.type);
    o.key("status").string(i.status);
    o.key("contact_id");
    if (i.contact_id.empty()) {
      o.null();
    } else {
      o.string(i.contact_id);
    }
    o.key("contact_name").string(i.contact_name);
    o.key("voucher_date").string(i.voucher_date);
    if (!i.due_date.empty()) o.key("due_date").string(i.due_date);
    o.key("created").string(i.created).key("updated").string(i.updated);
    if (data.system == System::kSevdesk) o.key("time_to_pay").integer(i.time_to_pay);
    o.key("total").string(format_cents(i.total_cents)).key("open").string(format_cents(i.open_cents));
    if (data.system == System::kLexoffice)
      o.key("amounts").string(i.amounts_as_strings ? "string" : "number");
    o.key("version").integer(i.version).key("tax_type").string(i.tax_type);
    if (i.archived) o.key("archived").boolean(true);
    if (i.dunning_level != 0) o.key("dunning_level").integer(i.dunning_level);
    o.end_object();
  }
  o.end_array();
  o.key("payments").begin_array();
  for (const Payment& p : data.payments) {
    o.newline().begin_object();
    o.key("invoice_id").string(p.invoice_id).key("type").string(p.type).key("date").string(p.date);
    o.key("amount").string(format_cents(p.amount_cents));
    o.end_object();
  }
  o.end_array();
  o.end_object();
  std::string out = o.take();
  out.push_back('\n');
  return out;
}

namespace {

std::string uuid(std::mt19937_64& rng) {
  const std::uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

const char* const kCompanies[] = {"Bäckerei", "Schreinerei",  "Elektro", "Autohaus", "Gärtnerei",
                                  "Sanitär",  "Malerbetrieb", "Kanzlei", "Praxis",   "Druckerei"};
const char* const kSurnames[] = {"Müller", "Schmidt", "Schneider", "Fischer",  "Weber", "Meyer",
                                 "Wagner", "Becker",  "Schulz",    "Hoffmann", "Koch",  "Richter"};
const char* const kFirstNames[] = {"Anna", "Jonas", "Lena", "Felix", "Marie", "Paul", "Sophie", "Lukas"};
const char* const kCities[] = {"Berlin", "Hamburg", "München", "Köln", "Leipzig", "Dresden", "Bremen"};

}  // namespace

Data generate(const GenerateOptions& options) {
  std::mt19937_64 rng(options.seed);
  auto pick = [&rng](std::uint64_t n) { return rng() % n; };
  const bool lex = options.system == System::kLexoffice;
  Data data;
  data.system = options.system;
  data.api_key = lex ? "test-api-key" : "0123456789abcdef0123456789abcdef";
  data.organization_id = uuid(rng);
  data.today = options.today;
  const std::int64_t today = parse_day(options.today);
  if (today == INT64_MIN) throw std::invalid_argument("today must be yyyy-MM-dd");
  const int n_contacts = options.contacts > 0 ? options.contacts : std::max(1, options.invoices / 5);
  for (int i = 0; i < n_contacts; ++i) {
    Contact c;
    c.id = lex ? uuid(rng) : std::to_string(5001 + i);
    c.company = pick(10) < 6;
    const char* surname = kSurnames[pick(std::size(kSurnames))];
    if (c.company) {
      c.name = std::string(kCompanies[pick(std::size(kCompanies))]) + " " + surname + " GmbH " +
               std::to_string(i + 1);
    } else {
      c.salutation = pick(2) ? "Frau" : "Herr";
      c.first_name = kFirstNames[pick(std::size(kFirstNames))];
      c.last_name = std::string(surname) + "-" + std::to_string(i + 1);
    }
    c.number = 10001 + i;
    c.email = "kunde" + std::to_string(c.number) + "@example.de";
    c.street = "Hauptstr. " + std::to_string(1 + pick(200));
    c.zip = std::to_string(10000 + pick(89999));
    c.city = kCities[pick(std::size(kCities))];
    if (!lex) {
      const std::int64_t at =
          (today - 900 + static_cast<std::int64_t>(pick(100))) * 86'400'000 + 9 * 3'600'000;
      c.created = format_berlin(at, false);
      c.updated = c.created;
    }
    data.contacts.push_back(std::move(c));
  }
  for (int i = 0; i < options.invoices; ++i) {
    Invoice inv;
    const Contact& c = data.contacts[static_cast<std::size_t>(pick(static_cast<std::uint64_t>(n_contacts)))];
    inv.id = lex ? uuid(rng) : std::to_string(100001 + i);
    inv.number = (lex ? "RE" : "RE-") + std::to_string(10001 + i);
    inv.type = lex ? (pick(20) == 0 ? "salesinvoice" : "invoice") : "RE";
    const bool collective = lex && pick(50) == 0;
    inv.contact_id = collective ? "" : c.id;
    inv.contact_name = collective ? "Sammelkunde" : c.company ? c.name : c.last_name + ", " + c.first_name;
    // Invoice days spread over two years; the day's local midnight in Berlin.
    const std::int64_t day = today - 730 + static_cast<std::int64_t>(i) * 730 / std::max(1, options.invoices);
    const std::int64_t midnight_utc = day * 86'400'000;
    const std::int64_t voucher_ms =
        midnight_utc -
        (parse_instant_ms(format_berlin(midnight_utc, true).substr(0, 19) + "Z") - midnight_utc);
    inv.voucher_date = format_berlin(voucher_ms, lex);
    const std::int64_t created_ms = voucher_ms + 8 * 3'600'000 + static_cast<std::int64_t>(pick(36'000'000));
    inv.created = format_berlin(created_ms, lex);
    // Most invoices were touched again later (payment, reminder); many on the same day.
    const std::int64_t touched = pick(3) == 0 ? 0 : static_cast<std::int64_t>(pick(60)) * 86'400'000;
    inv.updated = format_berlin(std::min(created_ms + touched, today * 86'400'000 + 20 * 3'600'000), lex);
    inv.time_to_pay = pick(2) ? 14 : 30;
    if (lex)
      inv.due_date =
          format_berlin(voucher_ms + static_cast<std::int64_t>(inv.time_to_pay) * 86'400'000, true);
    inv.total_cents = 1000 + static_cast<std::int64_t>(pick(500'000));
    inv.open_cents = inv.total_cents;
    inv.amounts_as_strings = lex && pick(10) == 0;
    inv.version = 1 + static_cast<int>(pick(4));
    inv.tax_type = pick(10) == 0 ? "gross" : "net";
    const std::uint64_t roll = pick(100);
    std::int64_t paid = 0;
    if (roll < 65) {
      inv.status = lex ? "open" : "200";
    } else if (roll < 75) {
      paid = inv.total_cents / (2 + static_cast<std::int64_t>(pick(3)));
      inv.status = lex ? "open" : "750";
    } else if (roll < 90) {
      paid = inv.total_cents;
      inv.status = lex ? "paid" : "1000";
    } else if (roll < 95) {
      inv.status = lex ? "draft" : "100";
    } else {
      inv.status = lex ? "voided" : "100";
    }
    inv.open_cents = inv.total_cents - paid;
    if (inv.status == "voided") inv.open_cents = 0;  // a cancelled invoice is no receivable
    if (paid > 0) {
      const std::int64_t pay_ms = std::min(created_ms + 10 * 86'400'000, today * 86'400'000);
      data.payments.push_back(Payment{inv.id, "manualPayment", format_berlin(pay_ms, lex), paid});
    }
    data.invoices.push_back(std::move(inv));
  }
  return data;
}

}  // namespace mahnwerk::sim
