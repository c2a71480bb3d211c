// DATEV XML write-back: fee and interest documents as "Belegsatzdaten für Ausgangsrechnungen" —
// one LedgerImport v6.0 file (accountsReceivableLedger rows) per invoice and a document.xml
// (archive v6.0) naming them — for DATEV's XML interface ("XML-Schnittstelle online"), packed by
// pack_xml_archive() into the ZIP DATEV imports. The files validate against the XSDs of
// tests/data/datev-reference/xsd/v060 (tests/adapters/datev/xml_writer_test.cpp).
#pragma once

#include <chrono>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "adapters/datev/extf_writer.h"
#include "connector/core/model.h"
#include "connector/core/result.h"

namespace mahnwerk::datev {

struct XmlFile {
  std::string name;   // "Mahnkosten_RE-2025-0101.xml", "document.xml"
  std::string bytes;  // UTF-8 XML
};

struct XmlWrite {
  std::vector<XmlFile> ledgers;  // one LedgerImport per invoice (Belegfeld 1), in first-seen order
  XmlFile document;              // document.xml listing every ledger file
  std::vector<TextChange> changes;
};

// Writes `postings` (fees and interest on a debitor, as charge_posting() builds them) as
// LedgerImport files: per invoice a <consolidate> with the sum, the invoice id (Belegfeld 1,
// DATEV's 36-character set), the date of its latest posting and the currency; per posting an
// accountsReceivableLedger row with date, amount, the revenue account (accountNo), currency,
// invoiceId, bookingText (60 characters), bpAccountNo (the debitor) and, when `debtors` knows
// it, customerName and customerCity. No tax element: fees and default interest are outside VAT.
// document.xml carries `created` (the Clock's time, local to the office), the Berater and
// Mandant of `header`, and one accountsReceivableLedger extension per file with its period
// (key 1, "YYYY-MM") and folder (key 3, "Ausgangsrechnungen").
// Errors (kInvalidInput naming the posting): an amount not positive or above DATEV's maximum, a
// debitor account below 10000, a revenue account that is not 1..9 digits, more than 4,999 invoices.
core::Result<XmlWrite> write_ledger_import(const WriteHeader& header, std::span<const Posting> postings,
                                           const std::map<std::string, core::Debtor>& debtors);

// The ZIP DATEV imports: document.xml and the ledger files at its root, deflated. Built in
// memory with libzip; the caller writes it durably. kInternal if libzip fails.
core::Result<std::string> pack_xml_archive(const XmlWrite& xml);

}  // namespace mahnwerk::datev
