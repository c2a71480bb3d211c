// `mahnwerk datev read FILE... [--json]`: debtors, open items and rejected rows derived from DATEV
// files (EXTF/DTVF Buchungsstapel and Debitoren/Kreditoren, LedgerImport XML, document.xml).
// `mahnwerk datev check FILE...`: every problem DATEV's import would complain about.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "adapters/datev/extf_reader_check.h"
#include "adapters/datev/open_items.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/core/basiszins.h"

namespace mahnwerk::cli {
namespace {

struct ReadArgs {
  std::vector<std::string> files;
  bool json = false;
};

struct CheckArgs {
  std::vector<std::string> files;
  bool json = false;
};

void write_nonempty(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) write_field(w, key, value);
}
void write_date(JsonWriter& w, std::string_view key, const std::optional<core::Date>& d) {
  if (d) write_field(w, key, *d);
}

// The canonical debtor (DESIGN.md §4; same members and order as adapters/jsonfile's writer).
void write_debtor(JsonWriter& w, const core::Debtor& d) {
  w.StartObject();
  write_field(w, "id", d.id);
  write_nonempty(w, "name", d.name);
  write_field(w, "kind", core::to_string(d.kind));
  write_nonempty(w, "email", d.email);
  write_field(w, "language", d.language);
  const core::Address& a = d.address;
  if (!a.street.empty() || !a.zip.empty() || !a.city.empty() || !a.country.empty()) {
    write_string(w, "address");
    w.StartObject();
    write_nonempty(w, "street", a.street);
    write_nonempty(w, "zip", a.zip);
    write_nonempty(w, "city", a.city);
    write_nonempty(w, "country", a.country);
    w.EndObject();
  }
  write_date(w, "block_until", d.block_until);
  write_nonempty(w, "block_reason", d.block_reason);
  if (d.insolvent) write_field(w, "insolvent", true);
  // A Mahnzins agreed in DATEV (Zinsberechnung 1), as a percentage like the state JSON's.
  if (d.agreed_interest_bp) {
    write_field(w, "agreed_interest_rate", core::format_percent_bp(*d.agreed_interest_bp));
  }
  w.EndObject();
}

// The canonical item plus `blocks`: the DATEV locks as read (Postensperre, Postensperre bis,
// Zinssperre). The model's `interest_blocked` is the item's Zinssperre or the debtor's
// Zinsberechnung 9, so it can be true where `blocks.zinssperre` is false.
void write_item(JsonWriter& w, const datev::DerivedItem& d) {
  const core::OpenItem& i = d.item;
  w.StartObject();
  write_field(w, "id", i.id);
  write_field(w, "number", i.number);
  write_field(w, "debtor", i.debtor);
  write_field(w, "invoice_date", i.invoice_date);
  write_date(w, "due_date", i.due_date);
  write_field(w, "amount", i.amount);
  write_field(w, "open_amount", i.open_amount);
  if (!(i.currency() == core::Currency::eur())) write_field(w, "currency", i.currency().code());
  if (i.disputed) write_field(w, "disputed", true);
  if (i.interest_blocked) write_field(w, "interest_blocked", true);
  write_date(w, "block_until", i.block_until);
  write_string(w, "blocks");
  w.StartObject();
  write_field(w, "postensperre", d.locks.postensperre);
  write_date(w, "postensperre_bis", d.locks.postensperre_bis);
  write_field(w, "zinssperre", d.locks.zinssperre);
  w.EndObject();
  w.EndObject();
}

void write_payment(JsonWriter& w, const core::Payment& p) {
  w.StartObject();
  write_nonempty(w, "item", p.item);
  write_nonempty(w, "debtor", p.debtor);
  write_field(w, "date", p.date);
  write_field(w, "amount", p.amount);
  if (!(p.amount.currency() == core::Currency::eur())) write_field(w, "currency", p.amount.currency().code());
  write_nonempty(w, "reference", p.reference);
  w.EndObject();
}

void write_problem(JsonWriter& w, const datev::RowError& e) {
  w.StartObject();
  write_field(w, "file", e.file);
  write_string(w, "line");
  w.Uint64(e.line);
  write_field(w, "column", e.column);
  write_field(w, "field", e.field);
  write_field(w, "message", e.message);
  w.EndObject();
}

void print_read_json(const datev::ReadResult& r) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_string(w, "files");
  w.StartArray();
  for (const auto& f : r.files) {
    w.StartObject();
    write_field(w, "file", f.file);
    write_field(w, "format", f.format);
    write_string(w, "accepted");
    w.Uint64(f.accepted);
    write_string(w, "rejected");
    w.Uint64(f.rejected);
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "debtors");
  w.StartArray();
  for (const auto& d : r.debtors) write_debtor(w, d.debtor);
  w.EndArray();
  write_string(w, "items");
  w.StartArray();
  for (const auto& i : r.items) write_item(w, i);
  w.EndArray();
  write_string(w, "payments");
  w.StartArray();
  for (const auto& p : r.payments) write_payment(w, p);
  w.EndArray();
  write_string(w, "rejected");
  w.StartArray();
  for (const auto& e : r.rejected) write_problem(w, e);
  w.EndArray();
  write_string(w, "rejected_total");
  w.Uint64(r.rejected_total);
  w.EndObject();
}

std::string blocks_text(const datev::DerivedItem& d) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ",") + part; };
  if (d.locks.postensperre) add("Postensperre");
  if (d.locks.postensperre_bis) add("Postensperre bis " + core::format_date(*d.locks.postensperre_bis));
  if (d.locks.zinssperre) add("Zinssperre");
  if (d.item.interest_blocked && !d.locks.zinssperre) add("Zinsberechnung 9 (Debitor)");
  return s.empty() ? "-" : s;
}

void print_read_table(const datev::ReadResult& r) {
  for (const auto& f : r.files)
    std::printf("%s: %s, %zu accepted, %zu rejected\n", f.file.c_str(), f.format.c_str(), f.accepted,
                f.rejected);
  std::printf("%-24s %-10s %-10s %-10s %12s  %s\n", "ITEM", "NUMBER", "DEBTOR", "DUE", "OPEN", "BLOCKS");
  for (const auto& d : r.items) {
    const core::OpenItem& i = d.item;
    std::printf("%-24s %-10s %-10s %-10s %12s  %s\n", i.id.c_str(), i.number.c_str(), i.debtor.c_str(),
                i.due_date ? core::format_date(*i.due_date).c_str() : "-",
                (i.open_amount.to_string() + " " + std::string(i.currency().code())).c_str(),
                blocks_text(d).c_str());
  }
  std::printf(
      "%zu debtor(s), %zu open item(s), %zu payment(s) on them, %zu item(s) cleared, %zu dunning "
      "posting(s)\n",
      r.debtors.size(), r.items.size(), r.payments.size(), r.counts.closed, r.counts.dunning_postings);
}

void report_rows(const std::vector<datev::RowError>& rows, std::size_t total) {
  for (const auto& e : rows) std::cerr << "mahnwerk: " << e.to_string() << "\n";
  if (total > rows.size()) std::cerr << "mahnwerk: ... and " << (total - rows.size()) << " more\n";
}

int run_read(const ReadArgs& args) {
  const datev::ReadResult r = datev::read_files(args.files);
  if (args.json) {
    print_read_json(r);
  } else {
    print_read_table(r);
  }
  report_rows(r.rejected, r.rejected_total);
  if (r.rejected_total > 0) {
    std::size_t rows = 0;
    for (const auto& f : r.files) rows += f.rejected;
    std::cerr << "mahnwerk: " << r.rejected_total << " problem(s); " << rows << " row(s) rejected\n";
    return kExitDataErr;
  }
  return kExitOk;
}

int run_check(const CheckArgs& args) {
  std::vector<datev::RowError> problems;
  for (const auto& f : args.files) {
    auto found = datev::check_file(f);
    problems.insert(problems.end(), std::make_move_iterator(found.begin()),
                    std::make_move_iterator(found.end()));
  }
  if (args.json) {
    StdoutJson out;
    JsonWriter& w = out.writer();
    w.StartObject();
    write_field(w, "ok", problems.empty());
    write_string(w, "problems");
    w.StartArray();
    for (const auto& e : problems) write_problem(w, e);
    w.EndArray();
    w.EndObject();
  } else {
    for (const auto& e : problems) std::printf("%s\n", e.to_string().c_str());
    std::printf("%zu problem(s) in %zu file(s)\n", problems.size(), args.files.size());
  }
  return problems.empty() ? kExitOk : kExitDataErr;
}

}  // namespace

void register_datev_command(CLI::App& app, int& exit_code) {
  CLI::App* datev = app.add_subcommand("datev", "DATEV files: read open items, check files (docs/datev.md)");
  datev->require_subcommand(1);

  auto read = std::make_shared<ReadArgs>();
  CLI::App* read_cmd = datev->add_subcommand("read",
                                             "Debtors, open items and rejected rows from EXTF/DTVF CSV and "
                                             "DATEV XML files; exit 65 if a row was rejected");
  read_cmd
      ->add_option("files", read->files,
                   "EXTF_*.csv (Buchungsstapel, Debitoren/Kreditoren), LedgerImport XML, document.xml")
      ->required();
  read_cmd->add_flag("--json", read->json, "print the canonical JSON (debtors, items, payments, rejected)");
  read_cmd->callback([read, &exit_code] { exit_code = run_read(*read); });

  auto check = std::make_shared<CheckArgs>();
  CLI::App* check_cmd = datev->add_subcommand("check",
                                              "Every problem DATEV would complain about: header, column "
                                              "count, field formats, charset; exit 65 if any");
  check_cmd->add_option("files", check->files, "EXTF_*.csv or DATEV XML files")->required();
  check_cmd->add_flag("--json", check->json, "print JSON ({ok, problems})");
  check_cmd->callback([check, &exit_code] { exit_code = run_check(*check); });
}

}  // namespace mahnwerk::cli
