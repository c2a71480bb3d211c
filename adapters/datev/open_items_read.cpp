// read_files(): DATEV files of any supported kind -> debtors, open items, payments, rejected rows.
// Payment terms of the master data reach the due dates whatever the order of the files.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "adapters/datev/open_items.h"
#include "adapters/datev/xml_reader.h"

namespace mahnwerk::datev {
namespace {

class Collector {
 public:
  explicit Collector(ReadResult& out) : out_(out) {}

  void reject(RowError e) {
    ++out_.rejected_total;
    if (out_.rejected.size() < kMaxRejectedKept) out_.rejected.push_back(std::move(e));
  }
  void file_error(const std::string& path, const core::Error& e) {
    reject(RowError{
        path, 0, 0, {}, e.message + (e.context.empty() || e.context == path ? "" : " (" + e.context + ")")});
  }

  void read_path(const std::string& path) {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) {
      file_error(path, core::Error{core::ErrorKind::kNotFound,
                                   std::string("cannot open: ") + std::strerror(errno), path});
      return;
    }
    char head[256] = {};
    probe.read(head, sizeof head);
    const std::string_view start(head, static_cast<std::size_t>(probe.gcount()));
    if (looks_like_xml(start)) {
      read_xml(path);
    } else {
      read_extf(path);
    }
  }

  void read_extf(const std::string& path) {
    auto opened = ExtfReader::open(path);
    if (!opened) {
      file_error(path, opened.error());
      return;
    }
    ExtfReader& reader = **opened;
    const ExtfHeader& h = reader.header();
    FileSummary summary{path, h.format_name, 0, 0};
    core::Result<RowCounts> counts = RowCounts{};
    auto on_rejected = [this](RowError e) { reject(std::move(e)); };
    if (h.category == Category::kBuchungsstapel) {
      summary.format = "Buchungsstapel";
      deriver_.set_sachkontenlaenge(h.sachkontenlaenge);
      deriver_.set_chart(h.skr);
      counts = read_bookings(
          reader,
          [&](const Booking& b) {
            if (auto st = deriver_.add(b); !st)
              reject(RowError{path, b.line, bs::kWkzUmsatz,
                              std::string(buchungsstapel_field_name(bs::kWkzUmsatz)), st.error().message});
          },
          on_rejected);
    } else if (h.category == Category::kDebitorenKreditoren) {
      summary.format = "Debitoren/Kreditoren";
      counts = read_debtors(
          reader,
          [&](DebtorRecord r) {
            if (r.creditor) return;
            if (r.payment_terms_days) terms_[r.debtor.id] = *r.payment_terms_days;
            debtors_[r.debtor.id] = std::move(r);
          },
          on_rejected);
    } else {
      file_error(
          path, core::invalid_input("category " + std::to_string(h.category_number) + " (" + h.format_name +
                                    ") is not read: only Buchungsstapel (21) and Debitoren/Kreditoren (16)"));
      return;
    }
    if (!counts) {
      file_error(path, counts.error());
      return;
    }
    summary.accepted = counts->accepted;
    summary.rejected = counts->rejected;
    out_.files.push_back(std::move(summary));
  }

  void read_xml(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    if (bytes.find("LedgerImport") == std::string::npos && bytes.find("archive") != std::string::npos) {
      auto files = read_document_xml(bytes, path);
      if (!files) {
        file_error(path, files.error());
        return;
      }
      out_.files.push_back(FileSummary{path, "document.xml", files->size(), 0});
      const std::filesystem::path dir = std::filesystem::path(path).parent_path();
      for (const std::string& f : *files) {
        const std::string datafile = (dir / f).string();
        if (!std::filesystem::exists(datafile)) {
          reject(RowError{path, 0, 0, "datafile", "\"" + f + "\" is listed but not in the folder"});
          continue;
        }
        read_xml(datafile);
      }
      return;
    }
    auto on_rejected = [this](RowError e) { reject(std::move(e)); };
    auto counts = read_ledger_xml(
        bytes, path,
        [&](const LedgerRow& row) {
          deriver_.set_sachkontenlaenge(row.bp_account_digits - 1);
          deriver_.set_chart("");
          Booking b = booking_of(row);
          if (auto st = deriver_.add(b); !st)
            reject(RowError{path, row.line, 0, "currencyCode", st.error().message});
          if (row.paid_at) {
            // Gezahlt am: the invoice was paid in full on that day.
            Booking paid = b;
            paid.soll = !b.soll;
            paid.belegdatum = *row.paid_at;
            paid.faelligkeit.reset();
            if (auto st = deriver_.add(paid); !st)
              reject(RowError{path, row.line, 0, "paidAt", st.error().message});
          }
          auto& d = xml_debtors_[std::to_string(row.bp_account)];
          if (d.name.empty()) d.name = row.customer_name;
          if (d.address.city.empty()) d.address.city = row.customer_city;
        },
        on_rejected);
    if (!counts) {
      file_error(path, counts.error());
      return;
    }
    out_.files.push_back(FileSummary{path, "LedgerImport", counts->accepted, counts->rejected});
  }

  void finish() {
    auto derived = deriver_.finish(terms_);
    out_.items = std::move(derived.items);
    out_.payments = std::move(derived.payments);
    out_.dunning_items = std::move(derived.dunning_items);
    out_.counts = deriver_.counts();
    // Debtors: master data first; XML customer data and bare accounts fill the gaps. Without a
    // master record the kind is unknown: consumer, the safe side of § 288 BGB.
    for (const auto& item : out_.items) {
      if (debtors_.count(item.item.debtor)) continue;
      DebtorRecord r;
      r.debtor.id = item.item.debtor;
      r.debtor.kind = core::DebtorKind::kConsumer;
      if (auto x = xml_debtors_.find(item.item.debtor); x != xml_debtors_.end()) {
        r.debtor.name = x->second.name;
        r.debtor.address.city = x->second.address.city;
      }
      debtors_[r.debtor.id] = std::move(r);
    }
    // Zinsberechnung 9 (keine Berechnung) of the debtor: none of its items bears interest.
    for (auto& item : out_.items) {
      if (auto d = debtors_.find(item.item.debtor);
          d != debtors_.end() && d->second.dunning.interest == Calculation::kNone)
        item.item.interest_blocked = true;
    }
    for (auto& [id, record] : debtors_) out_.debtors.push_back(std::move(record));
  }

 private:
  ReadResult& out_;
  OpenItemDeriver deriver_;
  std::unordered_map<std::string, int> terms_;
  std::map<std::string, DebtorRecord> debtors_;  // ordered: deterministic output
  std::unordered_map<std::string, core::Debtor> xml_debtors_;
};

}  // namespace

ReadResult read_files(const std::vector<std::string>& paths) {
  ReadResult out;
  Collector collector(out);
  for (const std::string& path : paths) collector.read_path(path);
  collector.finish();
  return out;
}

}  // namespace mahnwerk::datev
