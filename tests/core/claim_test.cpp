#include "connector/core/claim.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
