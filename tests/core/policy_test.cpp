#include "connector/core/policy.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
