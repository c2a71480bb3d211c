#include "connector/core/plan.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
