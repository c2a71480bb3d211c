// generate_datev_stapel FILE MEGABYTES [SEED]: writes a Buchungsstapel (EXTF 700, category 21,
// format version 13, 125 columns, Windows-1252, CRLF, DATEV's quoting) of about MEGABYTES MiB for
// the reading benchmark. Deterministic for a seed. The bookings are those of a busy Mandant:
// invoices on 20,000 debitors, payments (most invoices are paid a few hundred rows later), partial
// payments, Skonto, credit notes, a few locked items; about a tenth of the invoices stay open.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#include "adapters/datev/extf_writer_layout.h"

namespace {

using mahnwerk::datev::kBuchungsstapelColumns;

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct Open {
  std::uint64_t debitor;
  std::uint64_t number;
  std::int64_t cents;
  unsigned day;  // 1..28
  unsigned month;
};

std::string amount(std::int64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld,%02lld", static_cast<long long>(cents / 100),
                static_cast<long long>(cents % 100));
  return buf;
}

std::string ttmm(unsigned day, unsigned month) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u%02u", day, month);
  return buf;
}

// One record: the given columns filled, every other text column "" and number column empty.
class Row {
 public:
  void set(int column, std::string value) {
    fields_[static_cast<std::size_t>(column - 1)] = std::move(value);
  }
  void append_to(std::string& out) {
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (i != 0) out += ';';
      if (kBuchungsstapelColumns[i].text) {
        out += '"';
        out += fields_[i];
        out += '"';
      } else {
        out += fields_[i];
      }
      fields_[i].clear();
    }
    out += "\r\n";
  }

 private:
  std::array<std::string, 125> fields_{};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: generate_datev_stapel FILE MEGABYTES [SEED]\n");
    return 64;
  }
  const std::uint64_t target = std::strtoull(argv[2], nullptr, 10) << 20;
  Rng rng{argc > 3 ? std::strtoull(argv[3], nullptr, 10) | 1 : 0x9E3779B97F4A7C15ULL};
  std::FILE* out = std::fopen(argv[1], "wb");
  if (!out) {
    std::perror(argv[1]);
    return 73;
  }
  std::string buf =
      "\"EXTF\";700;21;\"Buchungsstapel\";13;20250101120000000;;\"RE\";\"\";\"\";29098;55003;20250101;4;"
      "20250101;"
      "20251231;\"Benchmark\";\"\";1;0;0;\"EUR\";;\"\";;;\"03\";;;\"\";\"\"\r\n";
  mahnwerk::datev::append_heading_line(buf, kBuchungsstapelColumns);
  std::uint64_t written = 0;
  std::uint64_t number = 0;
  std::deque<Open> unpaid;  // invoices waiting for their payment
  Row row;
  while (written + buf.size() < target) {
    const std::uint64_t kind = rng.below(100);
    if (kind < 50 || unpaid.size() < 500) {
      Open o{10000 + rng.below(20000), ++number, static_cast<std::int64_t>(1000 + rng.below(500000)),
             static_cast<unsigned>(1 + rng.below(28)), static_cast<unsigned>(1 + rng.below(12))};
      row.set(1, amount(o.cents));
      row.set(2, "S");
      row.set(7, std::to_string(o.debitor));
      row.set(8, "8400");
      row.set(10, ttmm(o.day, o.month));
      row.set(11, "RE2025-" + std::to_string(o.number));
      row.set(14, "Rechnung RE2025-" + std::to_string(o.number));
      if (rng.below(50) == 0) row.set(15, "1");                         // Postensperre
      if (rng.below(4) == 0) row.set(117, ttmm(28, o.month) + "2025");  // Fälligkeit
      row.append_to(buf);
      if (rng.below(10) != 0) unpaid.push_back(o);  // a tenth stays open
    } else {
      Open o = unpaid.front();
      unpaid.pop_front();
      const std::uint64_t how = rng.below(10);
      std::int64_t pay = o.cents;
      if (how == 0) pay = o.cents / 2;  // partial payment
      row.set(2, "S");
      row.set(8, std::to_string(o.debitor));
      row.set(10, ttmm(o.day, o.month));
      row.set(11, "RE2025-" + std::to_string(o.number));
      if (how == 1) {  // 2 % Skonto
        const std::int64_t skonto = o.cents / 50;
        pay = o.cents - skonto;
        row.set(13, amount(skonto));
      }
      row.set(1, amount(pay));
      row.set(7, how == 2 ? "8400" : "1200");  // credit note or bank
      row.set(14, how == 2 ? "Gutschrift" : "Zahlung");
      row.append_to(buf);
    }
    if (buf.size() > (4u << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), out);
      written += buf.size();
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), out);
  written += buf.size();
  if (std::fclose(out) != 0) {
    std::perror(argv[1]);
    return 74;
  }
  std::printf("%s: %llu bytes, %llu invoices\n", argv[1], static_cast<unsigned long long>(written),
              static_cast<unsigned long long>(number));
  return 0;
}
