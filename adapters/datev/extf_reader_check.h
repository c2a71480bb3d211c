// `datev check`: validates a DATEV file the way DATEV's import does, strictly, and lists every
// problem (the readers are lenient and read what they can; this says what DATEV would refuse).
#pragma once

#include <string>
#include <vector>

#include "adapters/datev/extf_reader.h"

namespace mahnwerk::datev {

// At most this many problems are listed per file; a last entry counts the rest.
inline constexpr std::size_t kMaxProblemsPerFile = 1000;

// Every problem of one file, in file order: whether it can be opened, its charset (BOM, bytes
// outside Windows-1252 or UTF-8), the header (31 fields, version 700, category and name, format
// version, dates, Festschreibung), the column count of the heading line and of every record, and
// each field's format (Buchungsstapel: amounts with exactly two decimals and not zero, S/H,
// accounts, Belegdatum inside Datum vom/bis, Belegfeld 1 charset and length, text lengths and
// quoting, 0/1 flags, TTMMJJJJ dates; Debitoren/Kreditoren: account length, codes, amounts,
// dates). For XML: well-formedness, root and namespace, the rows' required elements, invoiceId's
// charset. An empty result means DATEV should accept the file.
std::vector<RowError> check_file(const std::string& path);

}  // namespace mahnwerk::datev
