// DATEV XML-Schnittstelle online: LedgerImport v060 files (accountsReceivableLedger rows become
// bookings on the debitor, so open items are derived by the same rules as from a Buchungsstapel)
// and the document.xml that lists them. Amounts are read as text (pugixml as_string), never as
// floating point.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/datev/buchungsstapel.h"
#include "adapters/datev/extf_reader.h"
#include "connector/core/date.h"
#include "connector/core/money.h"

namespace mahnwerk::datev {

// One accountsReceivableLedger row (the elements the open items need).
struct LedgerRow {
  std::size_t line = 0;
  std::string invoice_id;        // invoiceId: the Belegfeld 1, the open-item key
  std::uint64_t bp_account = 0;  // bpAccountNo: the debitor (10000 .. 699999999)
  int bp_account_digits = 0;
  std::uint64_t account = 0;  // accountNo: the revenue account
  int account_digits = 0;
  core::Money amount;  // signed: a minus is a credit note
  core::Date date;
  std::optional<core::Date> due_date;
  std::optional<core::Date> paid_at;
  bool dunning_block = false;  // paymentConditionsId 9 = Mahn-/Zahlsperre
  std::string customer_name;
  std::string customer_city;
};

// Parses a LedgerImport document. Rows with bad or missing elements are reported (file, line,
// element name) and skipped; accountsPayableLedger and cashLedger rows are not receivables and
// are ignored. Errors: kInvalidInput when the bytes are not XML or not a LedgerImport.
core::Result<RowCounts> read_ledger_xml(std::string_view bytes, const std::string& name,
                                        const std::function<void(const LedgerRow&)>& on_row,
                                        const std::function<void(RowError)>& on_rejected);

// The datafiles of a document.xml (archive v06.0) whose extension is accountsReceivableLedger,
// in document order. Errors: kInvalidInput when the bytes are not a DATEV document archive.
core::Result<std::vector<std::string>> read_document_xml(std::string_view bytes, const std::string& name);

// True when the bytes look like XML (after an optional BOM and white space, a '<').
bool looks_like_xml(std::string_view head);

// The booking an XML row stands for: Soll on the debitor for an invoice, Haben for a credit
// note; Belegdatum = date; Fälligkeit = dueDate; Postensperre for paymentConditionsId 9.
// The Belegfeld 1 view points into `row`.
Booking booking_of(const LedgerRow& row);

}  // namespace mahnwerk::datev
