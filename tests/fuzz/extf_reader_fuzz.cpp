// libFuzzer target: the EXTF/DTVF reader end to end on arbitrary bytes — header, heading line,
// records, the Buchungsstapel and Debitoren parsers and the open-item derivation. Any crash,
// leak, sanitizer report or unbounded allocation is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/datev/buchungsstapel.h"
#include "adapters/datev/debitoren.h"
#include "adapters/datev/extf_reader.h"
#include "adapters/datev/open_items.h"

using namespace mahnwerk::datev;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto reader = ExtfReader::from_bytes(bytes, "fuzz.csv");
  if (!reader) return 0;
  ExtfReader& r = **reader;
  auto ignore = [](RowError) {};
  if (r.header().category == Category::kDebitorenKreditoren) {
    (void)read_debtors(
        r, [](DebtorRecord) {}, ignore);
    return 0;
  }
  OpenItemDeriver deriver(r.header().sachkontenlaenge);
  deriver.set_chart(r.header().skr);
  (void)read_bookings(
      r, [&](const Booking& b) { (void)deriver.add(b); }, ignore);
  (void)deriver.finish();
  return 0;
}
