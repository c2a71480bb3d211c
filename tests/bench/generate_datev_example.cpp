// Generates the example Mandant of config/examples/datev/ ("Holzwerk Berger GmbH", a joinery
// supplying businesses and private customers): 300 debtors as DATEV Debitoren/Kreditoren master
// data and about 3,000 invoices of the first half of 2025 with payments, partial payments,
// credit notes, Skonto, item and debtor locks as an EXTF Buchungsstapel — Windows-1252, CRLF,
// written by mahnwerk's own DATEV writers. Deterministic: the same output for every run.
// Also mahnwerk's own record of the notices sent before (history.json, canonical JSON), since a
// DATEV export carries no dunning history: reminders and notices of May and June 2025.
//   generate_datev_example OUT_DIR   writes OUT_DIR/EXTF_Debitoren.csv, OUT_DIR/EXTF_Buchungsstapel.csv
//                                    and OUT_DIR/../history.json
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/datev/debtor_writer.h"
#include "adapters/datev/extf_writer.h"

namespace {

using mahnwerk::core::Currency;
using mahnwerk::core::Date;
using mahnwerk::core::make_date;
using mahnwerk::core::Money;
namespace datev = mahnwerk::datev;

// splitmix64: small, fast, and the same sequence on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int between(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(int percent) { return between(1, 100) <= percent; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[next() % N];
  }

 private:
  std::uint64_t state_;
};

constexpr std::array<const char*, 24> kTrades = {
    "Bäckerei",  "Elektro",    "Sanitär",         "Dachdeckerei",   "Malerbetrieb",   "Autohaus",
    "Gärtnerei", "Café",       "Architekturbüro", "Zahnarztpraxis", "Hotel",          "Brauerei",
    "Weingut",   "Metallbau",  "Bauunternehmung", "Immobilien",     "Physiotherapie", "Buchhandlung",
    "Kita",      "Fahrschule", "Steinmetz",       "Optik",          "Friseursalon",   "Schlosserei"};
constexpr std::array<const char*, 24> kFamilies = {
    "Müller",   "Schmidt",  "Schneider", "Fischer",    "Weber", "Meyer",   "Wagner",  "Becker",
    "Schulz",   "Hoffmann", "Schäfer",   "Koch",       "Bauer", "Richter", "Klein",   "Wolf",
    "Schröder", "Neumann",  "Schwarz",   "Zimmermann", "Braun", "Krüger",  "Hofmann", "Hartmann"};
constexpr std::array<const char*, 20> kFirstNames = {
    "Anna",    "Jürgen", "Sabine", "Thomas", "Özlem",  "Michael",   "Claudia", "Stefan", "Jörg",    "Monika",
    "Andreas", "Birgit", "Lukas",  "Sophie", "Mehmet", "Katharina", "René",    "Heike",  "Dominik", "Lea"};
constexpr std::array<const char*, 6> kForms = {"GmbH", "GmbH & Co. KG", "KG",
                                               "e.K.", "OHG",           "UG (haftungsbeschränkt)"};
constexpr std::array<const char*, 16> kStreets = {
    "Hauptstraße",   "Schulstraße",    "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße",
    "Lindenstraße",  "Kirchweg",       "Mühlenweg",    "Am Markt",      "Rosenweg",   "Waldstraße",
    "Industriering", "Schillerstraße", "Goethestraße", "Sägewerkstraße"};
struct Place {
  const char* zip;
  const char* city;
  const char* country;
};
constexpr std::array<Place, 16> kPlaces = {{
    {"79098", "Freiburg im Breisgau", "DE"},
    {"79100", "Freiburg im Breisgau", "DE"},
    {"79183", "Waldkirch", "DE"},
    {"79211", "Denzlingen", "DE"},
    {"79312", "Emmendingen", "DE"},
    {"79539", "Lörrach", "DE"},
    {"77652", "Offenburg", "DE"},
    {"76131", "Karlsruhe", "DE"},
    {"70173", "Stuttgart", "DE"},
    {"68159", "Mannheim", "DE"},
    {"79199", "Kirchzarten", "DE"},
    {"79276", "Reute", "DE"},
    {"79215", "Elzach", "DE"},
    {"79336", "Herbolzheim", "DE"},
    {"79379", "Müllheim", "DE"},
    {"79423", "Heitersheim", "DE"},
}};
constexpr std::array<Place, 4> kForeign = {{{"4051", "Basel", "CH"},
                                            {"68100", "Mulhouse", "FR"},
                                            {"6020", "Innsbruck", "AT"},
                                            {"1620", "København", "DK"}}};

constexpr Date kAsOf = make_date(2025, 6, 30);
constexpr int kDebtors = 300;
constexpr int kInvoices = 3000;

std::string ascii_lower(std::string s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 'A' && c <= 'Z')
      out += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      out += static_cast<char>(c);
  }
  return out;
}

Money eur(std::int64_t cents) { return Money(cents, Currency::eur()); }

datev::Posting booking(std::int64_t cents, std::string account, std::string contra, Date date,
                       std::string number, std::string text, bool debit = true) {
  datev::Posting p;
  p.amount = eur(cents);
  p.debit = debit;
  p.account = std::move(account);
  p.contra_account = std::move(contra);
  p.date = date;
  p.belegfeld1 = std::move(number);
  p.text = std::move(text);
  return p;
}

Date earliest(Date a, Date b) {
  return mahnwerk::core::day_number(a) < mahnwerk::core::day_number(b) ? a : b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: generate_datev_example OUT_DIR\n");
    return 64;
  }
  const std::string out = argv[1];
  std::filesystem::create_directories(out);
  Random rng(20250630);

  datev::WriteHeader header;
  header.berater = 29098;
  header.mandant = 4711;
  header.skr = "03";
  header.description = "Ausgangsrechnungen 1. HJ 2025";
  header.dictation = "HB";
  header.created = std::chrono::sys_days{std::chrono::year{2025} / 6 / 30} + std::chrono::hours{18};

  // --- debtors
  std::vector<datev::DebtorLock> debtors;
  std::vector<int> terms(kDebtors);
  for (int i = 0; i < kDebtors; ++i) {
    datev::DebtorLock d;
    d.debtor.id = std::to_string(10001 + i);
    const bool consumer = rng.chance(35);
    const bool foreign = rng.chance(4);
    const std::string family = rng.pick(kFamilies);
    if (consumer) {
      d.debtor.kind = mahnwerk::core::DebtorKind::kConsumer;
      d.debtor.name = std::string(rng.pick(kFirstNames)) + " " + family;
    } else {
      d.debtor.kind = mahnwerk::core::DebtorKind::kBusiness;
      d.debtor.name = std::string(rng.pick(kTrades)) + " " + family + " " + rng.pick(kForms);
    }
    const Place& place = foreign ? rng.pick(kForeign) : rng.pick(kPlaces);
    d.debtor.address = {std::string(rng.pick(kStreets)) + " " + std::to_string(rng.between(1, 120)),
                        place.zip, place.city, place.country};
    d.debtor.language =
        foreign && place.country != std::string("AT") && place.country != std::string("CH") ? "en" : "de";
    if (rng.chance(80)) {
      d.debtor.email = (consumer ? ascii_lower(d.debtor.name) : "buchhaltung") + "@" + ascii_lower(family) +
                       std::to_string(i + 1) + ".example";
    }
    terms[static_cast<std::size_t>(i)] = consumer ? 14 : rng.pick(std::array<int, 3>{14, 30, 30});
    d.payment_terms = terms[static_cast<std::size_t>(i)];
    if (rng.chance(3)) d.until = make_date(2025, rng.between(7, 9), 30);  // Mahnsperre: complaint in review
    d.debtor.insolvent = rng.chance(1);
    debtors.push_back(std::move(d));
  }

  // --- invoices and what happened to them
  std::vector<datev::Posting> postings;
  std::string history = "{\n  \"notices\": [";
  std::size_t notices = 0;
  // Earlier notices of an unpaid invoice: a reminder 10 days after the due date, then each next
  // level 17 days later, as long as that was before 2025-06-20 (the last run before the demo's).
  const auto record_notices = [&](const std::string& id, Date due, int max_level) {
    Date when = mahnwerk::core::add_days(due, 10);
    for (int level = 0; level <= max_level && mahnwerk::core::day_number(when) <=
                                                  mahnwerk::core::day_number(make_date(2025, 6, 20));
         ++level) {
      while (mahnwerk::core::is_weekend(when)) when = mahnwerk::core::add_days(when, 1);
      history += std::string(notices++ == 0 ? "\n" : ",\n") + "    {\"item\": \"" + id +
                 "\", \"level\": " + std::to_string(level) + ", \"date\": \"" +
                 mahnwerk::core::format_date(when) + "\"}";
      when = mahnwerk::core::add_days(when, 17);
    }
  };
  for (int n = 0; n < kInvoices; ++n) {
    const int debtor = rng.between(0, kDebtors - 1);
    const std::string account = std::to_string(10001 + debtor);
    const Date invoice_date = mahnwerk::core::add_days(make_date(2025, 1, 2), n * 177 / kInvoices);
    const std::string number = "RE-2025-" + std::string(n + 1 < 1000 ? "0" : "") + (n + 1 < 100 ? "0" : "") +
                               (n + 1 < 10 ? "0" : "") + std::to_string(n + 1);
    // Gross amounts from 23.80 to about 18,000 EUR, most of them small.
    const std::int64_t net = rng.between(20, 400) * (rng.chance(15) ? 50 : 5) * 100 + rng.between(0, 99);
    const std::int64_t gross = net * 119 / 100;
    datev::Posting invoice = booking(gross, account, "8400", invoice_date, number, "Rechnung " + number);
    const int days = terms[static_cast<std::size_t>(debtor)];
    const int due_rule = rng.between(1, 3);  // Fälligkeit, Belegfeld 2 (TTMMJJ), or the debtor's terms
    const Date due = mahnwerk::core::add_days(invoice_date, days);
    if (due_rule == 1) invoice.due_date = due;
    if (due_rule == 2) {
      char ttmmjj[16];
      std::snprintf(ttmmjj, sizeof ttmmjj, "%02u%02u%02d", mahnwerk::core::day_of(due),
                    mahnwerk::core::month_of(due), mahnwerk::core::year_of(due) % 100);
      invoice.belegfeld2 = ttmmjj;
    }
    const int age = mahnwerk::core::days_between(invoice_date, kAsOf);
    const int outcome = rng.between(1, 100);
    const int paid_share = age > 90   ? 88
                           : age > 45 ? 75
                           : age > 20 ? 55
                                      : 25;        // older invoices are mostly paid
    if (rng.chance(1)) invoice.item_block = true;  // Postensperre: disputed
    if (rng.chance(1)) invoice.item_block_until = make_date(2025, 7, 31);
    postings.push_back(invoice);
    const auto pay_date = [&](int from, int to) {
      return earliest(mahnwerk::core::add_days(invoice_date, rng.between(from, to)), kAsOf);
    };
    if (outcome <= paid_share) {
      if (rng.chance(15) && age > 10) {  // 2 % Skonto within 10 days
        const std::int64_t skonto = gross * 2 / 100;
        datev::Posting p =
            booking(gross - skonto, "1200", account, pay_date(3, 10), number, "Zahlung mit 2 % Skonto");
        p.skonto = eur(skonto);
        postings.push_back(p);
      } else {
        postings.push_back(
            booking(gross, "1200", account, pay_date(5, days + 25), number, "Zahlung " + number));
      }
    } else if (outcome <= paid_share + 8) {  // partial payment
      record_notices(account + "/" + number, due, 1);
      postings.push_back(booking(gross * rng.between(20, 70) / 100, "1200", account, pay_date(10, 40), number,
                                 "Teilzahlung " + number));
    } else if (outcome <= paid_share + 12) {  // credit note (Gutschrift), partial or whole
      const std::int64_t credit = rng.chance(40) ? gross : gross * rng.between(5, 30) / 100;
      postings.push_back(
          booking(credit, account, "8400", pay_date(2, 20), number, "Gutschrift zu " + number, false));
    }
  }

  auto master = datev::write_debitoren(header, debtors, "example");
  auto bookings = datev::write_buchungsstapel(header, postings, "example");
  if (!master || !bookings) {
    std::fprintf(stderr, "generate_datev_example: %s\n",
                 (!master ? master.error() : bookings.error()).to_string().c_str());
    return 70;
  }
  std::ofstream(out + "/EXTF_Debitoren.csv", std::ios::binary) << master->files.at(0).bytes;
  std::ofstream(out + "/EXTF_Buchungsstapel.csv", std::ios::binary) << bookings->files.at(0).bytes;
  std::ofstream(out + "/../history.json", std::ios::binary) << history << "\n  ]\n}\n";
  std::printf("%d debtors, %zu bookings (%d invoices), %zu earlier notices written to %s\n", kDebtors,
              postings.size(), kInvoices, notices, out.c_str());
  return 0;
}
