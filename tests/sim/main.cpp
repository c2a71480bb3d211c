// mahnwerk-sim: the lexoffice and sevDesk simulators as a process, and the data generator.
//   mahnwerk-sim lexoffice|sevdesk --port 0 --data FILE [--faults SPEC] [--ca-out FILE]
//                [--threads N] [--rate R|off] [--burst B] [--disguise-every N]
//                [--webhook-key-out FILE] [--webhook-ca FILE] [--webhook-retry-ms D1,D2,...]
//   mahnwerk-sim generate lexoffice|sevdesk --invoices N [--seed S] [--contacts C] [--today YYYY-MM-DD]
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/sim/sim_server.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int usage() {
  std::cerr
      << "usage: mahnwerk-sim lexoffice|sevdesk --data FILE [--port N] [--faults SPEC] [--ca-out FILE]\n"
         "                    [--threads N] [--rate R|off] [--burst B] [--disguise-every N]\n"
         "                    [--webhook-key-out FILE] [--webhook-ca FILE] [--webhook-retry-ms D1,D2,...]\n"
         "       mahnwerk-sim generate lexoffice|sevdesk --invoices N [--seed S] [--contacts C]\n"
         "                    [--today YYYY-MM-DD]\n";
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mahnwerk::sim;
  if (argc < 2) return usage();
  try {
    const std::string command = argv[1];
    if (command == "generate") {
      if (argc < 3) return usage();
      GenerateOptions options;
      options.system = parse_system(argv[2]);
      for (int i = 3; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--invoices") {
          options.invoices = std::stoi(value);
        } else if (flag == "--seed") {
          options.seed = std::stoull(value);
        } else if (flag == "--contacts") {
          options.contacts = std::stoi(value);
        } else if (flag == "--today") {
          options.today = value;
        } else {
          return usage();
        }
      }
      std::cout << to_json(generate(options));
      return std::cout.good() ? 0 : 74;
    }
    const System system = parse_system(command);
    SimOptions options;
    std::string data_file, ca_out, key_out;
    auto rate = std::make_unique<RateSettings>();
    bool rate_given = false;
    for (int i = 2; i < argc; i += 2) {
      if (i + 1 >= argc) return usage();
      const std::string flag = argv[i], value = argv[i + 1];
      if (flag == "--data") {
        data_file = value;
      } else if (flag == "--port") {
        options.port = static_cast<std::uint16_t>(std::stoi(value));
      } else if (flag == "--faults") {
        options.faults = value;
      } else if (flag == "--ca-out") {
        ca_out = value;
      } else if (flag == "--webhook-key-out") {
        key_out = value;
      } else if (flag == "--webhook-ca") {
        options.webhooks.ca_file = value;
      } else if (flag == "--webhook-retry-ms") {
        options.webhooks.retry_delays.clear();
        for (std::size_t at = 0; at < value.size();) {
          const std::size_t comma = std::min(value.find(',', at), value.size());
          options.webhooks.retry_delays.emplace_back(std::stoll(value.substr(at, comma - at)));
          at = comma + 1;
        }
      } else if (flag == "--threads") {
        options.threads = std::stoi(value);
      } else if (flag == "--rate") {
        rate_given = true;
        if (value == "off") {
          rate->off = true;
        } else {
          rate->per_second = std::stod(value);
        }
      } else if (flag == "--burst") {
        rate_given = true;
        rate->burst = std::stod(value);
      } else if (flag == "--disguise-every") {
        rate_given = true;
        rate->disguise_every = std::stoi(value);
      } else {
        return usage();
      }
    }
    if (data_file.empty()) return usage();
    options.data = load_data_file(data_file);
    if (options.data.system != system) {
      std::cerr << "mahnwerk-sim: the data file is for " << to_string(options.data.system) << "\n";
      return 65;
    }
    if (rate_given) {
      if (system == System::kSevdesk && !rate->off && rate->per_second == 2.0 && rate->burst == 2.0) {
        // --disguise-every alone does not switch sevDesk's bucket on.
      }
      options.rate = std::move(rate);
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    SimServer server(std::move(options));
    if (!ca_out.empty()) {
      std::ofstream out(ca_out, std::ios::binary | std::ios::trunc);
      out << server.ca_pem();
      if (!out) {
        std::cerr << "mahnwerk-sim: cannot write " << ca_out << "\n";
        return 73;
      }
    }
    if (!key_out.empty()) {
      if (system != System::kLexoffice) {
        std::cerr << "mahnwerk-sim: sevDesk sends no webhooks (--webhook-key-out)\n";
        return 64;
      }
      std::ofstream out(key_out, std::ios::binary | std::ios::trunc);
      out << server.webhook_public_key_pem();
      if (!out) {
        std::cerr << "mahnwerk-sim: cannot write " << key_out << "\n";
        return 73;
      }
    }
    std::printf("listening on %s\n", server.origin().c_str());
    std::fflush(stdout);
    while (!g_stop) {
      struct timespec ts {
        0, 50'000'000
      };
      nanosleep(&ts, nullptr);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mahnwerk-sim: " << e.what() << "\n";
    return 1;
  }
}
