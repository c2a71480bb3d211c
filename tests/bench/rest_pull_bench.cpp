// Pull benchmark of the REST engine against the lexoffice simulator over loopback TLS
// (docs/simulators.md): the whole open-item pull of N invoices with the rate limit off (items/s,
// requests/s), then a pull with lexoffice's 2 requests/s on both sides (achieved request rate,
// 429 answers). Figures for the README; not a test. CPU time (user + sys of the whole process:
// client and simulator threads) is reported beside the wall time, as it does not depend on the
// machine's load; "client" is the pulling thread alone.
//   rest_pull_bench [invoices=100000] [paced_seconds=20] [concurrency=mapping's] [faults SPEC]
// (e.g. "delay@voucherlist:every=1,ms=20" adds a wide-area round trip to every list page).
// $MAHNWERK_PERF_CTL names perf's control FIFO (perf record -D -1 --control fifo:FILE): the
// profile is switched on for the timed pull only.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "adapters/http/beast_transport.h"
#include "adapters/rest/rest_adapter.h"
#include "connector/sync/clock.h"
#include "tests/adapters/http/test_pki.h"
#include "tests/sim/sim_server.h"

using namespace mahnwerk;

namespace {

struct Run {
  double seconds = 0;
  double cpu_seconds = 0;     // user + sys of the process (client and simulator)
  double client_seconds = 0;  // user + sys of the pulling thread
  std::size_t items = 0;
  rest::RestStats stats;
  http::TransportStats transport;
  long requests = 0;
  long refused = 0;
};

double cpu_of(int who) {
  rusage u{};
  getrusage(who, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

void perf_control(const char* command) {
  if (const char* fifo = std::getenv("MAHNWERK_PERF_CTL"); fifo != nullptr && *fifo != '\0') {
    std::ofstream(fifo) << command << '\n';
  }
}

Run pull(int invoices, bool rate_on, int concurrency, const std::string& faults) {
  sim::GenerateOptions g;
  g.system = sim::System::kLexoffice;
  g.invoices = invoices;
  g.seed = 5;
  sim::Data data = sim::generate(g);
  for (sim::Invoice& i : data.invoices) {  // every one an open invoice without payments
    i.status = "open";
    i.type = "invoice";
    i.open_cents = i.total_cents;
    if (i.contact_id.empty()) i.contact_id = data.contacts.front().id;
  }
  data.payments.clear();
  sim::SimOptions options;
  options.data = std::move(data);
  options.faults = faults;
  options.rate = std::make_unique<sim::RateSettings>();
  options.rate->off = !rate_on;
  sim::SimServer server(std::move(options));
  http::testing::TempDir dir;
  const std::string ca = dir.write("ca.pem", server.ca_pem());
  const char* source = std::getenv("MAHNWERK_SOURCE_DIR");
  auto mapping =
      rest::find_mapping("lexoffice", {std::string(source ? source : MAHNWERK_SOURCE_DIR) + "/mappings"});
  if (!mapping) throw std::runtime_error(mapping.error().to_string());
  rest::RestSettings settings;
  settings.mapping = "lexoffice";
  settings.base_url = server.origin();
  settings.ca_file = ca;
  settings.rate_per_second = rate_on ? 2.0 : 0.0;
  settings.credential = "bench/lexoffice";
  if (concurrency > 0) settings.concurrency = concurrency;
  http::BeastTransport transport;
  sync::SystemClock clock;
  rest::RestAdapter adapter(std::move(mapping).value(), settings, server.api_key(), transport, clock);
  perf_control("enable");
  const double cpu_start = cpu_of(RUSAGE_SELF), client_start = cpu_of(RUSAGE_THREAD);
  const auto start = std::chrono::steady_clock::now();
  auto delta = adapter.pull(std::nullopt);
  const auto end = std::chrono::steady_clock::now();
  const double cpu_end = cpu_of(RUSAGE_SELF), client_end = cpu_of(RUSAGE_THREAD);
  perf_control("disable");
  if (!delta) throw std::runtime_error(delta.error().to_string());
  Run r;
  r.seconds = std::chrono::duration<double>(end - start).count();
  r.cpu_seconds = cpu_end - cpu_start;
  r.client_seconds = client_end - client_start;
  r.items = delta.value().items.size();
  r.stats = adapter.stats();
  r.transport = transport.stats();
  for (const auto& [route, counts] : server.all_counts()) {
    r.requests += counts.total;
    for (const auto& [status, n] : counts.by_status) {
      if (status == "429" || status == "500") r.refused += n;
    }
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int invoices = argc > 1 ? std::atoi(argv[1]) : 100'000;
  const int paced = argc > 2 ? std::atoi(argv[2]) : 20;
  const int concurrency = argc > 3 ? std::atoi(argv[3]) : 0;
  const std::string faults = argc > 4 ? argv[4] : "";
  try {
    const Run fast = pull(invoices, false, concurrency, faults);
    const double per_100k = 100'000.0 / static_cast<double>(std::max<std::size_t>(fast.items, 1));
    std::printf(
        "rate off: %zu items in %.2f s over %ld requests: %.0f items/s, %.1f requests/s; CPU %.2f s "
        "(client %.2f s) = %.2f s per 100,000 items\n",
        fast.items, fast.seconds, fast.requests, static_cast<double>(fast.items) / fast.seconds,
        static_cast<double>(fast.requests) / fast.seconds, fast.cpu_seconds, fast.client_seconds,
        fast.cpu_seconds * per_100k);
    std::printf(
        "  %zu records read (%zu duplicates), %zu result-window splits; %zu TLS handshakes, %zu requests on "
        "pooled connections\n",
        fast.stats.records, fast.stats.duplicates, fast.stats.window_splits, fast.transport.tls_handshakes,
        fast.transport.reused);
    if (paced > 0) {
      // About `paced` seconds of requests at 2/s: debtors (1 page per 250) and items pages.
      const int n = std::max(250, paced * 220);
      const Run slow = pull(n, true, concurrency, faults);
      std::printf("rate 2/s: %zu items in %.2f s over %ld requests: %.2f requests/s, %ld refused (429/500)\n",
                  slow.items, slow.seconds, slow.requests, static_cast<double>(slow.requests) / slow.seconds,
                  slow.refused);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rest_pull_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
