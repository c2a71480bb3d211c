#include "connector/core/allocation.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
