// generate_state ITEMS [DEBTORS]: writes a generated Mandant state (canonical JSON) to stdout,
// for measuring whole commands such as `mahnwerk propose` on large inputs.
#include <cstdlib>
#include <iostream>

#include "adapters/jsonfile/state_writer.h"
#include "tests/bench/state_generator.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: generate_state ITEMS [DEBTORS]\n";
    return 64;
  }
  const int items = std::atoi(argv[1]);
  const int debtors = argc > 2 ? std::atoi(argv[2]) : std::max(1, items / 10);
  if (items <= 0 || debtors <= 0 || debtors > items) {
    std::cerr << "generate_state: ITEMS and DEBTORS must be positive, DEBTORS at most ITEMS\n";
    return 64;
  }
  std::ios::sync_with_stdio(false);
  mahnwerk::jsonfile::write_state(std::cout, mahnwerk::bench::make_state(items, debtors, true));
  return 0;
}
