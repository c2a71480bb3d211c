#include "connector/core/limitation.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
