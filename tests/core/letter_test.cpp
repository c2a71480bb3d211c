#include "connector/core/letter.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
