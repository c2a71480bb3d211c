#include "connector/core/basiszins.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
