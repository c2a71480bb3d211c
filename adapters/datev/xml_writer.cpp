// DATEV XML writer (pugixml builds the documents, so escaping is never done by hand) and the
// ZIP packing (libzip, in memory).
#include "adapters/datev/xml_writer.h"

#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <pugixml.hpp>
#include <sstream>

namespace mahnwerk::datev {
namespace {

constexpr const char* kLedgerNamespace = "http://xml.datev.de/bedi/tps/ledger/v060";
constexpr const char* kDocumentNamespace = "http://xml.datev.de/bedi/tps/document/v06.0";
constexpr const char* kXsi = "http://www.w3.org/2001/XMLSchema-instance";
constexpr const char* kGenerator = "mahnwerk";
constexpr std::size_t kMaxDocuments = 4999;
constexpr std::int64_t kMaxAmountMinor = 999999999999;  // 9,999,999,999.99

std::string xml_amount(const core::Money& m) { return m.to_string(); }  // "1234.50"

std::string to_xml(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, " ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

// UTF-8 text cut to `max` characters (code points), reported.
std::string cut_utf8(const std::string& text, std::size_t max, std::string_view field, ChangeLog& log) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars > max) {
      log.add(field, text, text.substr(0, i), "cut to " + std::to_string(max) + " characters");
      return text.substr(0, i);
    }
  }
  return text;
}

std::string file_name_part(const std::string& belegfeld) {
  std::string out = belegfeld;
  std::replace(out.begin(), out.end(), '/', '-');  // '/' is allowed in Belegfeld 1, not in names
  return out;
}

std::string iso_local(std::chrono::sys_time<std::chrono::milliseconds> t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(t - day));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d", core::format_date(core::Date{day}).c_str(),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

core::Status check_posting(const Posting& p, std::size_t index) {
  const std::string where =
      "posting " + std::to_string(index + 1) + (p.record.empty() ? "" : " (" + p.record + ")");
  if (!p.amount.is_positive() || p.amount.minor() > kMaxAmountMinor) {
    return core::invalid_input("amount must be 0.01 to 9999999999.99, got " + p.amount.to_string(), where);
  }
  const bool digits =
      !p.account.empty() && p.account.size() <= 9 &&
      std::all_of(p.account.begin(), p.account.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoll(p.account) < 10000) {
    return core::invalid_input(
        "bpAccountNo must be a debitor account of 10000..999999999: \"" + p.account + "\"", where);
  }
  const bool revenue = !p.contra_account.empty() && p.contra_account.size() <= 9 &&
                       std::all_of(p.contra_account.begin(), p.contra_account.end(),
                                   [](char c) { return c >= '0' && c <= '9'; }) &&
                       p.contra_account.find_first_not_of('0') != std::string::npos;
  if (!revenue)
    return core::invalid_input("accountNo must be 1..9 digits: \"" + p.contra_account + "\"", where);
  if (p.belegfeld1.empty()) return core::invalid_input("invoice id (Belegfeld 1) is empty", where);
  return core::Ok{};
}

void append_row(pugi::xml_node consolidate, const Posting& p, const std::string& invoice_id,
                const core::Debtor* debtor, ChangeLog& log) {
  pugi::xml_node row = consolidate.append_child("accountsReceivableLedger");
  row.append_child("date").text().set(core::format_date(p.date).c_str());
  row.append_child("amount").text().set(xml_amount(p.amount).c_str());
  row.append_child("accountNo").text().set(p.contra_account.c_str());
  row.append_child("currencyCode").text().set(std::string(p.amount.currency().code()).c_str());
  row.append_child("invoiceId").text().set(invoice_id.c_str());
  row.append_child("bookingText")
      .text()
      .set(cut_utf8(p.text.empty() ? "Mahnkosten" : p.text, 60, "bookingText", log).c_str());
  if (p.due_date) row.append_child("dueDate").text().set(core::format_date(*p.due_date).c_str());
  row.append_child("bpAccountNo").text().set(p.account.c_str());
  if (debtor != nullptr && !debtor->name.empty()) {
    row.append_child("customerName").text().set(cut_utf8(debtor->name, 50, "customerName", log).c_str());
    if (!debtor->address.city.empty()) {
      row.append_child("customerCity")
          .text()
          .set(cut_utf8(debtor->address.city, 30, "customerCity", log).c_str());
    }
  }
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

}  // namespace

core::Result<XmlWrite> write_ledger_import(const WriteHeader& header, std::span<const Posting> postings,
                                           const std::map<std::string, core::Debtor>& debtors) {
  if (auto s = check_header(header); !s) return s.error();
  for (std::size_t i = 0; i < postings.size(); ++i) {
    if (auto s = check_posting(postings[i], i); !s) return s.error();
  }
  XmlWrite out;
  ChangeLog log(out.changes);
  // Invoices in first-seen order, each with its postings.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Posting*>> by_invoice;
  for (const Posting& p : postings) {
    log.set_record(p.record.empty() ? p.belegfeld1 : p.record);
    const std::string id = belegfeld1(p.belegfeld1, log);
    if (by_invoice[id].empty()) order.push_back(id);
    by_invoice[id].push_back(&p);
  }
  if (order.size() > kMaxDocuments) {
    return core::invalid_input("at most 4999 documents per archive, got " + std::to_string(order.size()),
                               "postings");
  }
  pugi::xml_document document;
  pugi::xml_node archive = document.append_child("archive");
  archive.append_attribute("xmlns") = kDocumentNamespace;
  archive.append_attribute("xmlns:xsi") = kXsi;
  archive.append_attribute("xsi:schemaLocation") =
      (std::string(kDocumentNamespace) + " Document_v060.xsd").c_str();
  archive.append_attribute("version") = "6.0";
  archive.append_attribute("generatingSystem") = kGenerator;
  pugi::xml_node head = archive.append_child("header");
  head.append_child("date").text().set(iso_local(header.created).c_str());
  head.append_child("consultantNumber").text().set(header.berater);
  head.append_child("clientNumber").text().set(header.mandant);
  pugi::xml_node content = archive.append_child("content");

  std::vector<TextChange> none;
  ChangeLog quiet(none);
  for (const std::string& id : order) {
    const auto& rows = by_invoice[id];
    core::Money total = core::Money::zero(rows.front()->amount.currency());
    core::Date latest = rows.front()->date;
    for (const Posting* p : rows) {
      auto sum = total.add(p->amount);
      if (!sum) return sum.error();
      total = *sum;
      latest = std::max(latest, p->date);
    }
    pugi::xml_document ledger;
    pugi::xml_node root = ledger.append_child("LedgerImport");
    root.append_attribute("xmlns") = kLedgerNamespace;
    root.append_attribute("xmlns:xsi") = kXsi;
    root.append_attribute("xsi:schemaLocation") =
        (std::string(kLedgerNamespace) + " Belegverwaltung_online_ledger_import_v060.xsd").c_str();
    root.append_attribute("version") = "6.0";
    root.append_attribute("generator_info") = kGenerator;
    root.append_attribute("generating_system") = kGenerator;
    root.append_attribute("xml_data") = "Kopie nur zur Verbuchung berechtigt nicht zum Vorsteuerabzug";
    pugi::xml_node consolidate = root.append_child("consolidate");
    consolidate.append_attribute("consolidatedAmount") = xml_amount(total).c_str();
    consolidate.append_attribute("consolidatedDate") = core::format_date(latest).c_str();
    consolidate.append_attribute("consolidatedInvoiceId") = id.c_str();
    consolidate.append_attribute("consolidatedCurrencyCode") = std::string(total.currency().code()).c_str();
    for (const Posting* p : rows) {
      log.set_record(p->record.empty() ? p->belegfeld1 : p->record);
      const auto d = debtors.find(p->account);
      append_row(consolidate, *p, id, d == debtors.end() ? nullptr : &d->second, log);
    }
    XmlFile file{"Mahnkosten_" + file_name_part(id) + ".xml", to_xml(ledger)};

    pugi::xml_node doc = content.append_child("document");
    pugi::xml_node ext = doc.append_child("extension");
    ext.append_attribute("xsi:type") = "accountsReceivableLedger";
    ext.append_attribute("datafile") = file.name.c_str();
    char period[16];
    std::snprintf(period, sizeof period, "%04d-%02u", core::year_of(latest), core::month_of(latest));
    pugi::xml_node p1 = ext.append_child("property");
    p1.append_attribute("key") = "1";
    p1.append_attribute("value") = period;
    pugi::xml_node p3 = ext.append_child("property");
    p3.append_attribute("key") = "3";
    p3.append_attribute("value") = "Ausgangsrechnungen";
    out.ledgers.push_back(std::move(file));
  }
  out.document = XmlFile{"document.xml", to_xml(document)};
  return out;
}

core::Result<std::string> pack_xml_archive(const XmlWrite& xml) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer == nullptr) return core::Error{core::ErrorKind::kInternal, zip_error_strerror(&error), "zip"};
  zip_source_keep(buffer);  // read back after zip_close
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(buffer, ZIP_TRUNCATE, &error));
  if (!archive) {
    zip_source_free(buffer);
    return core::Error{core::ErrorKind::kInternal, zip_error_strerror(&error), "zip"};
  }
  std::vector<const XmlFile*> files = {&xml.document};
  for (const XmlFile& f : xml.ledgers) files.push_back(&f);
  for (const XmlFile* f : files) {
    zip_source_t* src = zip_source_buffer(archive.get(), f->bytes.data(), f->bytes.size(), 0);
    if (src == nullptr || zip_file_add(archive.get(), f->name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
      if (src != nullptr) zip_source_free(src);
      std::string message = zip_strerror(archive.get());
      zip_source_free(buffer);
      return core::Error{core::ErrorKind::kInternal, message, "zip, " + f->name};
    }
  }
  if (zip_close(archive.get()) != 0) {
    std::string message = zip_strerror(archive.get());
    zip_source_free(buffer);
    return core::Error{core::ErrorKind::kInternal, message, "zip"};
  }
  archive.release();  // closed: nothing left to discard
  std::string bytes;
  zip_stat_t st;
  if (zip_source_open(buffer) == 0) {
    if (zip_source_stat(buffer, &st) == 0 && (st.valid & ZIP_STAT_SIZE) != 0) {
      bytes.resize(static_cast<std::size_t>(st.size));
      const zip_int64_t n = zip_source_read(buffer, bytes.data(), st.size);
      if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) bytes.clear();
    }
    zip_source_close(buffer);
  }
  zip_source_free(buffer);
  if (bytes.empty()) return core::Error{core::ErrorKind::kInternal, "cannot read the archive back", "zip"};
  return bytes;
}

}  // namespace mahnwerk::datev
