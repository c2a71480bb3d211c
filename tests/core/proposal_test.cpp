#include "connector/core/proposal.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
