#include "connector/core/verzug.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
