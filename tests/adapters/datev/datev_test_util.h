// Helpers of the DATEV tests: EXTF files built in memory or in a temp folder, field by DATEV
// column number, the path of the public reference files, and written files split back into
// records and fields.
#pragma once

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mahnwerk::datev::testing {

inline std::string reference(const std::string& relative) {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/data/datev-reference/" + relative;
}

inline constexpr const char* kBuchungsstapelHeader =
    "\"EXTF\";700;21;\"Buchungsstapel\";13;20240130140440439;;\"RE\";\"\";\"\";29098;55003;20240101;4;"
    "20240101;20241231;\"Buchungsstapel\";\"WD\";1;0;0;\"EUR\";;\"\";;;\"03\";;;\"\";\"\"";

inline constexpr const char* kDebitorenHeader =
    "\"EXTF\";700;16;\"Debitoren/Kreditoren\";5;20240130140659583;;\"RE\";\"\";\"\";29098;55003;20240101;4;;;"
    "\"\";\"\";;;0;\"\";;\"\";;;\"03\";;;\"\";\"\"";

// A record of `columns` fields with the given ones filled (1-based DATEV numbers), as written.
inline std::string record(const std::map<int, std::string>& fields, int columns = 125) {
  std::string line;
  for (int c = 1; c <= columns; ++c) {
    if (c > 1) line += ';';
    if (auto it = fields.find(c); it != fields.end()) line += it->second;
  }
  return line;
}

// A heading line of `columns` names (content does not matter to the reader, only the count).
inline std::string heading(int columns, const char* first = "Umsatz (ohne Soll/Haben-Kz)") {
  std::string line = first;
  for (int c = 2; c <= columns; ++c) line += ";Feld " + std::to_string(c);
  return line;
}

// A Buchungsstapel booking: amount, S/H, Konto, Gegenkonto, Belegdatum TTMM, Belegfeld 1, and
// any further columns.
inline std::string booking(const std::string& amount, const std::string& sh, const std::string& konto,
                           const std::string& gegenkonto, const std::string& ttmm,
                           const std::string& belegfeld1, std::map<int, std::string> more = {}) {
  more[1] = amount;
  more[2] = "\"" + sh + "\"";
  more[7] = konto;
  more[8] = gegenkonto;
  more[10] = ttmm;
  more[11] = "\"" + belegfeld1 + "\"";
  return record(more);
}

// A Buchungsstapel file text: header, heading line, records, CRLF.
inline std::string buchungsstapel(const std::vector<std::string>& records,
                                  const std::string& header = kBuchungsstapelHeader) {
  std::string s = header + std::string("\r\n") + heading(125) + "\r\n";
  for (const auto& r : records) s += r + "\r\n";
  return s;
}

// Writes `content` to a fresh file under the test temp dir and returns its path.
inline std::string write_temp(const std::string& name, const std::string& content) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mahnwerk_datev_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

inline std::string source_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return dir ? dir : ".";
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Splits one record (without CRLF) into fields, honouring quotes and doubled quotes.
inline std::vector<std::string> split_record(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == ';' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// The CRLF-terminated lines of a written file, without their CRLF.
inline std::vector<std::string> split_lines_crlf(const std::string& bytes) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const std::size_t end = bytes.find("\r\n", start);
    lines.push_back(bytes.substr(start, end - start));
    start = end == std::string::npos ? bytes.size() : end + 2;
  }
  return lines;
}

}  // namespace mahnwerk::datev::testing
