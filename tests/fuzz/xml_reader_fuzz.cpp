// libFuzzer target: the DATEV XML readers (LedgerImport rows as bookings, document.xml) on
// arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/datev/open_items.h"
#include "adapters/datev/xml_reader.h"

using namespace mahnwerk::datev;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  OpenItemDeriver deriver;
  (void)read_ledger_xml(
      bytes, "fuzz.xml",
      [&](const LedgerRow& row) {
        deriver.set_sachkontenlaenge(row.bp_account_digits - 1);
        (void)deriver.add(booking_of(row));
      },
      [](RowError) {});
  (void)deriver.finish();
  (void)read_document_xml(bytes, "document.xml");
  return 0;
}
