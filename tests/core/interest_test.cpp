#include "connector/core/interest.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
